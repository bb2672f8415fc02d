"""The json_api kind: extraction from saved API answers (tests/crawlers/sites/json_api: a student
confessions site, three pages of nested items and a truncated answer) and from an inline API paged by
the Link header; option checks; re-checks; the spider's routing; one crawl end to end."""

import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from scrapy import Request as ScrapyRequest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawlers.pages import json_api as api
from crawlers.registry import Source
from crawlers.spiders.base import BAD_LINK_STAT
from crawlers.spiders.json_api import JsonApiSpider
from safewatch.records import PostRecord
from tests.crawlers.fixture_server import FixtureServer, Reply, Request

BASE = "https://api.cfs.example.vn"
SITE = Path(__file__).parent / "sites" / "json_api"
CONFESSIONS = {
    "items": "data.posts", "next": "data.paging.next", "text_is_html": True,
    "url_template": "https://cfs.example.vn/bai/{id}",
    "fields": {"url": "permalink", "text": "body_html", "title": "title", "author": "user.name",
               "author_url": "user.profile", "published_at": "created_at", "parent_url": "reply_to.permalink",
               "media_urls": "images.*.src", "engagement.replies": "stats.comments",
               "engagement.shares": "stats.shares", "engagement.likes": "stats.reactions",
               "engagement.views": "stats.views"},
}
WALL = {"items": "", "next": "link_header", "max_pages": 2,
        "fields": {"url": "link", "text": "message", "author": "from.name", "published_at": "created_time",
                   "engagement.likes": "like_count"}}
WALL_MESSAGES = [
    "Cả nhà ơi tối nay có mưa to, nhớ đón con sớm nha", "lop 5a nghi hoc chieu mai nhe cac ban",
    "Ai có số cô Hằng dạy Toán cho mình xin với ạ",
    "Phát hiện nhóm lạ rủ học sinh chơi game đổi thẻ, phụ huynh để ý nhé",
    "Thư viện phường mở cửa cả Chủ nhật từ tháng 6", "đi học thêm về muộn quá 😴",
    "Họp phụ huynh cuối năm: 8h sáng thứ Bảy", "cho mình hỏi lịch tiêm sởi đợt này", "Chúc các con thi tốt!",
]


def _saved(name: str, url: str | None = None) -> TextResponse:
    return TextResponse(url or f"{BASE}/{name}", body=(SITE / name).read_bytes(), encoding="utf-8",
                        headers={"Content-Type": "application/json; charset=utf-8"})


def _page(response: TextResponse, options: dict = CONFESSIONS) -> api.Page:
    return api.read_page(response, source="cfs", platform="confessions", options=api.validate_options(options))


def _wall(request: Request) -> Reply:
    """An inline API: a top-level list, three items a page, the next page in the Link header."""
    cursor = int(parse_qs(request.query).get("cursor", ["0"])[0])
    items = [{"id": f"wall_{n}", "link": f"https://cho.example.vn/wall/{n}", "message": message,
              "from": {"name": f"Phụ huynh {n}", "id": n}, "created_time": 1716170000 - 3600 * n, "like_count": n}
             for n, message in enumerate(WALL_MESSAGES)][cursor:cursor + 3]
    headers = {"Link": f'</v2/wall?cursor={cursor + 3}>; rel="next"'} if cursor + 3 < len(WALL_MESSAGES) else {}
    return Reply(json.dumps(items, ensure_ascii=False), headers=headers, content_type="application/json")


def _wall_response(query: str = "") -> TextResponse:
    reply = _wall(Request("GET", "/v2/wall", query, {}, None))
    return TextResponse(f"{BASE}/v2/wall" + (f"?{query}" if query else ""), body=reply.encoded(),
                        headers=reply.headers, encoding="utf-8")


def test_nested_items_give_typed_records_and_the_next_page():
    page = _page(_saved("feed-1.json"))
    assert len(page.records) == 4 and page.next_url == f"{BASE}/feed-2.json"
    first = page.records[0]
    assert first.url == "https://cfs.example.vn/bai/90412" and first.kind == "json_api" and first.source == "cfs"
    assert first.text == ("Gửi bạn nam lớp 11A3 hay đứng ở căng tin lúc ra chơi, mình thích cậu lâu rồi mà ko dám "
                          "nói 🙈\n#cfs1024")
    assert first.title == "#cfs1024 Crush căng tin" and first.author == "Ẩn danh" and first.author_url is None
    assert first.published_at == datetime(2024, 5, 20, 14, 5, tzinfo=UTC)
    assert first.engagement == {"replies": 23, "shares": 1, "likes": 310, "views": 5400}
    assert first.language == "vi" and first.platform == "confessions" and first.evidence is None
    assert page.records[1].text.endswith("cảm ơn mn nhiều <3")  # an entity in HTML, read as written
    ad = page.records[2]
    assert ad.author_url == "https://cfs.example.vn/u/kiemtien24h"
    assert ad.media_urls == [f"{BASE}/media/2024/05/banner-taixiu.jpg"]  # relative: resolved against the API


