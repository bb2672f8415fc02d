"""Re-checks that never guess (#15): a XenForo forum installed under /forums/ gets its post permalinks
under /forums/, so a re-check asks the address the post was captured from (the site root's
/posts/N/ answers 404 there, which would have marked a live post removed)."""

from __future__ import annotations

import re

from scrapy.http import HtmlResponse, Request

from crawlers.pages.xenforo import thread_posts
from tests.crawlers.conftest import read_fixture
from tests.crawlers.fixture_server import FixtureServer, Reply
from tests.crawlers.test_recheck import under_notice

THREAD = "threads/nap-50k-nhan-500k-game-bai-doi-thuong-uy-tin-so-1.202/"
# The thread page of the shipped XenForo 2 fixture, under /forums/, in a style without schema.org
# `itemid` attributes (the permalinks' route must then come from the page's own address).
PAGE = re.sub(r'\sitemid="[^"]*"', "", read_fixture("xenforo", *THREAD.split("/"), "index.html").decode())
PAGE = PAGE.replace('href="/', 'href="/forums/').replace('src="/', 'src="/forums/')


def test_a_forum_under_a_sub_path_keeps_its_permalinks_under_it():
    url = f"http://forum.example/forums/{THREAD}"
    posts = thread_posts(HtmlResponse(url, body=PAGE.encode(), encoding="utf-8", request=Request(url)), source="f")
    assert [p.url for p in posts][:2] == ["http://forum.example/forums/posts/1020/",
                                          "http://forum.example/forums/posts/1021/"]
    listing = "http://forum.example/forums/forums/mua-ban-rao-vat.5/"
    from crawlers.pages.xenforo import _forum_root
    assert _forum_root(HtmlResponse(listing, body=b"<html></html>")) == "http://forum.example/forums/"
    at_root = "http://forum.example/forums/mua-ban-rao-vat.5/"
    assert _forum_root(HtmlResponse(at_root, body=b"<html></html>")) == "http://forum.example/"


def test_recheck_of_a_forum_under_a_sub_path_finds_the_live_post(run_crawl, repo):
    routes = {f"/forums/{THREAD}": Reply(PAGE),
              "/forums/posts/1020/": Reply("", status=301, headers={"Location": f"/forums/{THREAD}#post-1020"}),
              "/posts/1020/": Reply("<h1>Not Found</h1>", status=404)}  # the site root: not the forum
    with FixtureServer(routes) as server:
        page_url = server.url(f"/forums/{THREAD}")
        [first, *_] = thread_posts(HtmlResponse(page_url, body=PAGE.encode(), encoding="utf-8",
                                                request=Request(page_url)), source="f")
        assert first.url == server.url("/forums/posts/1020/")
        post_id = under_notice(repo, first.url, text=first.text)
        repo.bulk_update_posts([(post_id, {"kind": "xenforo"})])
        repo.refresh()
        result = run_crawl("sources: []\n", args=("--all",), command="recheck")
        assert result.returncode == 0, result.output
        assert "0 removed, 1 still online" in result.stdout, (result.output, server.paths_requested())
        assert "/posts/1020/" not in server.paths_requested()
    stored = repo.get_post(post_id).source
    assert stored["status"] != "removed" and stored["last_check"] == "present"
