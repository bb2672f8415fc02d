"""XenForo 2 forums (index -> forums -> threads -> posts), read from XenForo's own markup.

A post's `url` is its stable permalink `…/posts/N/` (the route as the forum names it, taken from the
posts' own `itemid`), never the thread page: XenForo redirects it to the post wherever it is, so it
survives title edits, thread moves and new pages, and a quote's `data-source="post: N"` gives the same
URL for the quoted post.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import unquote, urlsplit

from scrapy.http import HtmlResponse

from crawlers.pages import xenforo1
from crawlers.pages.dates import VIETNAM, parse_datetime
from crawlers.pages.forum import ThreadPage
from crawlers.pages.language import detect_language
from crawlers.pages.links import Links, first_web_urls, web_links, web_url
from crawlers.pages.options import whole_number
from crawlers.pages.text import clean_text, html_without
from safewatch.records import PostRecord

DEFAULT_MAX_PAGES = 50
OPTIONS = ("max_pages", "since_days")

_PAGE_SUFFIX = re.compile(r"page-(\d+)(/?)$")
_THREAD_SUFFIX = re.compile(r"(?:page-\d+|post-\d+|unread|latest)/?$")
# Where the forum is installed: before its first threads/ or posts/ route, else before its last forums/
# route (a forum installed under /forums/ has thread pages at /forums/threads/…, forum pages at
# /forums/forums/…: the root is /forums/, never the site root, whose /posts/N/ would answer 404).
_FORUM_ROOT = re.compile(r"^(.*?[/?])(?:threads|posts)/")
_FORUM_LISTING_ROOT = re.compile(r"^(.*[/?])forums/")
_POST_IN_URL = re.compile(r"[/?][\w-]+/(\d+)/?(?:#.*)?$|[/#]post-(\d+)/?$")  # …/posts/12/, …/p/12/, …#post-12
_QUOTE_SOURCE = re.compile(r"^\s*post:\s*(\d+)\s*$")
_HANDLE = re.compile(r"[/?]([^/?#=&]*\d)/?$")  # members/name.123/ -> name.123
_NUMBER = re.compile(r"\d+")
_QUOTE = "blockquote.bbCodeBlock--quote"
_INSIDE_QUOTE = "ancestor::blockquote[contains(concat(' ', normalize-space(@class), ' '), ' bbCodeBlock--quote ')]"
_USER_LINK = ".message-name a.username, .message-userDetails a.username, .message-attribution-user a.username"
# XenForo's messages for a thread that is gone or hidden from guests (English and Vietnamese packs).
_GONE = re.compile(r"could not be found|không tìm thấy|must be logged.in|phải đăng nhập|do not have permission"
                   r"|không có quyền", re.IGNORECASE)


def validate_options(options: dict) -> dict:
    """max_pages (default 50): pages read per forum listing and per thread; since_days: skip older posts."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)}.")
    cleaned = {"max_pages": _whole_number(options, "max_pages", DEFAULT_MAX_PAGES)}
    if options.get("since_days") is not None:
        cleaned["since_days"] = _whole_number(options, "since_days", None)
    return cleaned


def _whole_number(options: dict, name: str, default: int | None) -> int:
    return whole_number(options.get(name, default), name)


def is_thread_page(response: HtmlResponse) -> bool:
    thread_markup = "html[data-template=thread_view], article.message[data-content]"
    if not isinstance(response, HtmlResponse):
        return False
    return bool(response.css(thread_markup)) or xenforo1.is_thread_page(response)