def test_hostile_html_comes_out_as_clean_text():
    hostile = _page(_saved("feed-1.json")).records[3]
    assert hostile.text == "Ảnh lớp mình đi Ba Vì nè\nvui ghê, năm sau đi tiếp nha cả lớp"
    for trace in ("script", "onerror", "alert", "evil", "cookie"):
        assert trace not in hostile.text


def test_url_template_replies_and_skipped_items():
    page = _page(_saved("feed-2.json"))
    assert [r.url.rsplit("/", 1)[1] for r in page.records] == ["90408", "90406", "90405"]  # 90407 has no text
    assert page.records[0].url == "https://cfs.example.vn/bai/90408"  # no permalink: built from url_template
    assert page.records[1].parent_url == "https://cfs.example.vn/bai/90408"
    assert page.records[2].media_urls == [f"{BASE}/media/2024/05/sach-1.jpg",
                                          "https://cdn.cfs.example.vn/2024/05/sach-2.jpg"]


def test_values_of_the_wrong_type_are_ignored():
    page = _page(_saved("feed-3.json"))
    assert len(page.records) == 3 and page.next_url is None  # the last page; a string item skipped
    odd = page.records[1]
    assert odd.title == "12345" and odd.author is None and odd.engagement == {"views": 1500}
    assert odd.published_at is not None  # "hôm qua lúc 22:10"


@pytest.mark.parametrize(("body", "options", "warning"), [
    ((SITE / "broken.json").read_bytes(), CONFESSIONS, "not JSON"),
    (b"<html><body>502 Bad Gateway</body></html>", CONFESSIONS, "not JSON"),
    (b"", CONFESSIONS, "not JSON"),
    (b"null", CONFESSIONS, "not JSON"),
    (b"[" * 100_000, CONFESSIONS, "not JSON"),
    (b'{"ok": false, "error": "rate limited"}', CONFESSIONS, "no list of items at 'data.posts'"),
    (b'{"data": {"posts": {"id": 1}}}', CONFESSIONS, "no list of items"),
    (b'{"data": []}', WALL, "no list of items at '(top level)'"),
])
def test_malformed_answers_give_nothing_and_a_warning(caplog, body, options, warning):
    with caplog.at_level(logging.WARNING, logger="crawlers.pages.json_api"):
        page = _page(TextResponse(f"{BASE}/feed.json", body=body, encoding="utf-8"), options)
    assert page.records == [] and page.next_url is None
    assert warning in caplog.text


def test_link_header_pages_and_top_level_lists():
    page = _page(_wall_response(), WALL)
    assert [r.text for r in page.records] == WALL_MESSAGES[:3] and page.next_url == f"{BASE}/v2/wall?cursor=3"
    assert page.records[0].published_at == datetime.fromtimestamp(1716170000, UTC)
    assert page.records[1].engagement == {"likes": 1} and page.records[1].author == "Phụ huynh 1"
    assert _page(_wall_response("cursor=6"), WALL).next_url is None


def test_next_page_stays_on_the_host(caplog):
    body = json.dumps({"data": {"posts": [], "paging": {"next": "https://tracker.example/feed-2.json"}}})
    with caplog.at_level(logging.WARNING):
        assert _page(TextResponse(f"{BASE}/f", body=body.encode(), encoding="utf-8")).next_url is None
    assert "on another host" in caplog.text
    javascript = json.dumps({"data": {"posts": [], "paging": {"next": "javascript:alert(1)"}}})
    assert _page(TextResponse(f"{BASE}/f", body=javascript.encode(), encoding="utf-8")).next_url is None


BAD_NEXT = ["javascript:alert(1)", "data:application/json,[]", "mailto:a@b.vn", "http://[::1", "http://exa mple.com/p2"]


@pytest.mark.parametrize("next_link", BAD_NEXT)
def test_a_next_page_that_is_not_a_web_address_is_counted(next_link):
    body = json.dumps({"data": {"posts": [], "paging": {"next": next_link}}}).encode()
    assert _page(TextResponse(f"{BASE}/f", body=body, encoding="utf-8")) == api.Page([], None, 1)
    header = TextResponse(f"{BASE}/v2/wall", body=b"[1]", headers={"Link": f'<{next_link}>; rel="next"'})
    assert _page(header, WALL) == api.Page([], None, 1)  # the Link header, as Mastodon pages too


