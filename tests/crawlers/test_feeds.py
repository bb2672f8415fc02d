"""Atom and RSS feeds (with the linked pages' reader comments), as pure functions of saved responses,
then a whole crawl of the fixture news site's Atom feed with follow_links."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawlers.pages.dates import VIETNAM
from crawlers.pages.feed import feed_entries, feed_posts, linked_page_posts, validate_options
from crawlers.pages.forum import ForumRules
from crawlers.registry import Source
from crawlers.spiders.base import BAD_LINK_STAT
from crawlers.spiders.feed import FeedSpider
from safewatch.records import PostRecord
from tests.crawlers.test_sitemap import (
    ARTICLE,
    BASE,
    COMMENT_RULES,
    NOW,
    RECENT,
    SITE,
    indexed,
    news_server,
    registry,
    render,
)

OLD_ARTICLE = "/thoi-su/mua-lu-mien-trung-nhieu-truong-cho-hoc-sinh-nghi-hoc-1003.html"


def posts(name: str, response_class=XmlResponse, **kwargs):
    return feed_posts(response_class(f"{BASE}/{name}", body=render(name)), source="thd", platform="news", now=NOW,
                      **kwargs)


def by_path(records) -> dict:
    return {r.url.removeprefix(BASE): r for r in records}


def test_atom_entries_give_links_text_authors_dates_media():
    records = by_path(posts("atom.xml"))
    assert set(records) == {*RECENT, OLD_ARTICLE}  # the entry without a web address is left out
    first = records[ARTICLE]
    assert (first.source, first.platform, first.kind) == ("thd", "news", "rss")
    assert first.title == "Cảnh báo trò chơi thử thách nguy hiểm lan truyền trong học sinh"
    assert first.text.startswith("Nhiều phụ huynh phản ánh") and "\nSở Giáo dục" in first.text  # content, not summary
    assert "track()" not in first.text and "<" not in first.text
    assert (first.author, first.author_url) == ("Minh Châu", f"{BASE}/tac-gia/minh-chau")
    assert first.published_at == (NOW - timedelta(days=2)).replace(microsecond=0)
    assert first.media_urls == [f"{BASE}/anh/thu-thach-1021.jpg"]
    assert first.engagement == {"replies": 6} and first.language == "vi"


def test_atom_text_constructs_and_fallbacks():
    records = by_path(posts("atom.xml"))
    xhtml = records["/giao-duc/truong-thcs-le-quy-don-to-chuc-ngay-hoi-doc-sach-1019.html"]
    assert xhtml.text == ("Hơn 800 học sinh tham gia đổi sách cũ lấy sách mới, thi kể chuyện và vẽ tranh.\n"
                          "Thư viện nhà trường nhận thêm gần 1.500 đầu sách.")
    plain = records["/the-thao/u15-viet-nam-thang-dam-thai-lan-3-0-1018.html"]
    assert plain.text.endswith("đội bạn có <2 cú sút trúng đích.")  # type="text": a "<" is a character
    assert plain.media_urls == [f"{BASE}/anh/u15-1018.jpg"]
    from_id = records["/giao-duc/phu-huynh-lo-lang-khi-con-nghien-dien-thoai-1016.html"]
    assert from_id.published_at == (NOW - timedelta(days=20)).replace(microsecond=0)  # <updated>
    assert from_id.author == "Ban biên tập Tin Học Đường"  # the feed's author


def test_rss_extras_content_encoded_enclosures_comment_counts():
    records = by_path(posts("rss.xml"))
    first = records[ARTICLE]
    assert "Tổng đài quốc gia bảo vệ trẻ em 111" in first.text  # content:encoded, longer than description
    assert first.media_urls == [f"{BASE}/anh/thu-thach-1021.jpg", f"{BASE}/video/thu-thach-1021.mp4"]
    assert first.engagement == {"replies": 6} and first.author == "Minh Châu"
    assert first.published_at == (NOW - timedelta(days=2)).replace(microsecond=0)
    sport = records["/the-thao/u15-viet-nam-thang-dam-thai-lan-3-0-1018.html"]
    assert sport.text == "Hai bàn thắng trong hiệp hai giúp U15 Việt Nam giành ngôi đầu bảng B với 7 điểm. Xem thêm"
    assert sport.media_urls == [f"{BASE}/anh/u15-1018.jpg"]  # the javascript: one is dropped
    assert sport.engagement == {}  # "not a number"


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml"])
def test_since_days_skips_old_entries(name):
    assert OLD_ARTICLE in by_path(posts(name))
    assert OLD_ARTICLE not in by_path(posts(name, since_days=30))
    assert ARTICLE in by_path(posts(name, since_days=3))


def test_undated_entries_are_kept_by_since_days():
    body = b"<rss><channel><item><link>/a.html</link><description>ch\xc6\xb0a c\xc3\xb3 ng\xc3\xa0y</description>" \
           b"</item></channel></rss>"
    records = feed_posts(XmlResponse(f"{BASE}/rss", body=body), source="thd", since_days=1, now=NOW)
    assert [r.url for r in records] == [f"{BASE}/a.html"]


def test_a_guid_is_a_link_only_when_it_is_a_permalink():
    body = b"""<rss><channel>
      <item><guid isPermaLink="false">bai-1</guid><title>no link</title></item>
      <item><guid>http://tinhocduong.test/bai-2.html</guid><title>permalink</title></item>
      <item><guid>bai-3</guid><title>not absolute</title></item></channel></rss>"""
    records = feed_posts(XmlResponse(f"{BASE}/rss", body=body), source="thd")
    assert [(r.url, r.text) for r in records] == [(f"{BASE}/bai-2.html", "permalink")]  # the title as text


def test_a_feed_served_as_html_is_still_read():
    assert len(posts("rss.xml", HtmlResponse)) == 3
    assert len(posts("atom.xml", TextResponse)) == 5
    assert len(posts("atom.xml", Response)) == 5


def test_rss_1_0_items_are_read():
    body = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
      xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="/"><title>t</title></channel>
      <item rdf:about="/bai-1.html"><title>B\xc3\xa0i 1</title><description>N\xe1\xbb\x99i dung</description>
      <dc:date>2026-11-28T08:00:00+07:00</dc:date><dc:creator>an</dc:creator></item></rdf:RDF>"""
    [record] = feed_posts(XmlResponse(f"{BASE}/rss10", body=body), source="thd")
    assert (record.url, record.text, record.author) == (f"{BASE}/bai-1.html", "Nội dung", "an")
    assert record.published_at == datetime(2026, 11, 28, 8, 0, tzinfo=VIETNAM)


