"""The index against the real node: setup, upsert without duplicates, Vietnamese search."""

import pytest

from index.storage.queries import QueryError, SearchRequest
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


def search(repo, text="", **filters):
    return repo.search_posts(SearchRequest(text=text, **filters))


def test_search_is_diacritic_insensitive_and_exact_spelling_ranks_first(repo):
    repo.bulk_upsert_posts([
        _doc("http://f.example/1", "Công an bắt đối tượng mua bán ma túy ở Đà Nẵng"),
        _doc("http://f.example/2", "Mà tùy bạn thôi, mình sao cũng được"),
        _doc("http://f.example/3", "Hôm nay trời đẹp"),
    ])
    repo.refresh()
    assert search(repo, "ma tuy").total == 2
    assert search(repo, "ma túy").hits[0]["url"] == "http://f.example/1"
    assert search(repo, "mà tùy").hits[0]["url"] == "http://f.example/2"
    result = search(repo, "da nang")
    assert result.total == 1 and "\ue000Đà Nẵng\ue001" in result.hits[0]["highlight"]["text"][0]
    assert search(repo, "tuy ma").total == 2  # every word must occur, in any order
    assert search(repo, "ma tuy cocaine").total == 0


def test_search_folds_d_stroke_both_ways(repo):
    repo.bulk_upsert_posts([_doc("http://f.example/1", "Đường dây đánh bạc qua mạng bị triệt phá"),
                            _doc("http://f.example/2", "duong day danh bac online")])
    repo.refresh()
    assert search(repo, "duong day danh bac").total == 2
    assert search(repo, "đường dây đánh bạc").hits[0]["url"] == "http://f.example/1"


def test_user_typed_query_syntax_never_errors(repo):
    repo.bulk_upsert_posts([_doc("http://f.example/1", "xin chào")])
    repo.refresh()
    for query in ['"unbalanced', "a AND (b", "title:x OR", "\\", "*?~^", "<script>", "xin chào)"]:
        assert search(repo, query).total >= 0


def test_filters_facets_and_date_range(repo):
    repo.bulk_upsert_posts([
        _doc("http://f.example/1", "bán kẹo", labels=["drugs"], platform="forum", source="a",
             published_at="2026-11-01T10:00:00+07:00"),
        _doc("http://f.example/2", "bán kẹo ngọt", status="collected", platform="facebook", source="b",
             published_at="2026-11-15T10:00:00+07:00"),
        _doc("http://f.example/3", "nạp thẻ", labels=["scam", "gambling"], platform="forum", source="a",
             published_at="2026-11-30T23:00:00+07:00"),
    ])
    repo.refresh()
    assert search(repo, "ban keo", statuses=("flagged",)).total == 1
    assert search(repo, categories=("gambling",)).hits[0]["url"] == "http://f.example/3"
    assert search(repo, platforms=("forum",), sources=("a",)).total == 2
    assert search(repo, date_from="2026-11-10", date_to="2026-11-30").total == 2
    assert search(repo, date_to="2026-11-01").total == 1
    facets = search(repo).facets
    assert dict(facets["platform"]) == {"forum": 2, "facebook": 1}
    assert dict(facets["category"]) == {"drugs": 1, "scam": 1, "gambling": 1}


def test_search_after_pages_through_everything_once(repo):
    repo.bulk_upsert_posts([_doc(f"http://f.example/{n}", f"bài số {n}",
                                 collected_at=f"2026-11-{1 + n % 20:02d}T00:00:00+00:00") for n in range(45)])
    repo.refresh()
    seen, after = [], ()
    while True:
        page = search(repo, sort="newest", size=10, search_after=after, facets=False)
        seen.extend(hit["url"] for hit in page.hits)
        if page.next_after is None:
            break
        after = tuple(page.next_after)
    assert len(seen) == len(set(seen)) == 45


def test_bad_requests_are_refused_with_a_message():
    with pytest.raises(QueryError, match="Unknown sort"):
        SearchRequest(sort="random")
    with pytest.raises(QueryError, match="Unknown status"):
        SearchRequest(statuses=("deleted",))


def test_queue_weighs_recency_but_never_buries_severe_posts(repo):
    repo.bulk_upsert_posts([
        _doc("http://f.example/old-severe", "a", priority=5.0, collected_at="2026-09-01T00:00:00+00:00"),
        _doc("http://f.example/new-severe", "b", priority=5.0, collected_at="2026-11-19T00:00:00+00:00"),
        _doc("http://f.example/new-mild", "c", priority=2.0, collected_at="2026-11-19T12:00:00+00:00"),
    ])
    repo.refresh()
    order = [p["url"] for p in repo.review_queue(now="2026-11-20T00:00:00+00:00")]
    assert order == ["http://f.example/new-severe", "http://f.example/old-severe", "http://f.example/new-mild"]


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


def test_recrawl_counts_new_unchanged_and_edited_and_keeps_earlier_text(repo):
    from safewatch.records import content_hash
    url = "http://f.example/t/5#post-5"

    def crawled(text, scores):
        return _doc(url, text, content_hash=content_hash(text), scores=scores)

    first = repo.bulk_upsert_posts([crawled("bán kẹo", {"drugs": 0.9})])
    assert (first.created, first.updated, first.unchanged) == (1, 0, 0)
    same = repo.bulk_upsert_posts([crawled("bán kẹo", {"drugs": 0.9})])
    assert (same.created, same.updated, same.unchanged, same.ok) == (0, 0, 1, 1)
    edited = repo.bulk_upsert_posts([crawled("bán kẹo ngọt cho bé", {"drugs": 0.2})])
    assert (edited.created, edited.updated, edited.unchanged) == (0, 1, 0)
    post = repo.get_post(post_id_for(url)).source
    assert post["text"] == "bán kẹo ngọt cho bé" and post["status"] == "flagged"
    assert [v["text"] for v in post["previous_versions"]] == ["bán kẹo"]
    rescored = repo.bulk_upsert_posts([crawled("bán kẹo ngọt cho bé", {"drugs": 0.3})])
    assert rescored.refreshed == 1 and repo.get_post(post_id_for(url)).source["scores"] == {"drugs": 0.3}


def test_a_recrawl_reports_the_media_its_posts_already_recorded(repo):
    """The crawl's media fetcher goes on from what a post recorded of its media, which the upsert read
    anyway: new posts report none, stored ones what they hold (their crawl fields never replace it)."""
    from safewatch.records import content_hash
    recorded, fresh = "http://f.example/t/7#post-7", "http://f.example/t/7#post-8"
    media = [{"url": "http://f.example/a.png", "sha256": "ab" * 32, "captured_at": "2026-11-20T00:00:00+00:00"}]
    post = _doc(recorded, "ảnh", content_hash=content_hash("ảnh"), media_urls=[media[0]["url"]])
    assert repo.bulk_upsert_posts([post]).stored_media == {}
    repo.bulk_update_posts([(post_id_for(recorded), {"media": media})])
    again = repo.bulk_upsert_posts([post, _doc(fresh, "mới", media_urls=["http://f.example/b.png"])])
    assert again.stored_media == {post_id_for(recorded): media}
    assert repo.get_post(post_id_for(recorded)).source["media"] == media