def listing_links(response: HtmlResponse, *, max_pages: int = DEFAULT_MAX_PAGES,
                  since: datetime | None = None, timezone: tzinfo | None = None) -> Links:
    """From a forum index or forum page (XenForo 2, or 1): its sub-forums, its threads (those active
    since `since`) and its next page (up to page `max_pages`, and only while the page still holds
    recent threads); with the count of those links that are not web addresses (javascript:, data:,
    mailto:, malformed). `timezone`: for XenForo 1 times printed without a zone."""
    if not isinstance(response, HtmlResponse):
        return Links([], 0)
    older = xenforo1.listing(response, timezone)
    forums = web_links(response, [href for href in response.css(".node-title a::attr(href)").getall()
                                  if "link-forums/" not in href] + older.forums)
    thread_hrefs, latest_times = [], []
    items = [(item.css(".structItem-title a:not(.labelLink)::attr(href)").getall()[-1:],
              _time_of(item.css(".structItem-cell--latest time.u-dt"))) for item in response.css(".structItem--thread")]
    for titles, latest in items + [([href], latest) for href, latest in older.threads]:
        latest_times.append(latest)
        if titles and not (since and latest and latest < since):
            thread_hrefs.append(titles[-1])
    threads = web_links(response, thread_hrefs)
    all_stale = bool(latest_times) and all(t is not None and since and t < since for t in latest_times)
    # every "next" link (XenForo 2 repeats it above and below the list): a bad one does not hide a good one
    next_hrefs = response.css("a.pageNav-jump--next::attr(href)").getall() + older.next_pages
    next_page = web_links(response, [] if all_stale else next_hrefs)
    urls = [*forums.urls, *(_first_page(url) for url in threads.urls),
            *(url for url in next_page.urls if _page_number(url) <= max_pages)]
    return Links(_same_site(response, urls), forums.skipped + threads.skipped + next_page.skipped)


def thread_page_links(response: HtmlResponse, *, max_pages: int = DEFAULT_MAX_PAGES) -> Links:
    """From a thread's first page, its other pages; with more than `max_pages`, page 1 and the newest
    `max_pages - 1` pages (new posts land on the last pages); with the count of page links that are
    not web addresses."""
    if not isinstance(response, HtmlResponse) or _page_number(response.url) != 1:
        return Links([], 0)
    nav = web_links(response, response.css(".pageNav-main a::attr(href), a.pageNav-jump--next::attr(href), "
                                           ".PageNav nav a::attr(href)").getall())  # XenForo 2, XenForo 1
    page_links = {_page_number(url): url for url in nav.urls}
    last = max(page_links, default=1)
    if last < 2:
        return Links([], nav.skipped)
    urls = [_with_page(page_links[last], number) for number in range(max(2, last - max_pages + 2), last + 1)]
    return Links(_same_site(response, urls), nav.skipped)


def thread_posts(response: HtmlResponse, *, source: str, platform: str = "forum",
                 since: datetime | None = None, timezone: tzinfo | None = None) -> list[PostRecord]:
    """The posts of a thread page with text (posts older than `since` left out)."""
    return thread_page(response, source=source, platform=platform, since=since, timezone=timezone).records


def thread_page(response: HtmlResponse, *, source: str, platform: str = "forum",
                since: datetime | None = None, timezone: tzinfo | None = None) -> ThreadPage:
    """The posts of a XenForo 2 or 1 thread page with text (posts older than `since` left out), and
    the post blocks that gave no record, by reason. `timezone`: the zone of times printed without one."""
    if not isinstance(response, HtmlResponse):
        return ThreadPage([], {})
    if xenforo1.is_thread_page(response):
        records, unaccounted = xenforo1.thread_records(
            response, source=source, platform=platform, posts_route=f"{_forum_root(response)}posts/",
            thread_url=_first_page(response.url), since=since, timezone=timezone)
        return ThreadPage(records, dict(unaccounted))
    heading = response.css("h1.p-title-value")
    title = " ".join(clean_text(html_without(heading[0], ".label, .label-append")).split()) if heading else ""
    thread = _Thread(response, title or None, _posts_route(response), _first_page(response.url), timezone)
    records, unaccounted = [], Counter()
    for node in response.css("article.message"):
        record = _post(node, thread, source=source, platform=platform)
        if record is None:
            body = node.css(".message-body .bbWrapper")
            post_id = node.attrib.get("data-content", "").removeprefix("post-")
            if body and post_id.isdigit():  # a post without text of its own
                unaccounted["empty_after_quotes" if clean_text(body[0].get()) else "no_text"] += 1
        elif not (since and record.published_at and record.published_at < since):
            records.append(record)
    return ThreadPage(records, dict(unaccounted))


