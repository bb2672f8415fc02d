"""XenForo forums: extraction tested on the saved XenForo 2 pages in sites/xenforo/, as pure functions
of a response, and one crawl of that site served over HTTP."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawlers.pages.xenforo import (
    is_thread_page,
    listing_links,
    still_there,
    thread_page_links,
    thread_posts,
    validate_options,
)
from crawlers.registry import SourceError, load_sources
from tests.crawlers.fixture_server import FixtureServer, Reply

SITE = Path(__file__).parent / "sites" / "xenforo"
BASE = "http://127.0.0.1:8765"
TEEN_THREAD = "threads/bi-ban-cung-lop-xa-lanh-phai-lam-sao-a.101/"
DOCS_THREAD = "threads/goc-tai-lieu-on-thi-vao-10-share-free.102/"
SHOP_THREAD = "threads/pass-lai-sgk-lop-10-va-may-tinh-casio-fx-580.201/"
VAPE_THREAD = "threads/pod-vape-gia-re-ship-tan-truong-ae-hoc-sinh-ib.203/"
ALL_POSTS = 26


def _page(path: str, *, status: int = 200) -> HtmlResponse:
    """The saved page served at `path` ("threads/x.1/" or "threads/x.1/page-2"), as XenForo's URLs have it."""
    return HtmlResponse(f"{BASE}/{path}", body=(SITE / path / "index.html").read_bytes(), encoding="utf-8",
                        status=status)


def _thread_pages() -> list[str]:
    folders = [index.parent for index in sorted(SITE.glob("threads/**/index.html"))]
    return [f.relative_to(SITE).as_posix() + ("" if f.name.startswith("page-") else "/") for f in folders]


def _posts(path: str, **kwargs) -> dict[str, object]:
    return {record.url.removeprefix(BASE): record for record in thread_posts(_page(path), source="xf", **kwargs)}


def test_thread_page_gives_one_record_per_post():
    posts = _posts(TEEN_THREAD)
    assert list(posts) == [f"/posts/{n}/" for n in range(1001, 1009)]
    first = posts["/posts/1001/"]
    assert first.kind == "xenforo" and first.source == "xf" and first.language == "vi"
    assert first.title == "Bị bạn cùng lớp xa lánh, phải làm sao ạ?"  # without the "Hỏi đáp" prefix label
    assert first.author == "meo-con-2k9.1201" and first.author_url == f"{BASE}/members/meo-con-2k9.1201/"
    assert first.published_at == datetime(2024, 10, 14, 13, 14, tzinfo=UTC)
    assert first.published_at.utcoffset().total_seconds() == 7 * 3600
    assert first.thread_url == f"{BASE}/{TEEN_THREAD}"
    assert first.text.startswith("Em năm nay lớp 8") and "\n" in first.text
    edited = posts["/posts/1007/"]  # the "Sửa lần cuối" time is not the time it was posted
    assert edited.published_at == datetime(2024, 10, 15, 12, 30, tzinfo=first.published_at.tzinfo)


def test_every_post_of_the_site_has_a_unique_permalink_author_and_time():
    records = [r for path in _thread_pages() for r in thread_posts(_page(path), source="xf")]
    assert len(records) == ALL_POSTS
    assert len({r.url for r in records}) == ALL_POSTS
    assert all(re.fullmatch(rf"{BASE}/posts/\d+/", r.url) for r in records)
    assert all(r.author and r.published_at and r.published_at.tzinfo for r in records)
    assert all(r.title and r.thread_url.startswith(f"{BASE}/threads/") for r in records)


def test_second_page_belongs_to_the_thread_first_page():
    posts = _posts(TEEN_THREAD + "page-2")
    assert list(posts) == [f"/posts/{n}/" for n in range(1009, 1013)]
    assert {r.thread_url for r in posts.values()} == {f"{BASE}/{TEEN_THREAD}"}


