"""A XenForo 1 forum read from its index (#15): forum index -> forum page (and its next page) -> thread ->
posts, with a source of kind `xenforo` whose start URL is the forum's index under /forum/. The listing
pages are written from XenForo 1's templates (tests/crawlers/sites/xenforo1/README.md); the thread they
lead to is GTPlanet's real page (tests/crawlers/sites/real/harvest/)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scrapy.http import HtmlResponse, Request

from crawlers.pages.xenforo import listing_links
from safewatch.records import post_id_for
from tests.crawlers.fixture_server import FixtureServer, Reply
from tests.crawlers.test_real_xenforo import POSTS, SITE, THREAD, served

LISTINGS = Path(__file__).parent / "sites" / "xenforo1"
LONDON = ZoneInfo("Europe/London")
SOURCE = """sources:
  - id: gtplanet
    name: GTPlanet Forums (XenForo 1, under /forum/)
    platform: forum
    kind: xenforo
    start_urls: ["{start}"]
    language: en
    timezone: Europe/London
    options: {{max_pages: 2, since_days: {since_days}}}
    rate_limit: {{concurrency: 1, delay: 0}}
"""


def listing(name: str, base: str) -> bytes:
    return (LISTINGS / name).read_bytes().replace(SITE.encode(), base.encode())


def links_of(name: str, **kwargs) -> list[str]:
    url = {"forum-index.html": f"{SITE}/forum/", "board-f1-2018.html": f"{SITE}/forum/board/f1-2018/",
           "board-f1-2018-page-2.html": f"{SITE}/forum/board/f1-2018/page-2"}[name]
    response = HtmlResponse(url, body=listing(name, SITE), encoding="utf-8", request=Request(url))
    return listing_links(response, timezone=LONDON, **kwargs).urls


def test_the_index_leads_to_its_forums_and_not_to_link_forums():
    assert links_of("forum-index.html") == [f"{SITE}/forum/board/f1-2018/"]  # the category's anchor is the index


def test_a_forum_page_leads_to_its_threads_and_its_next_page():
    assert links_of("board-f1-2018.html") == [
        f"{SITE}/forum/threads/f1-2018-general-discussion.378195/", f"{SITE}/forum/threads/f1-2018-wishlist.371002/",
        f"{SITE}/forum/board/f1-2018/page-2"]  # no redirect, no prefix filter, no page of a thread
    # threads last active before `since` are left out; their times are read in the board's zone
    since = datetime(2017, 9, 2, 9, 6, tzinfo=UTC)  # "Sep 2, 2017 at 10:05 AM" in London is 09:05 UTC
    assert f"{SITE}/forum/threads/f1-2018-wishlist.371002/" not in links_of("board-f1-2018.html", since=since)
    assert f"{SITE}/forum/threads/f1-2018-wishlist.371002/" in links_of(
        "board-f1-2018.html", since=datetime(2017, 9, 2, 9, 4, tzinfo=UTC))
    assert links_of("board-f1-2018.html", max_pages=1)[-1] == f"{SITE}/forum/threads/f1-2018-wishlist.371002/"
    # a page whose every thread is older than `since` does not lead on
    assert links_of("board-f1-2018-page-2.html", since=since) == []


def test_a_crawl_from_the_index_stores_the_thread_it_leads_to(run_crawl, repo):
    since_days = (datetime.now(UTC) - datetime(2018, 5, 1, tzinfo=UTC)).days  # the thread's posts are recent
    page_12 = THREAD + "page-12"
    with FixtureServer({}) as server:
        base = server.base_url
        server.routes.update({
            "/forum/": Reply(listing("forum-index.html", base)),
            "/forum/board/f1-2018/": Reply(listing("board-f1-2018.html", base)),
            "/forum/board/f1-2018/page-2": Reply(listing("board-f1-2018-page-2.html", base)),
            THREAD: Reply(served(base)),
            page_12: Reply(served(base).replace(b'data-page="1"', b'data-page="12"'), status=404),
        })
        result = run_crawl(SOURCE.format(start=server.url("/forum/"), since_days=since_days), "gtplanet")
        requested = server.paths_requested()
    assert "/forum/board/f1-2018/page-2" in requested and THREAD in requested, requested
    assert "/forum/threads/f1-2018-wishlist.371002/" not in requested  # last active in 2017
    assert "/forum/threads/f1-2018-beta-sign-up.380455/" not in requested  # a redirect
    assert not any("link-forums" in path or "prefix_id" in path for path in requested), requested
    assert repo.count_posts(source="gtplanet") == len(POSTS), result.output
    first = repo.get_post(post_id_for(f"{base}/forum/posts/{POSTS[0][0]}/")).source
    assert first["author_name"] == "khr1s" and first["published_at"].startswith("2018-05-15T13:20:00+01:00")
    # page 12 of the thread answers 404 (not saved): nothing fetched was lost, so the crawl still exits 0
    assert result.returncode == 0 and "HTTP 404 answers × 1" in result.stdout, result.output