def still_there(response: HtmlResponse, doc: dict) -> bool | None:
    """Whether a stored post (its `url`) is on this page: True, False when the thread page loads
    without it or XenForo says the thread is gone or needs a login, None when it cannot tell."""
    found = _POST_IN_URL.search(doc.get("url") or "")
    if not found or not isinstance(response, HtmlResponse):
        return None
    post_id = int(found.group(1) or found.group(2))
    if response.css(f'article.message[data-content="post-{post_id}"], article#js-post-{post_id}') \
            or xenforo1.has_post(response, post_id):
        return True
    version_one = xenforo1.page_template(response) is not None
    template = xenforo1.page_template(response) if version_one else response.css("html::attr(data-template)").get()
    if template == "login":
        return False
    if template == "error" or response.status in (403, 404, 410):
        notice = clean_text(" ".join(response.css(".blockMessage, .p-body-pageContent, .errorOverlay, .errorPanel, "
                                                  "#content .pageContent").getall()))
        return False if _GONE.search(notice) else None
    if version_one:
        ids, has_next = xenforo1.post_ids(response), xenforo1.has_next_page(response)
        whole_thread_page = template == "thread_view" and response.css("footer")
    else:
        ids = [int(i) for i in response.css("article.message::attr(data-content)").re(r"^post-(\d+)$")]
        has_next = bool(response.css("a.pageNav-jump--next"))
        whole_thread_page = response.css("html[data-template=thread_view]") and response.css(".p-footer")
    if not ids or not whole_thread_page or response.status != 200:
        return None
    could_be_later = post_id > max(ids) and has_next
    could_be_earlier = post_id < min(ids) and _page_number(response.url) > 1
    return None if could_be_later or could_be_earlier else False


@dataclass(frozen=True)
class _Thread:
    """What every post of one thread page shares: the page, its title, the posts' route and first page."""

    response: HtmlResponse
    title: str | None
    posts_route: str  # "https://forum.example/posts/"
    url: str
    timezone: tzinfo | None = None  # of times printed without a zone

    def permalink(self, post_id: int | str) -> str:
        return f"{self.posts_route}{post_id}/"


def _post(node, thread: _Thread, *, source: str, platform: str) -> PostRecord | None:
    post_id = (node.attrib.get("data-content", "").removeprefix("post-")
               or node.attrib.get("id", "").removeprefix("js-post-"))
    body = node.css(".message-body .bbWrapper")
    if not post_id.isdigit() or not body:
        return None
    text = clean_text(html_without(body[0], _QUOTE))
    if not text:
        return None
    quotes = [quote for quote in body[0].css(_QUOTE) if not quote.xpath(_INSIDE_QUOTE)]
    sources = (_QUOTE_SOURCE.match(quote.attrib.get("data-source", "")) for quote in quotes)
    quoted_ids = [found.group(1) for found in sources if found]
    author, author_url = _author(node, thread.response)
    likes = _reaction_count(node)
    return PostRecord(
        url=thread.permalink(post_id), source=source, platform=platform, kind="xenforo", text=text,
        author=author, author_name=_shown_name(node), title=thread.title,
        published_at=_time_of(node.css(".message-attribution-main time.u-dt, .message-attribution time.u-dt"),
                              thread.timezone),
        thread_url=thread.url, language=detect_language(text), author_url=author_url,
        parent_url=thread.permalink(quoted_ids[0]) if quoted_ids else None,
        media_urls=_media(node, thread.response),
        engagement={"likes": likes} if likes is not None else {},
        quotes=[q for q in (_quote_text(quote) for quote in quotes) if q],
        signature=clean_text(node.css(".message-signature").get() or "") or None,
    )


def _quote_text(quote) -> str:
    content = quote.css(".bbCodeBlock-expandContent") or quote.css(".bbCodeBlock-content") or [quote]
    text = clean_text(content[0].get())
    author = _plain(quote.attrib.get("data-quote", ""))
    return f"{author}: {text}" if author and text else text


def _author(node, response: HtmlResponse) -> tuple[str | None, str | None]:
    """The handle from the profile link (`/members/name.123/` -> "name.123": unique and stable, unlike
    the shown name) and the profile URL; the shown name for guests and deleted accounts."""
    for href in node.css(_USER_LINK).xpath("@href").getall():
        url = web_url(response, href)
        handle = _HANDLE.search(url) if url else None
        if handle:
            return _plain(unquote(handle.group(1))) or None, url
    return _plain(node.attrib.get("data-author", "")) or None, None