def test_external_entities_are_not_resolved():
    body = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
      <rss><channel><item><link>/a.html</link><title>x</title><description>a &secret; b</description></item>
      </channel></rss>"""
    records = feed_posts(XmlResponse(f"{BASE}/rss", body=body), source="thd")
    assert all("root:" not in r.text for r in records)


@pytest.mark.parametrize(("body", "what"), [
    ((SITE / "feed-html.xml").read_bytes(), "is an HTML page, not a feed"),
    ((SITE / "feed-empty.xml").read_bytes(), "is an RSS feed with no entries"),
    (b"", "is an empty document, not a feed"),
    (b"  \n", "is an empty document, not a feed"),
    (b"\x00\xffnot xml at all", "is not well-formed XML, not a feed"),
    (render("sitemap-news.xml"), "is an XML document <urlset>, not a feed"),
])
def test_bad_feeds_give_nothing_and_say_what_they_were(body, what, caplog):
    with caplog.at_level(logging.WARNING):
        assert feed_posts(XmlResponse(f"{BASE}/feed.xml", body=body), source="thd") == []
    assert f"{BASE}/feed.xml {what}" in caplog.text


def test_linked_page_comments_reply_to_the_entry():
    article = BASE + ARTICLE
    response = HtmlResponse(article, body=(SITE / ARTICLE.lstrip("/")).read_bytes(), encoding="utf-8")
    comments = linked_page_posts(response, article_url=article, source="thd", platform="news",
                                 rules=ForumRules(**COMMENT_RULES))
    assert len(comments) == 6
    assert {(c.kind, c.parent_url, c.thread_url) for c in comments} == {("rss", article, article)}
    assert comments[3].text == "ib mình bán pod giá hs, ship tận cổng trường, k cần CCCD nha các bạn"
    assert comments[-1].text == "Xem video gốc tại đây bấm vào"


def test_a_linked_block_that_is_the_entry_itself_is_left_out():
    """An entry may link to one post of a thread page (thread.html#post-2): that post is the entry."""
    html = """<article class="post" id="post-1"><div class="post-body">Câu hỏi</div></article>
              <article class="post" id="post-2"><div class="post-body">Bài trong feed</div></article>"""
    response = HtmlResponse(f"{BASE}/thread.html", body=html.encode(), encoding="utf-8")
    [other] = linked_page_posts(response, article_url=f"{BASE}/thread.html#post-2", source="thd")
    assert (other.url, other.parent_url, other.thread_url) == (
        f"{BASE}/thread.html#post-1", f"{BASE}/thread.html#post-2", f"{BASE}/thread.html")


def test_a_linked_page_that_is_not_text_gives_nothing():
    assert linked_page_posts(Response(f"{BASE}/a.pdf", body=b"%PDF-1.7"), article_url=f"{BASE}/a.pdf",
                             source="thd") == []


@pytest.mark.parametrize(("options", "message"), [
    ({"colour": "red", "size": 1}, "unknown option(s) colour, size."),
    ({"follow_links": "yes"}, "option 'follow_links': true or false"),
    ({"since_days": 0}, "option 'since_days': a whole number of days, 1 or more"),
    ({"since_days": 2.5}, "option 'since_days'"),
    ({"since_days": True}, "option 'since_days'"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError) as raised:
        validate_options(options)
    assert str(raised.value).startswith(message)


def test_options_get_defaults():
    assert validate_options({}) == {"follow_links": False, "since_days": None}
    assert validate_options({"follow_links": True, "since_days": 7}) == {"follow_links": True, "since_days": 7}


def test_spider_follows_entry_links_only_when_asked():
    def spider(**options):
        source = Source("thd", "Tin Học Đường", "news", "rss", (f"{BASE}/atom.xml",), rules=COMMENT_RULES,
                        options=options)
        return FeedSpider.from_crawler(get_crawler(FeedSpider), source=source, start_urls=list(source.start_urls))

    feed = XmlResponse(f"{BASE}/atom.xml", body=render("atom.xml"))
    plain = spider()
    assert all(isinstance(item, PostRecord) for item in plain.parse(feed)) and plain.conditional_start
    following = spider(follow_links=True)
    requests = [item for item in following.parse(feed) if isinstance(item, Request)]
    assert len(requests) == 5 and not following.conditional_start
    assert requests[0].url == BASE + ARTICLE and requests[0].cb_kwargs == {"article_url": BASE + ARTICLE}


BAD_LINKS = ["javascript:alert(1)", "data:text/html,x", "mailto:bbt@thd.vn", "http://[::1", "http://exa mple.com/b"]


def _feeds_with_bad_links() -> dict[str, bytes]:
    """An RSS and an Atom feed: one entry per bad link, then a real one."""
    items = "".join(f"<item><link>{link}</link><title>bad {n}</title></item>" for n, link in enumerate(BAD_LINKS))
    entries = "".join(f'<entry><link href="{link}"/><title>bad {n}</title></entry>' for n, link in enumerate(BAD_LINKS))
    return {
        "rss": f"<rss><channel>{items}<item><link>/that.html</link><title>real</title></item></channel></rss>".encode(),
        "atom": (f'<feed xmlns="http://www.w3.org/2005/Atom">{entries}<entry><link href="/that.html"/>'
                 "<title>real</title></entry></feed>").encode(),
    }


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_entries_whose_link_is_not_a_web_address_are_counted(kind):
    found = feed_entries(XmlResponse(f"{BASE}/{kind}", body=_feeds_with_bad_links()[kind]), source="thd")
    assert [(r.url, r.text) for r in found.records] == [(f"{BASE}/that.html", "real")]
    assert found.skipped == len(BAD_LINKS)
    no_link = b"<rss><channel><item><title>no link at all</title></item></channel></rss>"  # nothing to count
    assert feed_entries(XmlResponse(f"{BASE}/rss", body=no_link), source="thd") == ([], 0)


def test_a_malformed_permalink_guid_is_counted_and_the_other_entries_read():
    body = (b"<rss><channel><item><guid>http://[::1</guid><title>x</title></item>"
            b"<item><link>/a.html</link><title>ok</title></item></channel></rss>")
    found = feed_entries(XmlResponse(f"{BASE}/rss", body=body), source="thd")
    assert [r.url for r in found.records] == [f"{BASE}/a.html"] and found.skipped == 1


def test_spider_counts_entries_with_bad_links_for_the_crawl_summary():
    source = Source("thd", "Tin Học Đường", "news", "rss", (f"{BASE}/rss",), options={"follow_links": True})
    spider = FeedSpider.from_crawler(get_crawler(FeedSpider), source=source, start_urls=list(source.start_urls))
    spider.crawler.stats.open_spider()
    items = list(spider.parse(XmlResponse(f"{BASE}/rss", body=_feeds_with_bad_links()["rss"])))
    assert [(type(item).__name__, item.url) for item in items] == [("PostRecord", f"{BASE}/that.html"),
                                                                   ("Request", f"{BASE}/that.html")]
    assert spider.crawler.stats.get_value(BAD_LINK_STAT) == len(BAD_LINKS)


@pytest.mark.e2e
def test_atom_feed_with_follow_links_indexes_entries_and_comments(run_crawl, repo):
    with news_server() as server:
        yaml = registry(server, "atom", "/atom.xml", "{follow_links: true}")
        first = run_crawl(yaml, "tin-hoc-duong")
        docs = indexed(repo)
        second = run_crawl(yaml, "tin-hoc-duong")
        requested = server.paths_requested()
    assert first.returncode == 0, first.output
    entries = [d for d in docs if d["parent_url"] is None]
    comments = [d for d in docs if d["parent_url"]]
    base = server.base_url
    assert {d["url"].removeprefix(base) for d in entries} == {*RECENT, OLD_ARTICLE}
    assert len(comments) == sum(RECENT.values()) + 2
    assert {d["kind"] for d in docs} == {"rss"}
    article = base + ARTICLE
    assert sum(d["parent_url"] == article and d["thread_url"] == article for d in comments) == 6
    assert any(d["text"].startswith("Soi kèo bán kết") for d in comments)
    assert not any(re.search(r"javascript:|<script|onerror", d["text"]) for d in docs)
    assert requested.count(ARTICLE) == 2  # one fetch per crawl
    assert second.returncode == 0, second.output
    assert f"0 new, 0 edited since the last crawl, {len(docs)} unchanged" in second.output
