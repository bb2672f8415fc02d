"""The crawl's frontier on disk (crawlers/frontier.py): every kind's requests survive the round trip
through the serialisation Scrapy's disk queues use (request_to_dict with the spider, pickled), with
their callback, cb_kwargs and meta; a request that cannot is refused loudly, never kept silently."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawlers.frontier import Frontier, UnserialisableRequest, definition, deserialise, job_folder, serialise
from crawlers.kinds import KINDS
from crawlers.registry import Source
from tests.crawlers.test_json_api import CONFESSIONS

BASE = "https://example.vn"
XENFORO = Path(__file__).parent / "sites" / "xenforo"


def _spider(kind: str, start_urls: list[str], **source):
    source = Source("src", "Source", "forum", kind, tuple(start_urls), **source)
    spider_class = KINDS[kind].spider_class()
    crawler = get_crawler(spider_class)
    spider = spider_class.from_crawler(crawler, source=source, start_urls=start_urls)
    crawler.stats.open_spider()
    return spider


def _start(spider) -> list[Request]:
    async def collect():
        return [request async for request in spider.start()]
    # In a thread of its own: in the whole suite the browser tests' Playwright keeps an event loop
    # running in this thread, where asyncio.run() refuses to start another.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(collect())).result()


def _requests(output) -> list[Request]:
    return [item for item in output if isinstance(item, Request)]


def _html(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8")


def _html_requests():
    spider = _spider("html", [f"{BASE}/list/1.html"])
    listing = _html(f"{BASE}/list/1.html", "<ul class='threads'><li><a href='/t/1.html'>Chủ đề</a></li></ul>"
                                           "<a rel='next' href='/list/2.html'>Trang sau</a>")
    return spider, _start(spider) + _requests(spider.parse(listing))


def _rss_requests():
    spider = _spider("rss", [f"{BASE}/rss"], options={"follow_links": True})
    feed = XmlResponse(f"{BASE}/rss", body=b"<rss><channel><item><link>/bai.html</link><title>Tin</title></item>"
                                           b"</channel></rss>")
    return spider, _start(spider) + _requests(spider.parse(feed))


def _sitemap_requests():
    spider = _spider("sitemap", [f"{BASE}/sitemap.xml"])
    index = XmlResponse(f"{BASE}/sitemap.xml", body=(
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
        b"<loc>https://example.vn/tin.xml</loc></sitemap></sitemapindex>"))
    urlset = XmlResponse(f"{BASE}/tin.xml", body=(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://example.vn/bai.html</loc>'
        b"<lastmod>2026-05-01T08:00:00+07:00</lastmod></url></urlset>"))
    return spider, _start(spider) + _requests(spider.parse(index)) + _requests(spider.parse(urlset))


def _xenforo_requests():
    spider = _spider("xenforo", [f"{BASE}/"])
    index = HtmlResponse(f"{BASE}/", body=(XENFORO / "index.html").read_bytes(), encoding="utf-8")
    return spider, _start(spider) + _requests(spider.parse(index))


def _mastodon_requests():
    spider = _spider("mastodon", [f"{BASE}/"], options={"timeline": "account", "account": "nam"})
    lookup = TextResponse(f"{BASE}/api/v1/accounts/lookup?acct=nam", body=b'{"id": "42"}', encoding="utf-8")
    statuses = _requests(spider.parse_account(lookup))
    status = {"id": "1", "url": f"{BASE}/@nam/1", "uri": f"{BASE}/users/nam/statuses/1", "content": "<p>Chào</p>",
              "created_at": "2026-05-01T08:00:00Z", "account": {"acct": "nam", "url": f"{BASE}/@nam"}}
    page = TextResponse(statuses[0].url, body=json.dumps([status]).encode(), encoding="utf-8",
                        headers={"Link": f'<{BASE}/api/v1/accounts/42/statuses?max_id=1>; rel="next"'})
    return spider, _start(spider) + statuses + _requests(spider.parse(page))


def _json_api_requests():
    spider = _spider("json_api", [f"{BASE}/f"], options=CONFESSIONS)
    body = {"data": {"posts": [], "paging": {"next": f"{BASE}/f?page=2"}}}
    page = TextResponse(f"{BASE}/f", body=json.dumps(body).encode(), encoding="utf-8")
    return spider, _start(spider) + _requests(spider.parse(page))


REQUESTS_OF = {"html": _html_requests, "rss": _rss_requests, "sitemap": _sitemap_requests,
               "xenforo": _xenforo_requests, "mastodon": _mastodon_requests, "json_api": _json_api_requests}


def test_every_kind_is_tested():
    assert set(REQUESTS_OF) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(REQUESTS_OF))
def test_requests_of_every_kind_survive_the_frontier_on_disk(kind):
    spider, requests = REQUESTS_OF[kind]()
    followed = [r for r in requests if r.callback is not None or r.cb_kwargs or len(r.meta) > 1]
    assert len(requests) >= 2 and followed, requests  # start requests and the requests a page leads to
    for request in requests:
        request.meta.update(depth=2, is_start_request=False)  # what Scrapy's spider middlewares add
        back = deserialise(serialise(request, spider), spider)
        assert (back.url, back.method, back.priority, back.dont_filter) == \
               (request.url, request.method, request.priority, request.dont_filter)
        assert back.callback == request.callback and back.errback == request.errback, request
        assert back.cb_kwargs == request.cb_kwargs and back.meta == request.meta, request


def test_a_request_that_cannot_be_kept_is_refused_loudly():
    spider = _spider("html", [f"{BASE}/"])
    with pytest.raises(UnserialisableRequest, match="/x"):
        serialise(Request(f"{BASE}/x", callback=spider.parse, meta={"open_file": lambda: None}), spider)
    with pytest.raises(UnserialisableRequest):  # a callback that is not the spider's (a media request's)
        serialise(Request(f"{BASE}/x", callback=lambda response: None), spider)


def test_a_frontier_keeps_what_waits_and_what_is_done(tmp_path):
    folder = job_folder(tmp_path, "swtest", "../../etc")
    assert folder.parent == tmp_path / "crawl_jobs" / "swtest" and folder.name.startswith("id-")
    frontier = Frontier(folder)
    frontier.start(definition("html", ["https://a.vn/"]))
    first, second = frontier.add("f1", "https://a.vn/1", b"one"), frontier.add("f2", "https://a.vn/2", b"two")
    frontier.mark_done([first])
    frontier.close()
    again = Frontier(folder)  # as the next run opens it
    assert again.definition() == definition("html", ["https://a.vn/"])
    assert list(again.waiting()) == [(second, b"two")] and again.count_waiting() == 1
    assert set(again.fingerprints()) == {"f1", "f2"} and again.urls(done=True) == ["https://a.vn/1"]
    again.close()
