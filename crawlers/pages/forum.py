"""Forum pages (listing -> threads -> posts) extracted with CSS rules.

The default rules match the shipped demo forum; a source may give its own (the crawler issue moves
them into the source registry).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import tzinfo
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from scrapy.http import HtmlResponse

from crawlers.pages.blocks import post_blocks
from crawlers.pages.dates import parse_datetime
from crawlers.pages.language import detect_language
from crawlers.pages.links import Links, web_links, web_url
from crawlers.pages.text import clean_text
from safewatch.records import PostRecord, canonical_url, content_hash

log = logging.getLogger(__name__)
_USER_PARAMS = ("u", "userid", "user_id", "uid", "id", "user")  # the query parameter naming a profile
_SCRIPT = re.compile(r"\.(php\d?|aspx?|cgi|jsp|pl)$", re.IGNORECASE)  # there, a query names the profile


@dataclass(frozen=True)
class ForumRules:
    """CSS selectors (or "xpath:..." expressions) for each part of a forum or article page."""

    forum_links: str = "a.forum-link::attr(href), ul.forums a::attr(href)"
    thread_links: str = "a.thread-link::attr(href), ul.threads a::attr(href)"
    next_page: str = "a[rel=next]::attr(href)"
    thread_title: str = "h1.thread-title"
    post: str = "article.post"
    permalink: str = "a.post-permalink::attr(href)"
    author: str = ".post-author"
    author_link: str = ".post-author a::attr(href)"
    time: str = "time.post-time::attr(datetime)"
    body: str = ".post-body"
    quote: str = "blockquote"
    media: str = "img::attr(src), video::attr(src), video source::attr(src)"  # inside the body
    # Not a selector: how the site writes numeric dates, "DMY" (12/03/2024 is 12 March, as Vietnamese
    # and most European sites write) or "MDY" (10-31-2017, as US vBulletin boards write).
    date_order: str = "DMY"


DEFAULT_RULES = ForumRules()


def select(node, rule: str):
    """A rule is a CSS selector, or an XPath expression written "xpath:<expression>"."""
    rule = rule.strip()
    return node.xpath(rule[6:].strip()) if rule.startswith("xpath:") else node.css(rule)


def _alternatives(rule: str) -> list[str]:
    """The parts of a comma-separated CSS rule tried one by one (an XPath rule is one part: use |)."""
    return [rule] if rule.strip().startswith("xpath:") else [part.strip() for part in rule.split(",")]


def listing_links(response: HtmlResponse, rules: ForumRules = DEFAULT_RULES) -> list[str]:
    """Links to follow from an index or forum page: sub-forums, threads, the next page."""
    return page_links(response, rules).urls


def page_links(response: HtmlResponse, rules: ForumRules = DEFAULT_RULES) -> Links:
    """listing_links with the count of links left out (javascript:, mailto:, malformed…)."""
    hrefs = []
    for selector in (rules.forum_links, rules.thread_links, rules.next_page):
        for part in _alternatives(selector):
            hrefs.extend(select(response, part).getall())
    return web_links(response, hrefs)


class ThreadPage(NamedTuple):
    records: list[PostRecord]
    # {reason: blocks}: post blocks that gave no record (no_text, empty_after_quotes, same_url_same_text),
    # and posts kept under another address because another post of the page had theirs (same_url)
    unaccounted: dict[str, int]


def thread_posts(response: HtmlResponse, *, source: str, platform: str = "forum",
                 rules: ForumRules = DEFAULT_RULES, timezone: tzinfo | None = None) -> list[PostRecord]:
    """Every post of a thread page as a record (thread_page without the count of blocks left out)."""
    return thread_page(response, source=source, platform=platform, rules=rules, timezone=timezone).records


def thread_page(response: HtmlResponse, *, source: str, platform: str = "forum",
                rules: ForumRules = DEFAULT_RULES, timezone: tzinfo | None = None) -> ThreadPage:
    """Every post block of a page as a record, each read without the blocks it encloses (a reply
    records the block it sits in as its parent), and every block that gives no record counted with
    its reason. Two posts with one address: the second keeps a text-derived address, and is counted."""
    title = clean_text(select(response, rules.thread_title).get() or "") or None
    page = response.url.split("#")[0]
    records: list[PostRecord] = []
    urls: list[str | None] = []  # per block, the address of its record (None: no record)
    taken: dict[str, str] = {}  # canonical URL -> content hash of the post recorded under it
    unaccounted: Counter[str] = Counter()
    for block in post_blocks(select(response, rules.post)):
        node = block.node
        own, had_text = _own_text(node, rules)
        text = clean_text(own)
        if not text:
            unaccounted["empty_after_quotes" if had_text else "no_text"] += 1
            urls.append(None)
            continue
        url = _post_url(response, node, rules, text)
        key, digest = canonical_url(url), content_hash(text)
        if key in taken:
            if taken[key] == digest:
                unaccounted["same_url_same_text"] += 1
                urls.append(None)
                continue
            unaccounted["same_url"] += 1
            kept_as = f"{page}#sw-{digest[:16]}"
            log.warning("%s: two posts with the address %s; the second is kept as %s.", page, url, kept_as)
            url, key = kept_as, canonical_url(kept_as)
        taken[key] = digest
        urls.append(url)
        name = clean_text(select(node, rules.author).get() or "") or None
        records.append(PostRecord(
            url=url, source=source, platform=platform, kind="html", text=text, title=title,
            author=_author(node, rules, response), author_name=name,
            published_at=_published(node, rules, timezone),
            thread_url=page,
            language=detect_language(text),
            author_url=profile_url(web_url(response, select(node, rules.author_link).get())),
            parent_url=urls[block.parent] if block.parent is not None else None,
            media_urls=_media(response, node, rules),
            quotes=_quotes(node, rules),
        ))
    return ThreadPage(records, dict(unaccounted))


def profile_url(url: str | None) -> str | None:
    """An author's profile address without fragment and without query, unless the query is what names
    the profile (member.php?u=12, profile.php?id=3): then without session and tracking parameters."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.query and _SCRIPT.search(parts.path):
        return canonical_url(urlunsplit((*parts[:4], "")))
    return urlunsplit((*parts[:3], "", ""))


