"""Sitemaps: robots.txt -> index -> news/gzip sitemaps -> article pages with reader comments, as pure
functions of saved responses, then a whole crawl against the fixture news site."""

from __future__ import annotations

import gzip
import logging
import re
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawlers.pages.dates import VIETNAM
from crawlers.pages.forum import ForumRules
from crawlers.pages.sitemap import SitemapPage, sitemap_links, sitemap_page_posts, validate_options
from crawlers.registry import Source
from crawlers.spiders.base import BAD_LINK_STAT
from crawlers.spiders.sitemap import SitemapSpider
from crawlers.summary import refusals
from tests.crawlers.fixture_server import FixtureServer, Reply

SITE = Path(__file__).parent / "sites" / "news"
BASE = "http://tinhocduong.test"
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=VIETNAM)
ARTICLE = "/thoi-su/canh-bao-tro-choi-thu-thach-nguy-hiem-lan-truyen-trong-hoc-sinh-1021.html"
RECENT = {ARTICLE: 6, "/giao-duc/truong-thcs-le-quy-don-to-chuc-ngay-hoi-doc-sach-1019.html": 3,
          "/the-thao/u15-viet-nam-thang-dam-thai-lan-3-0-1018.html": 4,
          "/giao-duc/phu-huynh-lo-lang-khi-con-nghien-dien-thoai-1016.html": 3}
OLD = ("/thoi-su/mua-lu-mien-trung-nhieu-truong-cho-hoc-sinh-nghi-hoc-1003.html",
       "/giai-tri/lien-hoan-phim-thieu-nhi-toan-quoc-khai-mac-995.html")
STATIC = ("/gioi-thieu.html", "/lien-he.html")
# A news site's reader comments, the article left out (rules `post: article.article, div.comment`
# would keep it too).
COMMENT_RULES = {"thread_title": "h1.article-title", "post": "div.comment", "author": ".comment-author",
                 "time": ".comment-time::text", "body": ".comment-text"}
TEMPLATES = ("robots.txt", "sitemap_index.xml", "sitemap-news.xml", "sitemap-pages.xml.gz", "atom.xml", "rss.xml")
_PLACEHOLDER = re.compile(r"\{\{(base|iso|rfc822)(?::(\d+))?\}\}")


def render(name: str, base: str = BASE, now: datetime = NOW) -> bytes:
    """A fixture template with the server's address and dates N days before `now` filled in."""
    path = SITE / name
    data = path.read_bytes()
    text = (gzip.decompress(data) if name.endswith(".gz") else data).decode("utf-8")

    def fill(match: re.Match) -> str:
        if match[1] == "base":
            return base
        when = now - timedelta(days=int(match[2]))
        return when.isoformat(timespec="seconds") if match[1] == "iso" else format_datetime(when)

    body = _PLACEHOLDER.sub(fill, text).encode("utf-8")
    return gzip.compress(body, mtime=0) if name.endswith(".gz") else body


def xml(name: str) -> XmlResponse:
    return XmlResponse(f"{BASE}/{name}", body=render(name))


def links(response, **options):
    return sitemap_links(response, options, now=NOW)


def page(path: str) -> HtmlResponse:
    return HtmlResponse(BASE + path, body=(SITE / path.lstrip("/")).read_bytes(), encoding="utf-8")


# --- discovery -------------------------------------------------------------------------------------

def test_robots_txt_names_the_sitemap_index():
    robots = TextResponse(f"{BASE}/robots.txt", body=render("robots.txt"), encoding="utf-8")
    assert links(robots).sitemaps == [f"{BASE}/sitemap_index.xml"]
    assert links(robots).pages == []


