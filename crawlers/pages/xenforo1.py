"""XenForo 1 thread pages (`<html id="XenForo">`, posts as `li.message` in `ol#messageList`), read into
the same records as XenForo 2's: many forums still run 1.x (GTPlanet's, under /forum/, in 2020).

A post is stored under its permalink `…/posts/N/`, the route the page itself names in each post's
`data-href="posts/N/permalink"` (resolved against the page's `<base>`, so under the sub-path the forum
is installed in). XenForo 1 prints times without a zone ("May 15, 2018 at 1:20 PM", in the board's
zone for guests): they are read in the source's `timezone`; an `abbr.DateTime` carries Unix time.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from urllib.parse import unquote, urlsplit

from scrapy.http import HtmlResponse

from crawlers.pages.dates import parse_datetime
from crawlers.pages.language import detect_language
from crawlers.pages.links import first_web_urls, web_url
from crawlers.pages.text import clean_text, html_without
from safewatch.records import PostRecord

POST = "li.message[id^='post-']"
THREAD_MARKUP = f"html#XenForo #content.thread_view, ol#messageList > {POST}"
_BODY = ".messageContent .messageText"
_QUOTE = ".bbCodeQuote"
_LEFT_OUT = f"{_QUOTE}, .messageTextEndMarker"
_INSIDE_QUOTE = "ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' bbCodeQuote ')]"
_USER_LINK = ".messageUserInfo a.username, .messageDetails a.username, .messageMeta a.username.author"
_ROUTE = re.compile(r"^(.*/)(\d+)/permalink$")  # posts/12323128/permalink
_QUOTED_POST = re.compile(r"[?&]id=(\d+)|#post-(\d+)")  # goto/post?id=12323222#post-12323222
_HANDLE = re.compile(r"[/?]([^/?#=&]*\d)/?$")  # members/khr1s.279499/ -> khr1s.279499
_OTHERS = re.compile(r"(\d[\d,.]*)\s+others?\b")  # "A, B and 5 others like this."


def is_thread_page(response) -> bool:
    return isinstance(response, HtmlResponse) and bool(response.css(THREAD_MARKUP))


def page_template(response: HtmlResponse) -> str | None:
    """What the page is, as XenForo 1 names its content template: thread_view, error, login…"""
    if not response.css("html#XenForo"):
        return None
    classes = (response.css("#content::attr(class)").get() or "").split()
    return next((name for name in ("thread_view", "error", "login") if name in classes), None)


def post_ids(response: HtmlResponse) -> list[int]:
    return [int(i) for i in response.css(f"{POST}::attr(id)").re(r"^post-(\d+)$")]


def has_post(response: HtmlResponse, post_id: int) -> bool:
    return bool(response.css(f"li.message#post-{post_id}"))


def has_next_page(response: HtmlResponse) -> bool:
    return bool(response.css("link[rel=next], .PageNav a.text"))


def thread_records(response: HtmlResponse, *, source: str, platform: str, posts_route: str | None,
                   thread_url: str, since: datetime | None, timezone: tzinfo | None
                   ) -> tuple[list[PostRecord], Counter[str]]:
    """The posts of a XenForo 1 thread page with text, and the post blocks that gave none, by reason.
    `posts_route`: where permalinks live when the page names no route of its own (`…/forum/posts/`)."""
    heading = response.css(".titleBar h1")
    title = " ".join(clean_text(html_without(heading[0], ".prefix")).split()) if heading else None
    route = own_posts_route(response) or posts_route
    records, unaccounted = [], Counter()
    for node in response.css(POST):
        post_id = node.attrib["id"].removeprefix("post-")
        body = node.css(_BODY)
        if not post_id.isdigit() or not body:
            continue
        text = clean_text(html_without(body[0], _LEFT_OUT))
        if not text:
            unaccounted["empty_after_quotes" if clean_text(body[0].get()) else "no_text"] += 1
            continue
        quotes = [quote for quote in body[0].css(_QUOTE) if not quote.xpath(_INSIDE_QUOTE)]
        parent = _quoted_post(quotes[0]) if quotes else None
        handle, name, profile = _author(node, response)
        likes = _likes(node)
        record = PostRecord(
            url=f"{route}{post_id}/", source=source, platform=platform, kind="xenforo", text=text,
            author=handle, author_name=name, title=title or None,
            published_at=_time_of(node.css("a.datePermalink .DateTime"), timezone),
            thread_url=thread_url, language=detect_language(text), author_url=profile,
            parent_url=f"{route}{parent}/" if parent else None, media_urls=_media(body[0], response),
            engagement={"likes": likes} if likes is not None else {},
            quotes=[q for q in (_quote_text(quote) for quote in quotes) if q],
            signature=clean_text(node.css(".signature").get() or "") or None,
        )
        if not (since and record.published_at and record.published_at < since):
            records.append(record)
    return records, unaccounted


def own_posts_route(response: HtmlResponse) -> str | None:
    """The route the page names for its posts' permalinks (`data-href="posts/N/permalink"` of a post's
    number link), resolved against the page's <base>, when it is on the page's own host."""
    host = urlsplit(response.url).netloc
    for href in response.css(f"{POST} a.hashPermalink::attr(data-href)").getall():
        url = web_url(response, href)
        found = _ROUTE.match(url or "")
        if found and urlsplit(url).netloc == host:
            return found.group(1)
    return None


def _author(node, response: HtmlResponse) -> tuple[str | None, str | None, str | None]:
    """(handle from the profile link, the name as shown, the profile URL); the shown name alone for
    guests and deleted accounts."""
    shown = node.attrib.get("data-author", "")
    for link in node.css(_USER_LINK):
        url = web_url(response, link.attrib.get("href"))
        handle = _HANDLE.search(url) if url else None
        if handle:
            name = " ".join(clean_text(link.get()).split()) or shown
            return unquote(handle.group(1)), name or None, url
    shown = " ".join(clean_text(shown).split())
    return shown or None, shown or None, None


def _time_of(times, timezone: tzinfo | None) -> datetime | None:
    """`abbr.DateTime` gives Unix time in `data-time`; `span.DateTime` (older posts) the local time
    in its title, "May 15, 2018 at 1:20 PM"."""
    if not times:
        return None
    time = times[0]
    unix = time.attrib.get("data-time", "")
    if unix.isdigit():
        try:
            return datetime.fromtimestamp(int(unix), timezone or UTC)
        except (OverflowError, OSError, ValueError):
            pass
    for text in (time.attrib.get("title"), " ".join(filter(None, (time.attrib.get("data-datestring"),
                                                                   time.attrib.get("data-timestring")))),
                 clean_text(time.get())):
        parsed = parse_datetime(text, timezone=timezone)
        if parsed:
            return parsed
    return None


@dataclass(frozen=True)
class Listing:
    """What a XenForo 1 forum index or forum page lists, as the page writes it (hrefs, unresolved)."""

    forums: list[str]
    threads: list[tuple[str, datetime | None]]  # (thread link, time of its latest post)
    next_pages: list[str]


def listing(response: HtmlResponse, timezone: tzinfo | None = None) -> Listing:
    """A XenForo 1 listing: sub-forums (`.nodeTitle a`, link forums left out), threads
    (`li.discussionListItem`, its title link, the latest post's `.lastPostInfo .DateTime`; moved-thread
    redirects left out) and the next page (the page's `<link rel="next">`: the page navigation's
    "Next >" is words in the board's language)."""
    if not isinstance(response, HtmlResponse) or not response.css("li.discussionListItem, .nodeList .nodeTitle"):
        return Listing([], [], [])
    # a category's title is an anchor on the index ("forums/#games.9"): the index itself, not a page
    forums = [href for node in response.css(".nodeList li.node:not(.link)")
              for href in node.css(".nodeTitle a::attr(href)").getall()[:1]
              if "link-forums/" not in href and "#" not in href]
    threads = []
    for item in response.css("li.discussionListItem"):
        titles = item.css("h3.title a:not(.prefixLink):not(.unreadLink)::attr(href)").getall()
        if titles and not item.css(".lastPostInfo").xpath("self::div"):  # a redirect shows "n/a" in a div
            threads.append((titles[0], _time_of(item.css(".lastPostInfo .DateTime"), timezone)))
    return Listing(forums, threads, response.css("head link[rel=next]::attr(href)").getall())


def _quoted_post(quote) -> str | None:
    """The number of the post a quote links to ("goto/post?id=N#post-N"), if it links to one."""
    for href in quote.css("a.AttributionLink::attr(href)").getall():
        found = _QUOTED_POST.search(href)
        if found:
            return found.group(1) or found.group(2)
    return None


def _quote_text(quote) -> str:
    content = quote.css(".quoteContainer .quote") or quote.css(".quoteContainer") or [quote]
    text = clean_text(content[0].get())
    author = " ".join(clean_text(quote.attrib.get("data-author", "")).split())
    return f"{author}: {text}" if author and text else text


def _media(body, response: HtmlResponse) -> list[str]:
    """Images of the post as linked (the original behind XenForo's image proxy), and its videos."""
    candidates = [[image.attrib.get("data-url", ""), image.attrib.get("src", "")]
                  for image in body.css("img.bbCodeImage") if not image.xpath(_INSIDE_QUOTE)]
    candidates += [[video.attrib.get("src", ""), *video.css("source::attr(src)").getall()]
                   for video in body.css("video") if not video.xpath(_INSIDE_QUOTE)]
    return first_web_urls(response, candidates)


def _likes(node) -> int | None:
    """Likes as XenForo 1 lists them: "A, B and 5 others like this." -> 7."""
    summary = node.css(".likesSummary .LikeText")
    if not summary:
        return None
    others = _OTHERS.search(clean_text(summary[0].get()))
    named = len(summary[0].css("a.username"))
    return named + (int(re.sub(r"\D", "", others.group(1))) if others else 0)