def _post_url(response: HtmlResponse, node, rules: ForumRules, text: str) -> str:
    """The post's permalink if it has an http(s) one; else the page with the post's element id; else
    the page with a fragment made from the text (posts without any address stay apart)."""
    url = web_url(response, select(node, rules.permalink).get(), keep_fragment=True)
    if url:
        return url
    page = response.url.split("#")[0]
    element_id = (node.attrib.get("id") or "").strip()
    return f"{page}#{element_id}" if element_id else f"{page}#sw-{content_hash(text)[:16]}"


def _own_text(node, rules: ForumRules) -> tuple[str, bool]:
    """The post's body without the posts it quotes (quoted text belongs to the quoted post), and
    whether the body had text before the quotes were taken out. A quote is looked for inside the body:
    the body itself is never a quote (vBulletin 4 writes its bodies as <blockquote class="postcontent">)."""
    body = select(node, rules.body)
    html = body.get() or ""
    for quote in _quote_nodes(body, rules):
        html = html.replace(quote.get(), " ", 1)
    return html, bool(clean_text(body.get() or ""))


def _quote_nodes(body, rules: ForumRules) -> list:
    bodies = {id(found.root) for found in body}
    return [quote for quote in select(body, rules.quote) if id(quote.root) not in bodies]


def _quotes(node, rules: ForumRules) -> list[str]:
    """The text of the posts a post quotes, kept apart from its own words."""
    return [text for text in (clean_text(quote.get()) for quote in _quote_nodes(select(node, rules.body), rules))
            if text]


def _web_url(response: HtmlResponse, link: str | None) -> str | None:
    """An absolute http(s) URL, or None (javascript:, data: and the like are never kept)."""
    return web_url(response, link, keep_fragment=True)


def _media(response: HtmlResponse, node, rules: ForumRules) -> list[str]:
    found = []
    for part in _alternatives(rules.media):
        for link in select(select(node, rules.body), part).getall():
            url = _web_url(response, link)
            if url and url not in found:
                found.append(url)
    return found


def _published(node, rules: ForumRules, timezone: tzinfo | None):
    """The post's time: the rule may select an attribute or an element ("<span class="date">10-31-2017,
    <span class="time">01:56 PM</span></span>"), whose text is read."""
    found = select(node, rules.time).get()
    return parse_datetime(clean_text(found) if found else None, timezone=timezone,
                          month_first=rules.date_order == "MDY")


def _author(node, rules: ForumRules, response: HtmlResponse | None = None) -> str | None:
    """The poster's handle: the last part of the profile link (/members/name.12/ -> "name.12"), or what
    names the profile in its query (member.php?u=12 -> "12", member.php?70024-name -> "70024-name";
    never a session id, which changes every visit); failing that, the shown name."""
    link = select(node, rules.author_link).get()
    url = profile_url(web_url(response, link) if response is not None else link) if link else None
    if url:
        parts = urlsplit(url)
        if parts.query:
            pairs = dict(parse_qsl(parts.query, keep_blank_values=True))
            handle = next((pairs[k] for k in _USER_PARAMS if pairs.get(k)), None) or next(iter(pairs), "")
        else:
            handle = parts.path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")
        if handle:
            return handle
    return clean_text(select(node, rules.author).get() or "") or None