def test_quotes_are_kept_apart_with_the_quoted_author_and_give_the_parent():
    reply = _posts(TEEN_THREAD)["/posts/1004/"]
    assert reply.text == "Dạ em cảm ơn cô, mai em sẽ thử nói với mẹ ạ"
    assert reply.quotes == ["Cô giáo Thảo: Em nên nói chuyện với mẹ và cô chủ nhiệm nhé. "
                            "Bị xa lánh không phải lỗi của em."]
    assert reply.parent_url == f"{BASE}/posts/1002/"
    moderator = _posts(TEEN_THREAD)["/posts/1006/"]
    assert moderator.quotes == ["anh trai mưa hạ: e add zalo a nói chuyện riêng cho thoải mái nha"]
    assert "zalo" not in moderator.text and "đã nói" not in moderator.text and "Bấm để xem thêm" not in moderator.text
    assert "@Mèo Con 2k9" in moderator.text  # a mention is text, not the author
    assert moderator.author == "ban-quan-tri.1"
    assert _posts(TEEN_THREAD)["/posts/1001/"].parent_url is None


def test_signature_is_kept_apart():
    teacher = _posts(TEEN_THREAD)["/posts/1002/"]
    assert teacher.signature == "Giáo viên THCS - Hải Phòng | Tư vấn tâm lý học đường miễn phí: fb.com/tamlyhocduong.hp"
    assert "THCS" not in teacher.text
    assert _posts(TEEN_THREAD)["/posts/1001/"].signature is None


def test_media_and_reactions():
    photo = _posts(TEEN_THREAD + "page-2")["/posts/1011/"]
    assert photo.media_urls == ["https://i.imgur.com/m30cute.jpg"]  # the original behind the image proxy
    assert photo.engagement == {"likes": 3}  # "A, B và 1 người khác"
    assert _posts(VAPE_THREAD)["/posts/950/"].media_urls == [f"{BASE}/data/attachments/9/9876-pod-vape.jpg"]
    assert _posts(SHOP_THREAD)["/posts/995/"].media_urls == [f"{BASE}/attachments/sgk-lop-10-jpg.4521/"]
    posts = _posts(TEEN_THREAD)
    assert posts["/posts/1001/"].media_urls == []  # smilies are not media
    assert posts["/posts/1002/"].engagement == {"likes": 7}
    assert posts["/posts/1003/"].engagement == {"likes": 1}
    assert posts["/posts/1006/"].engagement == {"likes": 14}
    assert posts["/posts/1001/"].engagement == {}


def test_hostile_post_comes_out_as_clean_text():
    hostile = _posts(DOCS_THREAD)["/posts/991/"]
    assert hostile.text == "Bản đầy đủ có đáp án ở đây nè, bấm vào đây để tải\nCảm ơn mình 1 like nha <3"
    for trace in ("script", "alert", "javascript", "onerror", "evil.example", "display", "iframe", "cookie"):
        assert trace not in hostile.text.lower()
    assert hostile.media_urls == [] and hostile.quotes == []


def test_guest_post_is_attributed_to_the_shown_name():
    guest = _posts(SHOP_THREAD)["/posts/996/"]
    assert guest.author == "Khách vãng lai" and guest.author_url is None
    assert _posts(SHOP_THREAD)["/posts/997/"].parent_url == f"{BASE}/posts/996/"


def test_posts_older_than_since_are_left_out():
    since = datetime(2024, 10, 15, tzinfo=UTC)
    assert list(_posts(TEEN_THREAD, since=since)) == ["/posts/1006/", "/posts/1007/", "/posts/1008/"]


def test_time_falls_back_to_the_shown_vietnamese_text():
    body = """<html data-template="thread_view"><body><h1 class="p-title-value">Chủ đề</h1>
      <article class="message" data-content="post-7" data-author="Lan">
        <ul class="message-attribution-main">
          <li><time class="u-dt" title="12/03/2024 lúc 14:05">12/03/2024</time></li></ul>
        <article class="message-body"><div class="bbWrapper">xin chào cả nhà</div></article></article>
      <article class="message" data-content="post-8" data-author="Huy">
        <ul class="message-attribution-main"><li><time class="u-dt" data-time="1710227100">?</time></li></ul>
        <article class="message-body"><div class="bbWrapper">chào bạn</div></article></article></body></html>"""
    records = thread_posts(HtmlResponse(f"{BASE}/threads/chu-de.9/", body=body.encode(), encoding="utf-8"), source="xf")
    assert [r.published_at.isoformat() for r in records] == ["2024-03-12T14:05:00+07:00", "2024-03-12T14:05:00+07:00"]
    assert [r.author for r in records] == ["Lan", "Huy"]  # no profile link: the shown name