def test_an_offsite_or_missing_next_page_is_no_bad_link():
    offsite = json.dumps({"data": {"posts": [], "paging": {"next": "https://tracker.example/2"}}}).encode()
    assert _page(TextResponse(f"{BASE}/f", body=offsite, encoding="utf-8")).skipped == 0
    assert _page(_wall_response("cursor=6"), WALL).skipped == 0


def test_spider_counts_a_bad_next_page_for_the_crawl_summary():
    source = Source("cfs", "Confessions", "confessions", "json_api", (f"{BASE}/f",), options=CONFESSIONS)
    spider = JsonApiSpider.from_crawler(get_crawler(JsonApiSpider), source=source, start_urls=[f"{BASE}/f"])
    spider.crawler.stats.open_spider()
    body = json.dumps({"data": {"posts": [], "paging": {"next": "http://exa mple.com/p2"}}}).encode()
    assert list(spider.parse(TextResponse(f"{BASE}/f", body=body, encoding="utf-8"))) == []
    assert spider.crawler.stats.get_value(BAD_LINK_STAT) == 1


def test_plain_text_list_indexes_epoch_milliseconds_and_template_quoting():
    options = {"fields": {"text": "body", "media_urls": "images.0.src", "published_at": "ts",
                          "engagement.views": "views"},
               "url_template": "https://cfs.example.vn/p/{meta.slug}"}
    item = {"body": "Mình <3 lớp 9A, a < b > c\n\ndòng hai &amp;", "images": [{"src": "/a.jpg"}, {"src": "/b.jpg"}],
            "ts": 1716170000000, "views": -3, "meta": {"slug": "../../admin?x=1#y"}}
    record = api.item_record(item, f"{BASE}/feed", source="s", platform="p", options=api.validate_options(options))
    assert record.text == "Mình <3 lớp 9A, a < b > c\ndòng hai &amp;"  # plain text kept as written
    assert record.media_urls == [f"{BASE}/a.jpg"]
    assert record.published_at == datetime.fromtimestamp(1716170000, UTC) and record.engagement == {}
    assert record.url == "https://cfs.example.vn/p/..%2F..%2Fadmin%3Fx%3D1%23y"  # an item cannot reshape the URL
    assert api.item_record({"body": "x"}, BASE, source="s", platform="p",
                           options=api.validate_options(options)) is None  # no URL at all


def test_options_get_their_defaults_and_cleaning_them_twice_changes_nothing():
    cleaned = api.validate_options({"fields": {"url": "u", "text": "t"}})
    assert cleaned == {"items": "", "fields": {"url": "u", "text": "t"}, "text_is_html": False, "next": None,
                       "max_pages": 10, "url_template": None}
    assert api.validate_options(cleaned) == cleaned
    assert api.validate_options(CONFESSIONS)["max_pages"] == 10


