"""The index against the real node: setup, upsert without duplicates, Vietnamese search."""

from safewatch.records import post_id_for


def _doc(url, text, status="flagged", **extra):
    return {"id": post_id_for(url), "url": url, "text": text, "status": status, "source": "t",
            "collected_at": "2026-11-20T00:00:00+00:00", "priority": 1.0, **extra}


def test_setup_is_idempotent_and_uses_versioned_indices_behind_aliases(repo):
    assert repo.setup() == []
    aliases = repo.client.indices.get_alias(index=repo.posts)
    assert list(aliases) == [f"{repo.prefix}-posts-v1"]


def test_recrawl_updates_without_duplicates_and_keeps_review_state(repo):
    url = "http://f.example/t/1#post-1"
    assert repo.bulk_upsert_posts([_doc(url, "bản đầu")]).ok == 1
    stored = repo.get_post(post_id_for(url))
    repo.replace_post(stored, {**stored.source, "status": "confirmed", "reviewer": "lan"})
    result = repo.bulk_upsert_posts([_doc("HTTP://F.example:80/t/1#post-1", "bản sửa", status="collected")])
    assert result.ok == 1 and not result.errors
    repo.refresh()
    assert repo.count_posts() == 1
    post = repo.get_post(post_id_for(url)).source
    assert post["text"] == "bản sửa" and post["status"] == "confirmed" and post["reviewer"] == "lan"


def test_per_document_errors_are_reported_not_dropped(repo):
    result = repo.bulk_upsert_posts([_doc("http://f.example/a", "ok"),
                                     _doc("http://f.example/b", "bad", unexpected_field=1)])
    assert result.ok == 1 and len(result.errors) == 1
    assert "strict_dynamic_mapping_exception" in str(result.errors[0])


def test_search_is_diacritic_insensitive_and_exact_spelling_ranks_first(repo):
    repo.bulk_upsert_posts([
        _doc("http://f.example/1", "Công an bắt đối tượng mua bán ma túy ở Đà Nẵng"),
        _doc("http://f.example/2", "Mà tùy bạn thôi, mình sao cũng được"),
        _doc("http://f.example/3", "Hôm nay trời đẹp"),
    ])
    repo.refresh()
    total, hits = repo.search_posts("ma tuy")
    assert total == 2
    total, hits = repo.search_posts("ma túy")
    assert hits[0]["url"] == "http://f.example/1"
    total, hits = repo.search_posts("da nang")
    assert total == 1 and "\ue000Đà Nẵng\ue001" in hits[0]["highlight"]["text.folded"][0]
    total, _ = repo.search_posts("tuy ma")  # every word must occur, in any order
    assert total == 2
    total, _ = repo.search_posts("ma tuy cocaine")
    assert total == 0


def test_user_typed_query_syntax_never_errors(repo):
    repo.bulk_upsert_posts([_doc("http://f.example/1", "xin chào")])
    repo.refresh()
    for query in ['"unbalanced', "a AND (b", "title:x OR", "\\", "*?~^", "<script>"]:
        total, _ = repo.search_posts(query)
        assert total >= 0


def test_queue_orders_by_priority_and_shows_expired_claims(repo):
    repo.bulk_upsert_posts([
        _doc("http://f.example/low", "a", priority=0.5),
        _doc("http://f.example/high", "b", priority=4.0),
        _doc("http://f.example/claimed", "c", status="in_review", priority=3.0,
             claim_expires_at="2026-11-20T00:10:00+00:00"),
        _doc("http://f.example/done", "d", status="confirmed", priority=5.0),
    ])
    repo.refresh()
    before_expiry = [p["url"] for p in repo.review_queue(now="2026-11-20T00:05:00+00:00")]
    after_expiry = [p["url"] for p in repo.review_queue(now="2026-11-20T00:15:00+00:00")]
    assert before_expiry == ["http://f.example/high", "http://f.example/low"]
    assert after_expiry == ["http://f.example/high", "http://f.example/claimed", "http://f.example/low"]