def test_forum_with_renamed_routes_keeps_its_own_permalinks():
    """Route filters (/t/, /p/, /u/ instead of /threads/, /posts/, /members/), as some big forums use."""
    body = """<html data-template="thread_view"><body><h1 class="p-title-value">Hỏi chút</h1>
      <article class="message" data-content="post-77" id="js-post-77" itemid="https://f.example/p/77/">
        <h4 class="message-name"><a href="/u/be-na.42/" class="username">Bé Na</a></h4>
        <ul class="message-attribution-main"><time class="u-dt" datetime="2024-10-01T08:00:00+0700">1/10</time></ul>
        <article class="message-body"><div class="bbWrapper">
          <blockquote class="bbCodeBlock bbCodeBlock--quote" data-quote="Huy" data-source="post: 76">
            <div class="bbCodeBlock-content"><div class="bbCodeBlock-expandContent">hỏi gì</div></div></blockquote>
          trả lời nè</div></article></article>
      <article class="message" data-content="post-78" itemid="https://evil.example/p/78/">
        <article class="message-body"><div class="bbWrapper">ok</div></article></article></body></html>"""
    response = HtmlResponse("https://f.example/t/hoi-chut.5/page-3", body=body.encode(), encoding="utf-8")
    first, second = thread_posts(response, source="xf")
    assert (first.url, first.parent_url) == ("https://f.example/p/77/", "https://f.example/p/76/")
    assert second.url == "https://f.example/p/78/"  # another host's itemid is not believed
    assert (first.author, first.author_url) == ("be-na.42", "https://f.example/u/be-na.42/")
    assert first.thread_url == "https://f.example/t/hoi-chut.5/" and first.text == "trả lời nè"
    assert still_there(response, {"url": "https://f.example/p/77/"}) is True


@pytest.mark.parametrize("body", [
    b"",
    b"<html><article class='message' data-content='post-1'><div",
    b"<html><article class='message'><div class='message-body'><div class='bbWrapper'>no id</div></div></article>",
    b"<html><article class='message' data-content='post-x'><div class='message-body'><div class='bbWrapper'>x",
    b"<html><article class='message' data-content='post-2'><div class='message-body'><div class='bbWrapper'> </div>",
    b"<html><body><h1>Just a moment...</h1></body></html>",
])
def test_bad_pages_give_nothing_and_no_exception(body):
    response = HtmlResponse(f"{BASE}/threads/x.1/", body=body, encoding="utf-8")
    assert thread_posts(response, source="xf") == []
    assert listing_links(response) == ([], 0) and thread_page_links(response) == ([], 0)
    assert still_there(response, {"url": f"{BASE}/posts/99/"}) is None  # not a whole thread page: cannot tell


def test_forum_index_links_to_forums_only():
    index = _page("")
    assert not is_thread_page(index)
    assert listing_links(index) == ([f"{BASE}/forums/tam-su-tuoi-teen.2/", f"{BASE}/forums/mua-ban-rao-vat.5/"], 0)


def test_forum_page_links_to_threads_and_the_next_page():
    links, skipped = listing_links(_page("forums/tam-su-tuoi-teen.2/"))
    assert links == [f"{BASE}/{TEEN_THREAD}", f"{BASE}/{DOCS_THREAD}", f"{BASE}/forums/tam-su-tuoi-teen.2/page-2"]
    assert skipped == 0
    assert listing_links(_page("forums/tam-su-tuoi-teen.2/"), max_pages=1).urls == links[:2]
    assert listing_links(_page("forums/tam-su-tuoi-teen.2/page-2")).urls == [
        f"{BASE}/threads/co-ai-thi-hsg-su-cap-tinh-nam-nay-ko.103/"]


def test_listing_skips_hostile_and_offsite_thread_links():
    # the saved page's "javascript:alert(1)//" thread is counted; the offsite one is not a bad link
    assert listing_links(_page("forums/mua-ban-rao-vat.5/page-2")) == ([f"{BASE}/{VAPE_THREAD}"], 1)


def test_listing_skips_threads_quiet_since_and_stops_paging():
    forum = _page("forums/tam-su-tuoi-teen.2/")
    assert listing_links(forum, since=datetime(2024, 10, 13, tzinfo=UTC)).urls == [
        f"{BASE}/{TEEN_THREAD}", f"{BASE}/forums/tam-su-tuoi-teen.2/page-2"]
    assert listing_links(forum, since=datetime(2024, 11, 1, tzinfo=UTC)) == ([], 0)