def test_robots_txt_without_sitemap_line_warns(caplog):
    robots = TextResponse(f"{BASE}/robots.txt", body=b"User-agent: *\nDisallow: /admin/\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert links(robots).sitemaps == []
    assert "names no sitemap" in caplog.text


def test_index_lists_child_sitemaps_and_follow_chooses_among_them():
    index = xml("sitemap_index.xml")
    assert links(index).sitemaps == [f"{BASE}/sitemap-news.xml", f"{BASE}/sitemap-pages.xml.gz"]
    assert links(index, follow="news").sitemaps == [f"{BASE}/sitemap-news.xml"]
    assert links(index).pages == []


def test_since_days_skips_child_sitemaps_not_modified_since():
    body = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>/sitemap-2024-01.xml</loc><lastmod>2024-01-31</lastmod></sitemap>
      <sitemap><loc>/sitemap-2026-11.xml</loc><lastmod>2026-11-28T10:00:00+07:00</lastmod></sitemap>
      <sitemap><loc>/sitemap-undated.xml</loc></sitemap></sitemapindex>"""
    found = links(XmlResponse(f"{BASE}/sitemap.xml", body=body), since_days=30)
    assert found.sitemaps == [f"{BASE}/sitemap-2026-11.xml", f"{BASE}/sitemap-undated.xml"]


def test_news_sitemap_pages_carry_titles_and_dates_newest_first():
    pages = links(xml("sitemap-news.xml")).pages
    assert len(pages) == 6
    first = pages[0]
    assert first.url == BASE + ARTICLE
    assert first.title == "Cảnh báo trò chơi thử thách nguy hiểm lan truyền trong học sinh"
    assert first.published == (NOW - timedelta(days=2)).replace(microsecond=0)
    assert first.modified == (NOW - timedelta(days=1)).replace(microsecond=0)
    latest = [p.latest for p in pages]
    assert latest == sorted(latest, reverse=True)
    assert all(p.title and p.published for p in pages)


def test_since_days_skips_old_articles():
    pages = links(xml("sitemap-news.xml"), since_days=30).pages
    assert {p.url.removeprefix(BASE) for p in pages} == set(RECENT)


def test_since_days_keeps_undated_pages_and_pages_modified_since():
    body = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>/old-but-commented.html</loc><lastmod>2026-11-26</lastmod>
        <news:news><news:publication_date>2026-09-01</news:publication_date></news:news></url>
      <url><loc>/undated.html</loc></url>
      <url><loc>/old.html</loc><lastmod>2026-09-01T08:00:00Z</lastmod></url></urlset>"""
    pages = links(XmlResponse(f"{BASE}/sitemap.xml", body=body), since_days=30).pages
    assert [p.url for p in pages] == [f"{BASE}/old-but-commented.html", f"{BASE}/undated.html"]


@pytest.mark.parametrize("response_class", [Response, XmlResponse])
def test_gzip_sitemap_is_unpacked_and_exclude_removes_static_pages(response_class):
    response = response_class(f"{BASE}/sitemap-pages.xml.gz", body=render("sitemap-pages.xml.gz"))
    assert [p.url for p in links(response).pages] == [BASE + path for path in STATIC]
    assert links(response, exclude=r"/(gioi-thieu|lien-he)\.html$").pages == []
    assert [p.url for p in links(response, include=["lien-he"]).pages] == [f"{BASE}/lien-he.html"]


def test_gzip_bomb_is_refused(caplog):
    urls = "".join(f"<url><loc>/p{n}.html</loc></url>" for n in range(20_000)).encode()
    bomb = gzip.compress(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + urls + b"</urlset>")
    with caplog.at_level(logging.WARNING):
        found = sitemap_links(Response(f"{BASE}/big.xml.gz", body=bomb), {}, max_size=10_000)
    assert found.pages == [] and "does not unpack" in caplog.text


@pytest.mark.parametrize(("body", "what"), [
    ((SITE / "feed-html.xml").read_bytes(), "an HTML page"),
    (b"", "an empty document"),
    (b"\x00\x01garbage<<<", "not well-formed XML"),
    (render("rss.xml"), "an RSS feed"),
    (b"\x1f\x8b\x08not really gzip", "gzip data that does not unpack"),
])
def test_bad_documents_give_nothing_and_say_what_they_were(body, what, caplog):
    with caplog.at_level(logging.WARNING):
        found = links(XmlResponse(f"{BASE}/sitemap.xml", body=body))
    assert found.sitemaps == [] and found.pages == []
    assert f"{BASE}/sitemap.xml is {what}, not a sitemap" in caplog.text


def test_only_web_addresses_are_kept():
    body = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>javascript:alert(1)</loc></url><url><loc>ftp://files.test/a</loc></url>
      <url><loc> /relative.html </loc></url><url><loc></loc></url></urlset>"""
    found = links(XmlResponse(f"{BASE}/s.xml", body=body))
    assert [p.url for p in found.pages] == [f"{BASE}/relative.html"]
    assert found.skipped == 2  # javascript: and ftp:; an empty <loc> is no link


BAD_LOCS = ["javascript:alert(1)", "data:text/xml,<x/>", "mailto:bbt@thd.vn", "http://[::1",
            "http://exa mple.com/s.xml"]


def test_locations_that_are_not_web_addresses_are_counted_where_ever_they_are():
    robots = "".join(f"Sitemap: {loc}\n" for loc in [*BAD_LOCS, "/sitemap-news.xml"])
    found = links(TextResponse(f"{BASE}/robots.txt", body=robots.encode(), encoding="utf-8"))
    assert (found.sitemaps, found.skipped) == ([f"{BASE}/sitemap-news.xml"], 5)
    entries = "".join(f"<sitemap><loc>{escape(loc)}</loc></sitemap>" for loc in [*BAD_LOCS, "/sitemap-news.xml"])
    index = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
    found = links(XmlResponse(f"{BASE}/sitemap_index.xml", body=index.encode()))
    assert (found.sitemaps, found.skipped) == ([f"{BASE}/sitemap-news.xml"], 5)
    urls = "".join(f"<url><loc>{escape(loc)}</loc></url>" for loc in [*BAD_LOCS, ARTICLE])
    urlset = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    found = links(XmlResponse(f"{BASE}/sitemap-x.xml", body=urlset.encode()))
    assert ([p.url for p in found.pages], found.skipped) == ([BASE + ARTICLE], 5)


@pytest.mark.parametrize(("options", "message"), [
    ({"colour": "red"}, "unknown option(s) colour."),
    ({"since_days": 0}, "option 'since_days': a whole number of days, 1 or more"),
    ({"since_days": "30"}, "option 'since_days'"),
    ({"exclude": "(gioi-thieu"}, "option 'exclude': '(gioi-thieu' is not a valid regular expression"),
    ({"include": ["ok", "[a-"]}, "option 'include': '[a-' is not a valid regular expression"),
    ({"follow": 3}, "option 'follow': a regular expression or a list of them"),
    ({"max_pages": 0}, "option 'max_pages': a whole number, 1 or more"),
    ({"max_pages": True}, "option 'max_pages'"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError) as raised:
        validate_options(options)
    assert str(raised.value).startswith(message)


def test_options_get_defaults_and_validation_is_idempotent():
    cleaned = validate_options({"exclude": r"/tag/", "since_days": 7})
    assert cleaned == {"since_days": 7, "include": [], "exclude": ["/tag/"], "follow": [], "max_pages": 1000}
    assert validate_options(cleaned) == cleaned


# --- pages -----------------------------------------------------------------------------------------

def test_article_page_gives_its_reader_comments():
    entry = SitemapPage(BASE + ARTICLE, title="news title")
    records = sitemap_page_posts(page(ARTICLE), entry, source="thd", platform="news",
                                 rules=ForumRules(**COMMENT_RULES))
    assert len(records) == 6
    assert {r.kind for r in records} == {"sitemap"}
    assert {r.title for r in records} == {"Cảnh báo trò chơi thử thách nguy hiểm lan truyền trong học sinh"}
    assert {r.thread_url for r in records} == {BASE + ARTICLE}
    assert records[0].url == f"{BASE}{ARTICLE}#bl-10211" and records[0].author == "Nguyễn Thu Hà"
    assert records[0].published_at == datetime(2026, 11, 27, 14, 5, tzinfo=VIETNAM)
    assert records[1].text.startswith("tro nay nguy hiem qua")  # no diacritics, kept as written
    assert any("ib mình bán pod giá hs" in r.text for r in records)
    hostile = records[-1]
    assert hostile.text == "Xem video gốc tại đây bấm vào" and hostile.author == "Quản trị viên"
    for record in records:
        for marker in ("<", "script", "onerror", "javascript:", "alert"):
            assert marker not in record.text and marker not in (record.author or "")


def test_title_falls_back_to_the_news_title():
    rules = ForumRules(**{**COMMENT_RULES, "thread_title": "h1.no-such-title"})
    records = sitemap_page_posts(page(ARTICLE), SitemapPage(BASE + ARTICLE, title="Tiêu đề từ sitemap"),
                                 source="thd", rules=rules)
    assert {r.title for r in records} == {"Tiêu đề từ sitemap"}


def test_rules_can_take_the_article_and_its_comments():
    rules = ForumRules(thread_title="h1.article-title", post="article.article, div.comment",
                       author=".article-author, .comment-author", time=".comment-time::text",
                       body=".article-body, .comment-text")
    records = sitemap_page_posts(page("/the-thao/u15-viet-nam-thang-dam-thai-lan-3-0-1018.html"),
                                 SitemapPage(BASE + "/x"), source="thd", rules=rules)
    assert len(records) == 5
    assert records[0].url.endswith("#bai-1018") and records[0].author == "Đức Huy"
    assert records[0].text.startswith("Tiền vệ đội trưởng mở tỉ số")
    assert "keo88vip.example" in records[3].text


def test_a_page_that_is_not_text_gives_nothing():
    assert sitemap_page_posts(Response(f"{BASE}/anh.jpg", body=b"\xff\xd8\xff"), SitemapPage(f"{BASE}/anh.jpg"),
                              source="thd") == []


# --- the spider only routes ------------------------------------------------------------------------

def sitemap_spider(**options) -> SitemapSpider:
    source = Source("thd", "Tin Học Đường", "news", "sitemap", (f"{BASE}/robots.txt",), rules=COMMENT_RULES,
                    options=options)
    return SitemapSpider.from_crawler(get_crawler(SitemapSpider), source=source, start_urls=list(source.start_urls))


def test_spider_follows_sitemaps_in_full_and_stops_at_max_pages():
    spider = sitemap_spider(max_pages=2)
    [index] = spider.parse(TextResponse(f"{BASE}/robots.txt", body=render("robots.txt"), encoding="utf-8"))
    assert index.url == f"{BASE}/sitemap_index.xml" and index.meta["dont_condition"]
    requests = list(spider.parse(xml("sitemap-news.xml")))
    newest = [BASE + ARTICLE, f"{BASE}/giao-duc/phu-huynh-lo-lang-khi-con-nghien-dien-thoai-1016.html"]
    assert [r.url for r in requests] == newest  # the most recently changed first (lastmod 1 and 3 days ago)
    assert requests[0].cb_kwargs["page"].title.startswith("Cảnh báo trò chơi")
    assert list(spider.parse(xml("sitemap-pages.xml.gz"))) == []  # max_pages is per crawl, not per sitemap
    [record, *_] = spider.parse_page(page(ARTICLE), requests[0].cb_kwargs["page"])
    assert record.kind == "sitemap" and record.source == "thd" and record.platform == "news"


def test_spider_counts_the_bad_locations_for_the_crawl_summary():
    spider = sitemap_spider()
    spider.crawler.stats.open_spider()
    urls = "".join(f"<url><loc>{escape(loc)}</loc></url>" for loc in [*BAD_LOCS, ARTICLE])
    urlset = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    requests = list(spider.parse(XmlResponse(f"{BASE}/sitemap-x.xml", body=urlset.encode())))
    assert [r.url for r in requests] == [BASE + ARTICLE]
    stats = spider.crawler.stats.get_stats()
    assert stats[BAD_LINK_STAT] == 5 and refusals(stats) == {"skipped_bad_link": 5}


# --- a whole crawl ---------------------------------------------------------------------------------

def news_server() -> FixtureServer:
    """The fixture site, its templates filled with the server's address and dates relative to today."""
    server = FixtureServer(site=SITE)
    types = {".txt": "text/plain; charset=utf-8", ".xml": "application/xml; charset=utf-8",
             ".gz": "application/x-gzip"}

    def filled(request) -> Reply:
        name = request.path.lstrip("/")
        return Reply(render(name, server.base_url, datetime.now(VIETNAM)), content_type=types[Path(name).suffix])

    for name in TEMPLATES:
        server.routes[f"/{name}"] = filled
    return server


def registry(server: FixtureServer, kind: str, start: str, options: str) -> str:
    rules = "\n".join(f"      {name}: '{selector}'" for name, selector in COMMENT_RULES.items())
    return f"""sources:
  - id: tin-hoc-duong
    name: Tin Học Đường (bình luận bạn đọc)
    platform: news
    kind: {kind}
    start_urls: ["{server.url(start)}"]
    rate_limit: {{concurrency: 4, delay: 0}}
    rules:
{rules}
    options: {options}
"""


def indexed(repo) -> list[dict]:
    return [hit["_source"] for hit in repo.client.search(index=repo.posts, size=100)["hits"]["hits"]]


@pytest.mark.e2e
def test_news_sitemap_crawl_reads_recent_comments_only(run_crawl, repo):
    with news_server() as server:
        yaml = registry(server, "sitemap", "/robots.txt",
                        r"{since_days: 30, exclude: '/(gioi-thieu|lien-he)\.html$'}")
        result = run_crawl(yaml, "tin-hoc-duong")
        requested = server.paths_requested()
    assert result.returncode == 0, result.output
    docs = indexed(repo)
    assert len(docs) == sum(RECENT.values()) == 16
    assert {d["kind"] for d in docs} == {"sitemap"} and {d["source"] for d in docs} == {"tin-hoc-duong"}
    assert {d["thread_url"].removeprefix(server.base_url) for d in docs} == set(RECENT)
    assert any(d["text"].startswith("ib mình bán pod giá hs") for d in docs)
    assert any(d["text"] == "Xem video gốc tại đây bấm vào" for d in docs)
    assert {"/sitemap_index.xml", "/sitemap-news.xml", "/sitemap-pages.xml.gz"} <= set(requested)
    assert set(RECENT) <= set(requested)
    assert not set(OLD + STATIC) & set(requested)