def _shown_name(node) -> str | None:
    """The author's name as the post shows it ("Mèo Con 2k9"), for guests the post's data-author."""
    link = node.css(_USER_LINK)
    shown = clean_text(link[0].get()) if link else _plain(node.attrib.get("data-author", ""))
    return " ".join(shown.split()) or None


def _media(node, response: HtmlResponse) -> list[str]:
    """Images and videos of the post as linked (the original behind XenForo's image proxy when given)."""
    candidates = []
    for image in node.css(".message-body img.bbImage"):
        candidates.append([image.attrib.get(name, "") for name in ("data-url", "src", "data-src")])
    for href in node.css(".message-attachments a.file-preview::attr(href)").getall():
        candidates.append([href])
    for video in node.css(".message-body video"):
        candidates.append([video.attrib.get("src", ""), *video.css("source::attr(src)").getall()])
    return first_web_urls(response, candidates)


def _reaction_count(node) -> int | None:
    """Reactions as XenForo lists them: "<bdi>A</bdi>, <bdi>B</bdi> và 5 người khác" -> 7."""
    link = node.css(".reactionsBar-link")
    if not link:
        return None
    others = _NUMBER.search(" ".join(link[0].xpath("text()").getall()))
    return len(link[0].css("bdi")) + (int(others.group()) if others else 0)


def _time_of(times, timezone: tzinfo | None = None) -> datetime | None:
    """A `time.u-dt`: its ISO `datetime`, else its Unix `data-time`, else its title or shown text
    (read in `timezone`)."""
    if not times:
        return None
    time = times[0]
    parsed = parse_datetime(time.attrib.get("datetime"))
    if parsed is None and time.attrib.get("data-time", "").isdigit():
        try:
            parsed = datetime.fromtimestamp(int(time.attrib["data-time"]), VIETNAM)
        except (OverflowError, OSError, ValueError):
            parsed = None
    return (parsed or parse_datetime(time.attrib.get("title"), timezone=timezone)
            or parse_datetime(clean_text(time.get()), timezone=timezone))


def _posts_route(response: HtmlResponse) -> str:
    """Where the forum's post permalinks live: from a post's `itemid` (".../posts/123/", or ".../p/123/"
    where the forum renames its routes) when it is on this host, else `<forum root>posts/`."""
    host = urlsplit(response.url).netloc
    for node in response.css("article.message[data-content][itemid]"):
        post_id = node.attrib["data-content"].removeprefix("post-")
        itemid = web_url(response, node.attrib["itemid"], keep_fragment=True)
        on_this_site = itemid is not None and urlsplit(itemid).netloc == host
        if post_id.isdigit() and on_this_site and itemid.endswith(f"/{post_id}/"):
            return itemid.removesuffix(f"{post_id}/")
    return f"{_forum_root(response)}posts/"


def _forum_root(response: HtmlResponse) -> str:
    urls = (response.url, web_url(response, response.css("link[rel=canonical]::attr(href)").get()) or "")
    for pattern in (_FORUM_ROOT, _FORUM_LISTING_ROOT):
        for url in urls:
            found = pattern.match(url.split("#")[0])
            if found:
                return found.group(1)
    return response.urljoin("/")


def _first_page(url: str) -> str:
    return _THREAD_SUFFIX.sub("", url.split("#")[0])


def _page_number(url: str) -> int:
    found = _PAGE_SUFFIX.search(url.split("#")[0])
    return int(found.group(1)) if found else 1


def _with_page(url: str, number: int) -> str:
    """The URL of another page of the same thread: "…/page-300" -> "…/page-299"."""
    return _PAGE_SUFFIX.sub(lambda found: f"page-{number}{found.group(2)}", url)


def _same_site(response: HtmlResponse, urls: list[str]) -> list[str]:
    """The web addresses on the response's own host, each once, in order."""
    host = urlsplit(response.url).netloc
    return list(dict.fromkeys(url for url in urls if urlsplit(url).netloc == host))


def _plain(value: str) -> str:
    """An attribute value as one line of plain text."""
    return " ".join(clean_text(html.escape(value)).split())