@pytest.mark.parametrize(("options", "message"), [
    ({"fields": {"url": "u", "text": "t"}, "colour": "red"}, "unknown option(s) colour"),
    ({}, "option 'fields': a mapping of record fields to dotted paths is required"),
    ({"fields": ["url", "text"]}, "option 'fields': a mapping"),
    ({"fields": {"url": "u"}}, "option 'fields': field 'text' is required"),
    ({"fields": {"text": "t"}}, "option 'fields': field 'url' is required (or give option url_template)"),
    ({"fields": {"url": "u", "text": "t", "likes": "n"}}, "option 'fields': unknown field 'likes'"),
    ({"fields": {"url": "u", "text": "t", "engagement.hearts": "n"}}, "unknown field 'engagement.hearts'"),
    ({"fields": {"url": "u", "text": "a..b"}}, "option 'fields', field 'text': 'a..b' is not a dotted path"),
    ({"fields": {"url": "u", "text": 3}}, "option 'fields', field 'text'"),
    ({"fields": {"url": "items.*.u", "text": "t"}}, "option 'fields', field 'url'"),
    ({"fields": {"url": "u", "text": "t"}, "items": "data posts"}, "option 'items': 'data posts' is not a dotted"),
    ({"fields": {"url": "u", "text": "t"}, "text_is_html": "yes"}, "option 'text_is_html': write true or false"),
    ({"fields": {"url": "u", "text": "t"}, "next": "link header"}, "option 'next': 'link header' is neither"),
    ({"fields": {"url": "u", "text": "t"}, "max_pages": 0}, "option 'max_pages': a whole number from 1 to 1000"),
    ({"fields": {"text": "t"}, "url_template": "https://site/p/id"}, "option 'url_template'"),
    ({"fields": {"text": "t"}, "url_template": "ftp://site/{id}"}, "option 'url_template'"),
    ({"fields": {"text": "t"}, "url_template": "https://site/{a..b}"}, "option 'url_template': {a..b}"),
])
def test_option_mistakes_name_the_option(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        api.validate_options(options)


STILL_THERE_DOC = {"url": "https://cfs.example.vn/api/bai/90412",
                   "text": "Có ai biết chỗ nào bán đồ chơi cũ cho bé không, nhà mình muốn mua lại giá rẻ"}
JSON = {"Content-Type": "application/json; charset=utf-8"}


@pytest.mark.parametrize(("status", "headers", "body", "expected"), [
    (404, {}, b"", False), (410, JSON, b"{}", False), (403, {}, b"", None), (429, {}, b"", None),
    (500, JSON, b"{}", None), (301, {}, b"", None),
    # JSON: the item's text is still in the answer, or it is not (an error or an emptied item with 200).
    (200, JSON, json.dumps({"data": {"id": 90412, "noi_dung": STILL_THERE_DOC["text"]}}).encode(), True),
    (200, JSON, json.dumps({"data": {"noi_dung": "<p>" + STILL_THERE_DOC["text"] + "</p>"}}).encode(), True),
    (200, JSON, b'{"error": "not found"}', False),
    (200, JSON, json.dumps({"data": {"id": 90412, "noi_dung": "[deleted]"}}).encode(), False),
    (200, JSON, b"not json at all", None),
    # A web page: left to the generic check, which looks for the text on it.
    (200, {"Content-Type": "text/html"}, b"<p>anything</p>", None),
])
def test_still_there_reads_the_apis_answer_for_the_post(status, headers, body, expected):
    response = TextResponse(STILL_THERE_DOC["url"], status=status, headers=headers, body=body, encoding="utf-8")
    assert api.still_there(response, STILL_THERE_DOC) is expected


def test_spider_follows_next_pages_up_to_max_pages():
    def spider(max_pages: int) -> JsonApiSpider:
        source = Source("cfs", "Confessions", "confessions", "json_api", (f"{BASE}/feed-1.json",),
                        options=api.validate_options({**CONFESSIONS, "max_pages": max_pages}))
        return JsonApiSpider(source=source, start_urls=list(source.start_urls))

    out = list(spider(3).parse(_saved("feed-2.json"), page=2))
    [follow] = [r for r in out if isinstance(r, ScrapyRequest)]
    assert follow.url == f"{BASE}/feed-3.json" and follow.cb_kwargs == {"page": 3} and len(out) == 4
    assert all(isinstance(r, PostRecord) for r in spider(2).parse(_saved("feed-2.json"), page=2))
    assert list(spider(3).parse(_saved("broken.json"))) == []


@pytest.mark.e2e
def test_crawl_json_apis_end_to_end(run_crawl, repo):
    with FixtureServer({"/v2/wall": _wall}, site=SITE) as server:
        registry = f"""sources:
  - id: cfs-api
    name: Confessions (fixture)
    platform: confessions
    kind: json_api
    start_urls: ["{server.base_url}/feed-1.json", "{server.base_url}/broken.json"]
    rate_limit: {{concurrency: 2, delay: 0}}
    options: {json.dumps(CONFESSIONS, ensure_ascii=False)}
  - id: wall-api
    name: School parents' wall (fixture)
    platform: wall
    kind: json_api
    start_urls: ["{server.base_url}/v2/wall"]
    rate_limit: {{concurrency: 2, delay: 0}}
    options: {json.dumps(WALL, ensure_ascii=False)}
"""
        first = run_crawl(registry, "cfs-api", "wall-api")
        assert first.returncode == 0, first.output
        hits = repo.client.search(index=repo.posts, size=100)["hits"]["hits"]
        stored = {hit["_source"]["url"]: hit["_source"] for hit in hits}
        confessions = {url for url, doc in stored.items() if doc["source"] == "cfs-api"}
        assert confessions == {f"https://cfs.example.vn/bai/{n}" for n in range(90402, 90413) if n != 90407}
        wall = sorted(doc["text"] for doc in stored.values() if doc["source"] == "wall-api")
        assert wall == sorted(WALL_MESSAGES[:6])  # max_pages: 2 of 3
        assert all(doc["kind"] == "json_api" for doc in stored.values()) and len(stored) == 16
        assert stored["https://cfs.example.vn/bai/90406"]["parent_url"] == "https://cfs.example.vn/bai/90408"
        requested = server.paths_requested()
        assert {"/feed-1.json", "/feed-2.json", "/feed-3.json", "/broken.json"} <= set(requested)
        assert [p for p in requested if p.startswith("/v2/wall")] == ["/v2/wall", "/v2/wall?cursor=3"]
        assert "16 new" in first.stdout

        second = run_crawl(registry, "cfs-api", "wall-api")
        assert second.returncode == 0, second.output
        assert "0 new, 0 edited since the last crawl, 16 unchanged" in second.stdout, second.output
        assert repo.client.count(index=repo.posts)["count"] == 16