def test_thread_pages_are_planned_from_the_first_page():
    first = _page(TEEN_THREAD)
    assert is_thread_page(first)
    assert thread_page_links(first) == ([f"{BASE}/{TEEN_THREAD}page-2"], 0)
    assert thread_page_links(first, max_pages=1).urls == []
    assert thread_page_links(_page(TEEN_THREAD + "page-2")) == ([], 0)
    assert thread_page_links(_page(DOCS_THREAD)) == ([], 0)


def test_long_thread_reads_page_one_and_the_newest_pages():
    nav = "".join(f'<li class="pageNav-page"><a href="/threads/t.5/page-{n}">{n}</a></li>' for n in (2, 3, 300))
    body = f'<html data-template="thread_view"><ul class="pageNav-main">{nav}</ul></html>'.encode()
    response = HtmlResponse(f"{BASE}/threads/t.5/", body=body, encoding="utf-8")
    assert thread_page_links(response, max_pages=3) == (
        [f"{BASE}/threads/t.5/page-299", f"{BASE}/threads/t.5/page-300"], 0)


# Links that are not web addresses, as a hostile or broken forum has them; each one is skipped and counted.
BAD_HREFS = ["javascript:void(0)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
             "mailto:bqt@tuoihong.vn", "http://[::1", "http://exa mple.com"]
FORUM = "forums/tam-su-tuoi-teen.2/"


def _bad(template: str) -> str:
    return "".join(template.format(href=href) for href in BAD_HREFS)


# Where each saved page's followed links live: (marker, bad links put just before its first occurrence,
# ahead of the real links, so that a bad link that stopped the reading would lose them).
BAD_LINKS_ADDED = {
    "": [('<h3 class="node-title">', _bad('<h3 class="node-title"><a href="{href}">x</a></h3>'))],
    FORUM: [('<div class="structItem structItem--thread',
             _bad('<div class="structItem structItem--thread"><div class="structItem-title"><a href="{href}">x</a>'
                  '</div></div>')),
            ('<a href="/forums/tam-su-tuoi-teen.2/page-2" class="pageNav-jump pageNav-jump--next"',
             '<a href="javascript:void(0)" class="pageNav-jump pageNav-jump--next">Tiếp</a>')],
    TEEN_THREAD: [('<li class="pageNav-page pageNav-page--current ">',
                   _bad('<li class="pageNav-page"><a href="{href}">x</a></li>'))],
}
BAD_LINKS_COUNT = {"": 5, FORUM: 6, TEEN_THREAD: 5}


def _with_bad_links(path: str) -> str:
    html = (SITE / path / "index.html").read_text(encoding="utf-8")
    for marker, added in BAD_LINKS_ADDED[path]:
        assert marker in html, marker
        html = html.replace(marker, added + marker, 1)
    return html


@pytest.mark.parametrize("path", list(BAD_LINKS_ADDED))
def test_bad_links_are_counted_and_every_real_link_still_followed(path):
    links_of = thread_page_links if path == TEEN_THREAD else listing_links
    expected = links_of(_page(path))
    assert expected.urls and expected.skipped == 0
    lured = HtmlResponse(f"{BASE}/{path}", body=_with_bad_links(path).encode(), encoding="utf-8")
    assert links_of(lured) == (expected.urls, BAD_LINKS_COUNT[path])


def test_a_malformed_author_link_image_or_itemid_loses_nothing_else_of_the_page():
    html = (SITE / TEEN_THREAD / "index.html").read_text(encoding="utf-8")
    profile = '<a href="/members/meo-con-2k9.1201/" class="username '
    for found, malformed in [('itemid="/posts/1001/"', 'itemid="http://[::1"'),
                             (profile, '<a href="http://[::1" class="username '),
                             ('<div class="bbWrapper">', '<div class="bbWrapper"><img class="bbImage" src="http://[::1">')]:
        assert found in html
        html = html.replace(found, malformed, 1)
    posts = {r.url.removeprefix(BASE): r for r in
             thread_posts(HtmlResponse(f"{BASE}/{TEEN_THREAD}", body=html.encode(), encoding="utf-8"), source="xf")}
    assert list(posts) == [f"/posts/{n}/" for n in range(1001, 1009)]  # the routes of the other posts' itemids
    first = posts["/posts/1001/"]
    # the author from the post's other profile link, no media
    assert (first.author, first.author_url, first.media_urls) == (
        "meo-con-2k9.1201", f"{BASE}/members/meo-con-2k9.1201/", [])


