"""Extraction tested against the saved demo pages, as pure functions of a response."""

from pathlib import Path

from scrapy.http import HtmlResponse, XmlResponse

from crawlers.demo_server import DEMO_SITE, _generator
from crawlers.pages.feed import feed_posts
from crawlers.pages.forum import listing_links, thread_posts
from crawlers.pages.text import clean_text

BASE = "http://127.0.0.1:8765"


def _page(relative: str) -> HtmlResponse:
    return HtmlResponse(f"{BASE}/{relative}", body=(DEMO_SITE / relative).read_bytes(), encoding="utf-8")


def _first_thread() -> str:
    return sorted(p.name for p in (DEMO_SITE / "threads").glob("*.html"))[0]


def test_thread_page_gives_typed_records():
    response = _page(f"threads/{_first_thread()}")
    records = thread_posts(response, source="demo")
    assert len(records) == len(response.css("article.post"))
    first = records[0]
    assert first.url.startswith(f"{BASE}/threads/") and "#post-" in first.url
    assert first.author and first.text and first.title
    assert first.published_at.utcoffset().total_seconds() == 7 * 3600
    assert first.thread_url == response.url


def test_listing_links_follow_forums_threads_and_pages():
    index_links = listing_links(_page("index.html"))
    assert any("/forums/" in link for link in index_links)
    forum_page = next(p for p in sorted((DEMO_SITE / "forums").rglob("index.html")))
    links = listing_links(_page(str(forum_page.relative_to(DEMO_SITE))))
    assert any("/threads/" in link for link in links)
    assert all("#" not in link for link in links)


def test_hostile_markup_is_kept_as_text_only():
    fragment = '<p>xin chào<br>bạn</p><script>steal()</script><img src=x onerror=alert(1)>&lt;b&gt;'
    assert clean_text(fragment) == "xin chào\nbạn\n<b>"


def test_control_and_marker_characters_are_removed():
    assert clean_text("a\x00b\ue000c\ue001d\x1be") == "abcde"


def test_feed_items_match_the_pages():
    feed = _generator().render_feed(BASE).encode()
    records = feed_posts(XmlResponse(f"{BASE}/feed.xml", body=feed), source="demo")
    assert len(records) == 40
    assert all(r.url.startswith(f"{BASE}/threads/") and r.published_at for r in records)
    page_texts = {}
    for path in (DEMO_SITE / "threads").glob("*.html"):
        for record in thread_posts(_page(f"threads/{path.name}"), source="demo"):
            page_texts[record.url] = record
    for record in records:
        assert record.text == page_texts[record.url].text
        assert record.author == page_texts[record.url].author


def test_malformed_page_yields_nothing_rather_than_failing():
    response = HtmlResponse(f"{BASE}/threads/broken.html", body=b"<html><article class='post'><div",
                            encoding="utf-8")
    assert thread_posts(response, source="demo") == []
    assert listing_links(response) == []


def test_demo_site_is_self_contained():
    for page in Path(DEMO_SITE).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower() and "http://" not in html and "https://" not in html, page


def test_records_carry_a_language():
    records = [r for path in sorted((DEMO_SITE / "threads").glob("*.html"))
               for r in thread_posts(_page(f"threads/{path.name}"), source="demo")]
    languages = {r.language for r in records}
    assert "vi" in languages and "en" in languages
    assert sum(r.language == "vi" for r in records) > len(records) / 2


def test_posts_without_a_usable_address_stay_apart():
    html = """<h1 class="thread-title">T</h1>
    <article class="post"><div class="post-body">một</div>
      <a class="post-permalink" href="javascript:alert(1)">#</a></article>
    <article class="post"><div class="post-body">hai</div></article>
    <article class="post" id="p9"><div class="post-body">ba</div></article>"""
    response = HtmlResponse(f"{BASE}/threads/x.html", body=html.encode(), encoding="utf-8")
    urls = [record.url for record in thread_posts(response, source="demo")]
    assert len(set(urls)) == 3 and all(url.startswith(f"{BASE}/threads/x.html#") for url in urls)
    assert urls[2].endswith("#p9")


def test_profile_link_media_and_quotes_are_kept_apart():
    html = """<h1 class="thread-title">T</h1><article class="post" id="p1">
      <span class="post-author"><a href="/members/kiet9x.html">Kiệt</a></span>
      <div class="post-body"><blockquote>ai bán pod không</blockquote>Không nha bạn
      <img src="/img/a.jpg"><img src="javascript:alert(1)"><video src="https://cdn.example/v.mp4"></video></div>
    </article>"""
    [record] = thread_posts(HtmlResponse(f"{BASE}/threads/x.html", body=html.encode(), encoding="utf-8"), source="d")
    assert record.author == "kiet9x" and record.author_url == f"{BASE}/members/kiet9x.html"
    assert record.media_urls == [f"{BASE}/img/a.jpg", "https://cdn.example/v.mp4"]
    assert record.quotes == ["ai bán pod không"] and record.text == "Không nha bạn"


def test_rules_may_be_xpath_expressions():
    from crawlers.pages.forum import ForumRules
    html = """<div class="cmt" data-id="7"><b>nam_2k</b><p>bình luận một</p></div>
              <div class="cmt" data-id="8"><b>lan</b><p>bình luận hai</p></div>"""
    rules = ForumRules(post="xpath://div[@class='cmt']", body="xpath:./p", author="xpath:./b",
                       author_link="xpath:./nothing/@href", permalink="xpath:./nothing/@href")
    records = thread_posts(HtmlResponse(f"{BASE}/a.html", body=html.encode(), encoding="utf-8"), source="d",
                           rules=rules)
    assert [(r.author, r.text) for r in records] == [("nam_2k", "bình luận một"), ("lan", "bình luận hai")]
