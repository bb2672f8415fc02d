"""RSS 2.0 feeds -> post records."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from scrapy.http import XmlResponse

from crawlers.pages.language import detect_language
from crawlers.pages.text import clean_text
from safewatch.records import PostRecord


def feed_posts(response: XmlResponse, *, source: str, platform: str = "forum") -> list[PostRecord]:
    response.selector.remove_namespaces()
    records = []
    for item in response.xpath("//channel/item"):
        link = (item.xpath("link/text()").get() or item.xpath("guid/text()").get() or "").strip()
        text = clean_text(item.xpath("description/text()").get() or "")
        if not link or not text:
            continue
        author = item.xpath("creator/text()").get() or item.xpath("author/text()").get()
        records.append(PostRecord(
            url=response.urljoin(link), source=source, platform=platform, kind="rss", text=text,
            title=clean_text(item.xpath("title/text()").get() or "") or None,
            author=author.strip() if author else None,
            published_at=_rfc822(item.xpath("pubDate/text()").get()),
            language=detect_language(text),
        ))
    return records


def _rfc822(value: str | None):
    if not value:
        return None
    try:
        return parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None


def validate_options(options: dict) -> dict:
    """Options of kind rss: none yet."""
    if options:
        raise ValueError(f"unknown option(s) {', '.join(sorted(options))}.")
    return {}
