"""RSS 2.0 / RSS 1.0 and Atom feeds -> post records, and the pages their entries link to.

A feed is hostile input: it is parsed without entities or network access, a document that is not
a feed (an HTML page, an empty body, broken XML) gives no records and a warning saying what it was.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from functools import partial
from typing import NamedTuple
from urllib.parse import urldefrag

import lxml.etree
from parsel import Selector
from scrapy.http import Response, TextResponse

from crawlers.pages.dates import VIETNAM, parse_datetime
from crawlers.pages.forum import DEFAULT_RULES, ForumRules, thread_posts
from crawlers.pages.language import detect_language
from crawlers.pages.links import web_links, web_url
from crawlers.pages.options import whole_number
from crawlers.pages.text import clean_text
from safewatch.records import PostRecord, canonical_url

log = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
RSS1 = "http://purl.org/rss/1.0/"
NAMESPACES = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "slash": "http://purl.org/rss/1.0/modules/slash/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "thr": "http://purl.org/syndication/thread/1.0",
}
_MEDIA = ".//*[local-name()='content' and starts-with(namespace-uri(), 'http://search.yahoo.com/mrss')]/@url"
_PARSER = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, remove_comments=True,
                               remove_pis=True)
_HTML_START = re.compile(rb"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL)
OPTION_DEFAULTS = {"follow_links": False, "since_days": None}
_ABSOLUTE_WEB = re.compile(r"\s*https?:", re.IGNORECASE)


class FeedEntries(NamedTuple):
    records: list[PostRecord]
    skipped: int  # entries left out because their link is not a web address (javascript:, mailto:, malformed)


class _NotAWebLink(Exception):
    """An entry whose links are all there but none is a web address."""


def feed_posts(response: Response, *, source: str, platform: str = "forum", since_days: int | None = None,
               now: datetime | None = None) -> list[PostRecord]:
    """One record per entry with a web link; entries older than `since_days` (when dated) are skipped."""
    return feed_entries(response, source=source, platform=platform, since_days=since_days, now=now).records


def feed_entries(response: Response, *, source: str, platform: str = "forum", since_days: int | None = None,
                 now: datetime | None = None) -> FeedEntries:
    """feed_posts with the count of entries left out because their link is not a web address."""
    root, what = parse_document(response.body)
    name = lxml.etree.QName(root.root).localname if root is not None else None
    if name not in ("rss", "RDF", "feed"):
        log.warning("%s is %s, not a feed: nothing read.", response.url, what)
        return FeedEntries([], 0)
    if name == "feed":
        nodes = _children(root, "entry", ATOM)
        read = partial(_atom_entry, feed=root, response=response)
    else:
        namespace = RSS1 if name == "RDF" else ""
        nodes = [item for channel in [root, *_children(root, "channel", namespace)]
                 for item in _children(channel, "item", namespace)]
        read = partial(_rss_item, namespace=namespace, response=response)
    if not nodes:
        log.warning("%s is %s with no entries.", response.url, what)
    cutoff = _cutoff(since_days, now)
    records, skipped = [], 0
    for node in nodes:
        try:
            entry = read(node)
        except _NotAWebLink:
            skipped += 1
            continue
        if entry is None or (cutoff and entry.published_at and entry.published_at < cutoff):
            continue
        records.append(replace(entry, source=source, platform=platform))
    return FeedEntries(records, skipped)


def linked_page_posts(response: Response, *, article_url: str, source: str, platform: str = "forum",
                      rules: ForumRules = DEFAULT_RULES, timezone: tzinfo | None = None) -> list[PostRecord]:
    """The posts (reader comments) on the page a feed entry links to, read with the source's rules,
    as replies to that entry. A block that is the article itself is left out: the entry stands for it."""
    if not isinstance(response, TextResponse):  # an image, a PDF: nothing to read
        return []
    article = canonical_url(article_url)
    thread = urldefrag(article_url).url
    return [replace(record, kind="rss", thread_url=thread, parent_url=article_url)
            for record in thread_posts(response, source=source, platform=platform, rules=rules, timezone=timezone)
            if record.canonical_url != article]


def parse_document(body: bytes) -> tuple[Selector | None, str]:
    """The XML root of a document (None when there is none) and what the document looks like."""
    body = _without_leading_space(body)
    head = body[:1024]
    if not head:
        return None, "an empty document"
    if _HTML_START.match(head):
        return None, "an HTML page"
    try:
        root = lxml.etree.fromstring(body, _PARSER)
    except (lxml.etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        return None, "not well-formed XML"
    name = lxml.etree.QName(root).localname
    return Selector(root=root, type="xml"), {"rss": "an RSS feed", "RDF": "an RSS 1.0 feed",
                                             "feed": "an Atom feed"}.get(name, f"an XML document <{name}>")


def _without_leading_space(body: bytes) -> bytes:
    """The document from its first "<": whitespace or a byte-order mark before <?xml makes libxml2 read
    the declaration as an error and, recovering, lose the entity references of the whole feed (&lt;p&gt;
    came out as "p")."""
    while True:
        stripped = body.lstrip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf")
        if stripped == body:
            return body
        body = stripped


def _original_link(entry: Selector) -> str | None:
    """The publisher's own address of an entry that a feed proxy rewrote into a redirect link
    (feedburner:origLink, pheedo:origLink…): the post's identity, not the proxy's."""
    return entry.xpath("string(*[translate(local-name(), 'L', 'l')='origlink'])").get() or None


def _children(node: Selector, name: str, namespace: str):
    return node.xpath("*[local-name()=$name and namespace-uri()=$ns]", name=name, ns=namespace)


def _child_text(node: Selector, name: str, namespace: str) -> str:
    found = _children(node, name, namespace)
    return (found[0].xpath("string()").get() or "").strip() if found else ""


def _markup(nodes) -> str:
    """An element's content as an HTML fragment: escaped HTML, CDATA or inline elements alike."""
    return "".join(nodes[0].xpath("node()").getall()) if nodes else ""