@pytest.mark.parametrize(("options", "expected"), [
    ({}, {"max_pages": 50}),
    ({"max_pages": 3}, {"max_pages": 3}),
    ({"max_pages": 3, "since_days": 7}, {"max_pages": 3, "since_days": 7}),
    ({"since_days": None}, {"max_pages": 50}),
])
def test_options_are_cleaned(options, expected):
    assert validate_options(options) == expected


@pytest.mark.parametrize(("options", "message"), [
    ({"colour": "red", "max_page": 2}, "unknown option(s) colour, max_page."),
    ({"max_pages": 0}, "option 'max_pages': a whole number, 1 or more (got 0)."),
    ({"max_pages": "5"}, "option 'max_pages'"),
    ({"max_pages": True}, "option 'max_pages'"),
    ({"since_days": 1.5}, "option 'since_days': a whole number, 1 or more (got 1.5)."),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_options(options)


def test_registry_entry_of_kind_xenforo(tmp_path):
    entry = """sources:
  - id: xf
    name: Diễn đàn Tuổi Hồng
    platform: forum
    kind: xenforo
    start_urls: ["https://forum.example/"]
    options: OPTIONS
"""
    path = tmp_path / "sources.yml"
    path.write_text(entry.replace("OPTIONS", "{since_days: 30}"), encoding="utf-8")
    assert load_sources(path)[0].options == {"max_pages": 50, "since_days": 30}
    path.write_text(entry.replace("OPTIONS", "{max_pages: -1}"), encoding="utf-8")
    with pytest.raises(SourceError, match=re.escape("source 'xf', field 'options': option 'max_pages'")):
        load_sources(path)


@pytest.mark.parametrize(("path", "post", "status", "expected"), [
    (TEEN_THREAD, 1003, 200, True),
    (TEEN_THREAD, 1000, 200, False),  # the thread loads without it (its place is on this page)
    (TEEN_THREAD + "page-2", 1009, 200, True),
    (DOCS_THREAD, 989, 200, False),
    ("threads/da-bi-xoa.150/", 1500, 404, False),  # "The requested thread could not be found."
    ("threads/da-bi-xoa.150/", 1500, 200, False),
    ("threads/nhom-kin-cua-bqt.160/", 1600, 403, False),  # login required
    (TEEN_THREAD, 1010, 200, None),  # may be on the next page
    (TEEN_THREAD + "page-2", 1004, 200, None),  # may be on an earlier page
    (TEEN_THREAD, 1003, 503, True),  # there, whatever the status says
])
def test_still_there_finds_the_post_on_its_thread_page_or_says_gone_or_unknown(path, post, status, expected):
    doc = {"url": f"{BASE}/posts/{post}/", "text": "…", "content_hash": "0" * 64}
    assert still_there(_page(path, status=status), doc) is expected


def test_still_there_cannot_tell_without_a_thread_page():
    doc = {"url": f"{BASE}/posts/1003/", "text": "…", "content_hash": "0" * 64}
    busy = HtmlResponse(f"{BASE}/{TEEN_THREAD}", status=503, body=b"<h1>503 Service Unavailable</h1>")
    error = HtmlResponse(f"{BASE}/{TEEN_THREAD}", encoding="utf-8", body=(
        '<html data-template="error"><div class="blockMessage">Đã xảy ra lỗi. Vui lòng thử lại sau.</div>').encode())
    assert still_there(busy, doc) is None and still_there(error, doc) is None
    assert still_there(TextResponse(f"{BASE}/x", body=b"{}"), doc) is None
    assert still_there(XmlResponse(f"{BASE}/x", body=b"<rss/>"), doc) is None
    assert still_there(_page(TEEN_THREAD), {"url": f"{BASE}/threads/x.1/"}) is None  # no post id in the URL
    assert still_there(_page(TEEN_THREAD), {"url": f"{BASE}/threads/repost-1003-tin.7/"}) is None  # a slug, not an id
    vietnamese = HtmlResponse(f"{BASE}/threads/x.9/", status=404, encoding="utf-8", body=(
        '<html data-template="error"><div class="blockMessage">Không tìm thấy chủ đề được yêu cầu.</div>').encode())
    assert still_there(vietnamese, doc) is False


def test_fixture_site_is_trimmed_of_scripts_but_the_hostile_post():
    with_scripts = [p.relative_to(SITE) for p in SITE.rglob("*.html") if "<script" in p.read_text(encoding="utf-8")]
    assert with_scripts == [Path(DOCS_THREAD) / "index.html"]


XF_REGISTRY = """sources:
  - id: xf
    name: Diễn đàn Tuổi Hồng (fixture)
    platform: forum
    kind: xenforo
    start_urls: ["{base}/"]
    rate_limit: {{concurrency: 4, delay: 0}}
"""

@pytest.mark.e2e
def test_crawl_xenforo_forum_end_to_end(run_crawl, repo):
    with FixtureServer(site=SITE) as server:
        registry = XF_REGISTRY.format(base=server.base_url)
        first = run_crawl(registry, "xf")
        assert first.returncode == 0, first.output
        hits = repo.client.search(index=repo.posts, size=100)["hits"]["hits"]
        stored = {hit["_source"]["url"].removeprefix(server.base_url): hit["_source"] for hit in hits}
        assert len(stored) == ALL_POSTS
        assert all(doc["kind"] == "xenforo" and doc["source"] == "xf" for doc in stored.values())
        assert stored["/posts/1004/"]["parent_url"] == f"{server.base_url}/posts/1002/"
        assert stored["/posts/1002/"]["engagement"] == {"likes": 7}
        assert "script" not in stored["/posts/991/"]["text"]
        requested = server.paths_requested()
        assert "/robots.txt" in requested
        assert not [p for p in requested if p.startswith(("/members/", "/link-forums/", "/posts/"))]
        # Attachments are fetched only as a post's media, for the evidence store (crawlers/media_fetch.py).
        assert [p for p in requested if p.startswith("/data/")] == ["/data/attachments/9/9876-pod-vape.jpg"]
        assert stored["/posts/950/"]["media"] == [{"url": f"{server.base_url}/data/attachments/9/9876-pod-vape.jpg",
                                                   "skipped": "HTTP 404", "retry": False}]
        assert f"/{TEEN_THREAD}page-2" in requested and "/forums/mua-ban-rao-vat.5/page-2" in requested
        assert len(requested) == len(set(requested))  # nothing fetched twice
        assert f"{ALL_POSTS} posts collected" in first.stdout and f"{ALL_POSTS} new" in first.stdout
        assert "skipped_bad_link × 1" in first.stdout, first.output  # the saved page's "javascript:alert(1)//"

        second = run_crawl(registry, "xf")
        assert second.returncode == 0, second.output
        assert f"0 new, 0 edited since the last crawl, {ALL_POSTS} unchanged" in second.stdout, second.output
        assert repo.client.count(index=repo.posts)["count"] == ALL_POSTS



@pytest.mark.e2e
def test_crawl_counts_bad_links_in_the_summary_and_reads_every_real_one(run_crawl, repo):
    lured = {f"/{path}": Reply(_with_bad_links(path)) for path in BAD_LINKS_ADDED}
    with FixtureServer(site=SITE) as plain, FixtureServer(lured, site=SITE) as server:
        baseline = run_crawl(XF_REGISTRY.format(base=plain.base_url), "xf")
        assert baseline.returncode == 0, baseline.output
        result = run_crawl(XF_REGISTRY.format(base=server.base_url), "xf")
        assert result.returncode == 0, result.output
        # the same pages as on the untouched site, and nothing else (no data:, mailto:, [::1, "exa mple")
        assert sorted(server.paths_requested()) == sorted(plain.paths_requested())
    # every post of the lured site collected too (posts are stored per URL, so per server)
    assert f"{ALL_POSTS} posts collected" in result.stdout and f"{ALL_POSTS} new" in result.stdout, result.output
    added = sum(BAD_LINKS_COUNT.values())
    assert f"skipped_bad_link × {added + 1}" in result.stdout, result.output  # + the saved hostile thread link
    assert "skipped_bad_link × 1" in baseline.stdout, baseline.output
