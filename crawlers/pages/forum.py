"""Forum pages (listing -> threads -> posts) extracted with CSS rules.

The default rules match the shipped demo forum; a source may give its own (the crawler issue moves
them into the source registry).
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.http import HtmlResponse

from crawlers.pages.dates import parse_datetime
from crawlers.pages.language import detect_language
from crawlers.pages.links import Links, web_links, web_url
from crawlers.pages.text import clean_text
from safewatch.records import PostRecord, content_hash


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


def thread_posts(response: HtmlResponse, *, source: str, platform: str = "forum",
                 rules: ForumRules = DEFAULT_RULES) -> list[PostRecord]:
    """Every post of a thread page as a record; posts without text are skipped."""
    title = clean_text(select(response, rules.thread_title).get() or "") or None
    records = []
    for node in select(response, rules.post):
        text = clean_text(_own_text(node, rules))
        if not text:
            continue
        url = _post_url(response, node, rules, text)
        records.append(PostRecord(
            url=url, source=source, platform=platform, kind="forum", text=text, title=title,
            author=_author(node, rules),
            published_at=parse_datetime(select(node, rules.time).get()),
            thread_url=response.url.split("#")[0],
            language=detect_language(text),
            author_url=_web_url(response, select(node, rules.author_link).get()),
            media_urls=_media(response, node, rules),
            quotes=_quotes(node, rules),
        ))
    return records


def _post_url(response: HtmlResponse, node, rules: ForumRules, text: str) -> str:
    """The post's permalink if it has an http(s) one; else the page with the post's element id; else
    the page with a fragment made from the text (posts without any address stay apart)."""
    url = web_url(response, select(node, rules.permalink).get(), keep_fragment=True)
    if url:
        return url
    page = response.url.split("#")[0]
    element_id = (node.attrib.get("id") or "").strip()
    return f"{page}#{element_id}" if element_id else f"{page}#sw-{content_hash(text)[:16]}"


def _own_text(node, rules: ForumRules) -> str:
    """The post's body without the posts it quotes (quoted text belongs to the quoted post)."""
    body = select(node, rules.body)
    html = body.get() or ""
    for quote in select(body, rules.quote).getall():
        html = html.replace(quote, " ", 1)
    return html


def _quotes(node, rules: ForumRules) -> list[str]:
    """The text of the posts a post quotes, kept apart from its own words."""
    return [text for text in (clean_text(html) for html in select(select(node, rules.body), rules.quote).getall())
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


def _author(node, rules: ForumRules) -> str | None:
    """The poster's handle (last part of the profile link) or, failing that, the shown name."""
    link = select(node, rules.author_link).get()
    if link:
        handle = link.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")
        if handle:
            return handle
    return clean_text(select(node, rules.author).get() or "") or None