def _rss_item(item: Selector, namespace: str, response: Response) -> PostRecord | None:
    guids = [g for g in _children(item, "guid", namespace) if g.attrib.get("isPermaLink", "true") != "false"]
    url = _entry_url(response, _absolute(_original_link(item)), _child_text(item, "link", namespace),
                     _absolute(guids[0].xpath("string()").get())
                     if guids else None, item.xpath("@*[local-name()='about']").get())
    if not url:
        return None
    description = clean_text(_markup(_children(item, "description", namespace)))
    encoded = clean_text(_markup(item.xpath("content:encoded", namespaces=NAMESPACES)))
    title = clean_text(_child_text(item, "title", namespace)) or None
    text = (encoded if len(encoded) > len(description) else description) or title
    if not text:
        return None
    author = item.xpath("string(dc:creator)", namespaces=NAMESPACES).get() or _child_text(item, "author", namespace)
    published = (_rfc822(_child_text(item, "pubDate", namespace))
                 or parse_datetime(item.xpath("string(dc:date)", namespaces=NAMESPACES).get()))
    media = [*item.xpath("*[local-name()='enclosure']/@url").getall(), *item.xpath(_MEDIA).getall()]
    return _record(response, url=url, text=text, title=title, author=author.strip() or None, published=published,
                   media=media, replies=item.xpath("string(slash:comments)", namespaces=NAMESPACES).get())


