"""A site that misbehaves in every way the crawler must survive: malformed markup, wrong and missing
charsets, invalid UTF-8, a huge page, a compression bomb, a redirect loop, a
redirect to a malformed address, a slow server, a 5xx
storm, an empty feed and a feed that is an HTML page. Each page that can be read holds one post."""

from __future__ import annotations

import gzip
import time

from tests.crawlers.fixture_server import FixtureServer, Reply, Request

POST = '<article class="post" id="p1"><div class="post-body">{text}</div></article>'
TEXT = "Cả lớp đi dã ngoại ở Đà Lạt, vui lắm mọi người ơi"
LINKS = ["/malformed.html", "/latin1-declared.html", "/no-charset.html", "/invalid-utf8.html", "/huge.html",
         "/bomb.html", "/loop-a.html", "/bad-redirect.html", "/slow.html", "/storm.html", "/empty-post.html",
         "/good.html"]
HUGE_BYTES = 3 * 1024 * 1024  # the tests set the page size limit to 1 MB


def page(text: str = TEXT, head: str = '<meta charset="utf-8">') -> str:
    return f"<!doctype html><html><head>{head}<title>t</title></head><body>{POST.format(text=text)}</body></html>"


def _slow(request: Request) -> Reply:
    time.sleep(4)  # longer than the tests' download time-out
    return Reply(page())


def routes() -> dict:
    index = "".join(f'<a class="thread-link" href="{link}">{link}</a>' for link in LINKS)
    return {
        "/robots.txt": Reply("User-agent: *\nAllow: /\n", content_type="text/plain"),
        "/index.html": Reply(f"<html><body><ul class='threads'>{index}</ul></body></html>"),
        # Unclosed tags, stray closers, an unterminated comment-like run and attribute soup.
        "/malformed.html": Reply("<html><body><div><article class='post' id='p1'><div class='post-body'>"
                                 "Bài viết <b>đậm <i>nghiêng</p></span>&nbsp; vẫn đọc được <td><tr "
                                 "<<<>>> </div> <!-- không đóng", content_type="text/html"),
        # The header says Latin-1 but the bytes are UTF-8 (common on old PHP forums).
        "/latin1-declared.html": Reply(page().encode("utf-8"), content_type="text/html; charset=iso-8859-1"),
        "/no-charset.html": Reply(page(head="").encode("utf-8"), content_type="text/html"),
        "/invalid-utf8.html": Reply(page().encode("utf-8").replace("Đà".encode(), b"\xff\xfe\xc3"),
                                    content_type="text/html; charset=utf-8"),
        "/huge.html": Reply(page("x " * (HUGE_BYTES // 2))),
        "/bomb.html": Reply(gzip.compress(b"<html>" + b" " * (50 * 1024 * 1024)), headers={"Content-Encoding": "gzip"}),
        "/loop-a.html": Reply("", status=302, headers={"Location": "/loop-b.html"}),
        "/loop-b.html": Reply("", status=302, headers={"Location": "/loop-a.html"}),
        # A Location no URL parser accepts (an unclosed IPv6 bracket).
        "/bad-redirect.html": Reply("", status=302, headers={"Location": "http://[::1/x.html"}),
        "/slow.html": _slow,
        "/storm.html": Reply("<h1>502 Bad Gateway</h1>", status=502),
        "/empty-post.html": Reply(page(text="   ")),
        "/good.html": Reply(page("Bài bình thường cuối cùng vẫn được thu thập")),
        "/feed-empty.xml": Reply('<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
                                 content_type="application/rss+xml"),
        "/feed-html.xml": Reply("<!doctype html><html><body><h1>Trang chủ</h1></body></html>"),
    }


def server() -> FixtureServer:
    return FixtureServer(routes())
