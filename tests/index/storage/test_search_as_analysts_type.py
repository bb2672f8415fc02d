"""Search as analysts type (#14): teencode and obfuscation find their plain forms, dates are days in
Vietnam, a reversed range is refused, platform/source/reviewer ignore case, sort by posting or
collection time, page numbers, hits per day; one reading of the query string for /search and saved
searches; posts stored before the normalised field get it from `index migrate`, none lost."""

import pytest

from index.casework.saved_searches import SavedSearchError, normalize_query
from index.casework.saved_searches import search_request as saved_search_request
from index.storage import schema
from index.storage.mappings import POSTS, IndexSpec
from index.storage.queries import QueryError, SearchRequest
from index.storage.search_query import read_search
from safewatch.records import post_id_for


def _doc(n, text, **extra):
    url = f"https://forum.example/t/{n}"
    return {"id": post_id_for(url), "url": url, "text": text, "status": "flagged", "source": "demo",
            "platform": "forum", "collected_at": "2026-11-20T00:00:00+00:00", "priority": 1.0, **extra}


def _id(n) -> str:
    return post_id_for(f"https://forum.example/t/{n}")


def _ids(repo, **request) -> list[str]:
    return [hit["id"] for hit in repo.search_posts(SearchRequest(facets=False, **request)).hits]


PLAIN = {1: "con không cần bố mẹ biết đâu", 2: "liên hệ zalo để nhận hàng", 3: "bán ma túy đá giá rẻ",
         4: "hôm nay trời đẹp"}


@pytest.mark.parametrize(("typed", "finds"), [("ko can bo me", 1), ("z@lo", 2), ("m.a t.u.y", 3),
                                              ("khong can bo me", 1), ("ma túy", 3)])
def test_teencode_and_obfuscation_find_the_plain_text(repo, typed, finds):
    repo.bulk_upsert_posts([_doc(n, text) for n, text in PLAIN.items()])
    repo.refresh()
    assert _ids(repo, text=typed) == [_id(finds)]


def test_obfuscated_posts_are_found_by_the_plain_words(repo):
    repo.bulk_upsert_posts([_doc(1, "ai cần m.a t.u.y ib mình"), _doc(2, "add z@lo mình nhé"), _doc(3, "bình thường")])
    repo.refresh()
    assert _ids(repo, text="ma túy") == [_id(1)]
    assert _ids(repo, text="zalo") == [_id(2)]
    assert _ids(repo, text="inbox") == [_id(1)]


def test_date_filters_are_days_in_vietnam(repo):
    # 18:00 UTC on 30 November is 01:00 on 1 December in Vietnam; 16:30 UTC is 23:30 on 30 November.
    repo.bulk_upsert_posts([_doc(1, "bài đăng khuya", published_at="2026-11-30T18:00:00+00:00"),
                            _doc(2, "bài đăng tối", published_at="2026-11-30T16:30:00+00:00")])
    repo.refresh()
    assert _ids(repo, date_from="2026-12-01", date_to="2026-12-01") == [_id(1)]
    assert _ids(repo, date_from="2026-11-30", date_to="2026-11-30") == [_id(2)]
    assert _ids(repo, date_to="2026-11-30") == [_id(2)]


def test_a_reversed_or_bad_range_gets_a_message():
    with pytest.raises(QueryError, match=r"reversed: 'from' \(2026-12-02\) is after 'to' \(2026-12-01\)"):
        SearchRequest(date_from="2026-12-02", date_to="2026-12-01")
    with pytest.raises(QueryError, match="'from' must be a date"):
        read_search({"from": ["2026-02-30"]})
    with pytest.raises(QueryError, match="reversed"):
        read_search({"from": ["2026-12-02"], "to": ["2026-12-01"]})


def test_saved_searches_read_the_query_string_as_the_search_page_does():
    with pytest.raises(SavedSearchError, match="reversed"):  # accepted before: two date checks
        normalize_query("from=2026-12-02&to=2026-12-01")
    assert normalize_query("q=keo&page=3&after=%5B1%5D") == "q=keo"  # a saved search starts at page 1
    assert read_search({"status": ["lost", "flagged"], "sort": ["random"]}).statuses == ("flagged",)
    with pytest.raises(QueryError, match="Unknown status 'lost'"):
        read_search({"status": ["lost"]}, strict=True)
    assert saved_search_request("q=keo&platform=Forum&sort=posted_newest").sort == "posted_newest"
    with pytest.raises(QueryError, match="page must be a whole number"):
        read_search({"page": ["0"]})


def test_platform_source_and_reviewer_filters_ignore_case(repo):
    repo.bulk_upsert_posts([_doc(1, "một", platform="forum", source="Demo-Forum", reviewer="lan"),
                            _doc(2, "hai", platform="facebook", source="other")])
    repo.refresh()
    assert _ids(repo, platforms=("Forum",)) == [_id(1)]
    assert _ids(repo, sources=("demo-forum",)) == [_id(1)]
    assert _ids(repo, reviewer="LAN") == [_id(1)]
    assert len(_ids(repo, platforms=("FORUM", "Facebook"))) == 2