def _atom_entry(entry: Selector, feed: Selector, response: Response) -> PostRecord | None:
    links = _children(entry, "link", ATOM)
    alternate = [link.attrib.get("href", "") for link in links if link.attrib.get("rel", "alternate") == "alternate"]
    url = _entry_url(response, _absolute(_original_link(entry)), *alternate,
                     _absolute(_child_text(entry, "id", ATOM)))  # an id is a name, not a link
    if not url:
        return None
    title = _atom_text(_children(entry, "title", ATOM)) or None
    text = _atom_text(_children(entry, "content", ATOM)) or _atom_text(_children(entry, "summary", ATOM)) or title
    if not text:
        return None
    authors = _children(entry, "author", ATOM) or _children(feed, "author", ATOM)
    author = _child_text(authors[0], "name", ATOM) if authors else ""
    author_url = _web_url(response, _child_text(authors[0], "uri", ATOM)) if authors else None
    published = parse_datetime(_child_text(entry, "published", ATOM) or _child_text(entry, "updated", ATOM))
    media = [link.attrib.get("href", "") for link in links if link.attrib.get("rel") == "enclosure"]
    return _record(response, url=url, text=text, title=title, author=author or None, author_url=author_url,
                   published=published, media=[*media, *entry.xpath(_MEDIA).getall()],
                   replies=entry.xpath("string(thr:total)", namespaces=NAMESPACES).get())


def _atom_text(nodes) -> str:
    """An Atom text construct: type "text" (the default) is plain text, "html" escaped HTML, "xhtml" inline."""
    if not nodes or nodes[0].attrib.get("src"):  # out-of-line content is not fetched
        return ""
    kind = nodes[0].attrib.get("type", "text").lower()
    if kind in ("html", "xhtml", "text/html", "application/xhtml+xml"):
        return clean_text(_markup(nodes))
    return clean_text(html.escape(nodes[0].xpath("string()").get() or "", quote=False))


def _record(response: Response, *, url: str, text: str, title: str | None, author: str | None,
            published: datetime | None, media: list[str], replies: str | None,
            author_url: str | None = None) -> PostRecord:
    media_urls = list(dict.fromkeys(u for u in (_web_url(response, m) for m in media) if u))
    count = (replies or "").strip()
    return PostRecord(url=url, source="", platform="", kind="rss", text=text, title=title, author=author,
                      published_at=published, author_url=author_url, media_urls=media_urls,
                      engagement={"replies": int(count)} if count.isdigit() and len(count) < 10 else {},
                      language=detect_language(text))


def _web_url(response: Response, *candidates: str | None) -> str | None:
    """The first candidate that is an http(s) URL once resolved against the feed's address."""
    return next((url for url in (web_url(response, c, keep_fragment=True) for c in candidates) if url), None)


def _entry_url(response: Response, *candidates: str | None) -> str | None:
    """The entry's first link that is a web address; None when it has no link, _NotAWebLink when it
    has links but none is a web address."""
    links = web_links(response, candidates, keep_fragment=True)
    if links.urls:
        return links.urls[0]
    if links.skipped:
        raise _NotAWebLink
    return None


def _absolute(url: str | None) -> str | None:
    """Only an absolute web address: a guid or id is not resolved against the feed's address."""
    return url if url and _ABSOLUTE_WEB.match(url) else None  # a malformed one is then counted, never raised


def _rfc822(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return parse_datetime(value)  # Vietnamese sites also write "12/03/2024 14:05" here
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _cutoff(since_days: int | None, now: datetime | None) -> datetime | None:
    return (now or datetime.now(VIETNAM)) - timedelta(days=since_days) if since_days else None


def since_days_option(value: object) -> int | None:
    if value is None:
        return None
    return whole_number(value, "since_days", unit=" of days")


def validate_options(options: dict) -> dict:
    """Options of kind rss: `follow_links` (true: also fetch each entry's page and read its posts,
    e.g. reader comments, with the source's rules; default false) and `since_days` (skip entries
    published longer ago; undated entries are kept)."""
    unknown = set(options) - set(OPTION_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))}.")
    cleaned = {**OPTION_DEFAULTS, **options}
    if not isinstance(cleaned["follow_links"], bool):
        raise ValueError(f"option 'follow_links': true or false (got {cleaned['follow_links']!r}).")
    cleaned["since_days"] = since_days_option(cleaned["since_days"])
    return cleaned
