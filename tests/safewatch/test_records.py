from datetime import UTC, datetime

from safewatch.records import PostRecord, canonical_url, content_hash, normalize_handle, post_id_for


def test_canonical_url_normalises_host_port_and_tracking():
    assert canonical_url("HTTP://Forum.Example:80/t/1?utm_source=fb&b=2&a=1#post-5") == \
        "http://forum.example/t/1?a=1&b=2#post-5"
    assert canonical_url("https://x.example:8443/p?fbclid=abc") == "https://x.example:8443/p"


def test_post_id_is_stable_across_spellings_and_distinct_per_post():
    assert post_id_for("http://Forum.example/t/1#post-5") == post_id_for("http://forum.example:80/t/1#post-5")
    assert post_id_for("http://forum.example/t/1#post-5") != post_id_for("http://forum.example/t/1#post-6")


def test_content_hash_ignores_whitespace_and_unicode_form_only():
    composed, decomposed = "Hòa bình", "Ho\u0300a bi\u0300nh"
    assert content_hash(composed) == content_hash(decomposed) == content_hash("  Hòa \n bình ")
    assert content_hash("Hòa bình") != content_hash("Hoa binh")


def test_record_document_has_iso_times_and_hash():
    record = PostRecord(url="http://f.example/t#post-1", source="s", platform="forum", kind="forum",
                        text="xin chào", published_at=datetime(2026, 11, 20, 7, 5, tzinfo=UTC))
    doc = record.to_document()
    assert doc["published_at"] == "2026-11-20T07:05:00+00:00"
    assert doc["content_hash"] == content_hash("xin chào")
    assert doc["canonical_url"] == "http://f.example/t#post-1"


def test_handles_have_one_spelling():
    assert normalize_handle(" @Kiet9x_Demo ") == "kiet9x_demo" == normalize_handle("kiet9x_demo")
    assert normalize_handle("@") is None and normalize_handle(None) is None


def test_a_shareable_link_loses_the_visit_and_keeps_the_rest_as_written():
    from safewatch.records import shareable_url
    linked = "https://Forum.example/forum/showthread.php?143493-Title&s=953b&p=5&utm_medium=x&flag#post5"
    assert shareable_url(linked) == "https://Forum.example/forum/showthread.php?143493-Title&p=5&flag#post5"
    assert shareable_url("http://a.example/t.jsp;jsessionid=0A1B?t=5&PHPSESSID=9") == "http://a.example/t.jsp?t=5"
    assert shareable_url("https://a.example/p?b=2&a=1") == "https://a.example/p?b=2&a=1"  # order kept
    assert shareable_url(None) is None
    record = PostRecord(url=linked, source="f", platform="forum", kind="forum", text="x",
                        thread_url="https://forum.example/t?sid=1&t=2", parent_url="https://forum.example/p?s=1")
    assert (record.url, record.thread_url, record.parent_url) == (
        "https://Forum.example/forum/showthread.php?143493-Title&p=5&flag#post5",
        "https://forum.example/t?t=2", "https://forum.example/p")


def test_a_parameter_without_a_value_keeps_its_spelling_in_the_canonical_link():
    assert canonical_url("https://f.example/showthread.php?143493-Title&p=5") == \
        "https://f.example/showthread.php?143493-Title&p=5"
    assert canonical_url("https://f.example/p?a=1&a&b=") == "https://f.example/p?a&a=1&b="
    assert post_id_for("https://f.example/t?x&s=1") == post_id_for("https://F.example:443/t?s=2&x")