def test_sort_by_posting_time_or_collection_time(repo):
    # Collected in another order than posted; the third post says no posting time (it comes last).
    repo.bulk_upsert_posts([
        _doc(1, "a", published_at="2026-11-01T00:00:00+00:00", collected_at="2026-11-25T00:00:00+00:00"),
        _doc(2, "b", published_at="2026-11-10T00:00:00+00:00", collected_at="2026-11-21T00:00:00+00:00"),
        _doc(3, "c", collected_at="2026-11-23T00:00:00+00:00")])
    repo.refresh()
    assert _ids(repo, sort="posted_newest") == [_id(2), _id(1), _id(3)]
    assert _ids(repo, sort="posted_oldest") == [_id(1), _id(2), _id(3)]
    assert _ids(repo, sort="newest") == [_id(1), _id(3), _id(2)]  # collection time


def test_page_numbers_reach_every_hit_once_and_stop_at_the_window(repo):
    repo.bulk_upsert_posts([_doc(n, f"bài số {n}", collected_at=f"2026-11-{n + 1:02d}T00:00:00+00:00")
                            for n in range(25)])
    repo.refresh()
    pages = [_ids(repo, sort="newest", size=10, page=page) for page in (1, 2, 3)]
    assert [len(page) for page in pages] == [10, 10, 5]
    assert len({post_id for page in pages for post_id in page}) == 25
    with pytest.raises(QueryError, match="first 10000 results"):
        SearchRequest(size=20, page=501)


def test_hits_per_day_of_the_result_set_in_vietnam_days(repo):
    repo.bulk_upsert_posts([
        _doc(1, "kẹo", published_at="2026-11-30T18:00:00+00:00"),  # 1 December in Vietnam
        _doc(2, "kẹo", published_at="2026-12-01T02:00:00+00:00"),
        _doc(3, "kẹo", collected_at="2026-12-03T10:00:00+00:00"),  # no posting time: its collection day
        _doc(4, "khác", published_at="2026-12-02T02:00:00+00:00")])  # not in the result set
    repo.refresh()
    result = repo.search_posts(SearchRequest(text="kẹo"))
    assert result.per_day == [("2026-12-01", 2), ("2026-12-02", 0), ("2026-12-03", 1)]
    assert result.days_per_bar == 1


def test_a_long_span_is_drawn_in_groups_of_days(repo):
    repo.bulk_upsert_posts([_doc(1, "x", published_at="2026-01-01T05:00:00+00:00"),
                            _doc(2, "x", published_at="2026-12-31T05:00:00+00:00")])
    repo.refresh()
    result = repo.search_posts(SearchRequest(text="x"))
    assert len(result.per_day) <= 62 and result.days_per_bar == 6
    assert sum(count for _, count in result.per_day) == 2 and result.per_day[0] == ("2026-01-01", 1)


def test_index_migrate_gives_posts_stored_before_the_field_their_search_text(repo):
    """An index built with the schema before the normalised field (as on main), holding reviewed
    posts: `migrate` moves them to the new schema, fills the field, and loses nothing."""
    old = IndexSpec("posts", 1, {**POSTS, "properties": {k: v for k, v in POSTS["properties"].items()
                                                         if k != "text_normalized"}})
    repo.client.indices.delete(index=schema.current_index(repo, old))
    repo.client.indices.create(index=old.concrete(repo.prefix),
                               **schema._body(old, repo, with_alias=True, lineage="old-lineage"))
    for n, text in PLAIN.items():
        repo.client.index(index=repo.posts, id=f"p{n}",
                          document={"post_id": f"p{n}", "text": text, "status": "confirmed", "reviewer": "lan"})
    repo.refresh()
    assert _ids(repo, text="ko can bo me") == []  # the old index cannot find it

    done = schema.migrate(repo, log=lambda line: None)
    assert [m.documents for m in done] == [4]
    assert repo.client.count(index=repo.posts)["count"] == 4
    assert _ids(repo, text="ko can bo me") == ["p1"] and _ids(repo, text="m.a t.u.y") == ["p3"]
    kept = repo.get_post("p1").source
    assert kept["status"] == "confirmed" and kept["reviewer"] == "lan" and kept["text"] == PLAIN[1]
    assert schema.migrate(repo, log=lambda line: None) == []  # nothing left to do


def test_a_recrawl_of_an_unchanged_post_gives_it_the_search_text(repo):
    post = _doc(1, PLAIN[1], content_hash="a" * 64)
    repo.bulk_upsert_posts([post])
    repo.client.update(index=repo.posts, id=post["id"], doc={"text_normalized": None}, refresh=True)
    assert _ids(repo, text="ko can bo me") == []
    repo.bulk_upsert_posts([post])
    repo.refresh()
    assert _ids(repo, text="ko can bo me") == [post["id"]]
