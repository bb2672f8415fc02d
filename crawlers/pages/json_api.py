"""Public JSON APIs -> post records, through the field mapping in the source's options.

Paths are dotted: `data.posts`, `user.name`, `images.0.src` (a number indexes a list); in media_urls
`*` maps over a list (`images.*.src`). Keys that contain a dot cannot be addressed. Crawled JSON is
hostile: a value of the wrong type is ignored, and a malformed page gives no records and a warning.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from scrapy.http import Response

from crawlers.pages.dates import parse_datetime
from crawlers.pages.language import detect_language
from crawlers.pages.links import resolved_web_url
from crawlers.pages.options import whole_number
from crawlers.pages.text import clean_text, text_found
from safewatch.records import ENGAGEMENT, PostRecord
from safewatch.urls import is_web_url

log = logging.getLogger(__name__)

OPTIONS = ("items", "fields", "text_is_html", "next", "max_pages", "url_template")
FIELDS = ("url", "text", "title", "author", "author_url", "published_at", "parent_url", "thread_url", "media_urls",
          *(f"engagement.{name}" for name in ENGAGEMENT))
LINK_HEADER = "link_header"
MAX_MEDIA = 20
# clean_text is slow on hostile markup (unclosed tags); no real post comes near this many characters.
MAX_HTML_CHARS = 100_000
_PATH = re.compile(r"^[^.\s{}]+(?:\.[^.\s{}]+)*$")
_INDEX = re.compile(r"^\d{1,6}$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_LINK = re.compile(r"<([^<>]*)>([^<]*)")
_REL = re.compile(r"""\brel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""", re.IGNORECASE)


@dataclass
class Page:
    """What one API response gives: its records, and the next page to fetch (None at the end)."""

    records: list[PostRecord]
    next_url: str | None = None
    skipped: int = 0  # 1 when the next page was given but is not a web address (javascript:, malformed…)


def validate_options(options: dict) -> dict:
    """Options of kind json_api, cleaned (defaults filled in); ValueError names the bad option."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)} (known: {', '.join(OPTIONS)}).")
    items = options.get("items", "")
    if not isinstance(items, str) or (items and not _PATH.match(items)):
        raise ValueError(f"option 'items': {items!r} is not a dotted path like data.posts (\"\" for a top-level "
                         "list).")
    template = options.get("url_template")
    if template is not None:
        _check_template(template)
    fields = _check_fields(options.get("fields"), has_template=template is not None)
    text_is_html = options.get("text_is_html", False)
    if not isinstance(text_is_html, bool):
        raise ValueError("option 'text_is_html': write true or false.")
    next_page = options.get("next") or None
    if next_page is not None and next_page != LINK_HEADER and not (isinstance(next_page, str)
                                                                   and _PATH.match(next_page)):
        raise ValueError(f"option 'next': {next_page!r} is neither a dotted path to the next page's URL "
                         f"(like paging.next) nor {LINK_HEADER}.")
    max_pages = whole_number(options.get("max_pages", 10), "max_pages", high=1000)
    return {"items": items, "fields": fields, "text_is_html": text_is_html, "next": next_page,
            "max_pages": max_pages, "url_template": template}


def _check_fields(fields: object, *, has_template: bool) -> dict[str, str]:
    if not isinstance(fields, dict) or not fields:
        raise ValueError("option 'fields': a mapping of record fields to dotted paths is required, "
                         "e.g. {url: permalink, text: body}.")
    for name, path in fields.items():
        if name not in FIELDS:
            raise ValueError(f"option 'fields': unknown field {name!r} (allowed: {', '.join(FIELDS)}).")
        wildcard_ok = name == "media_urls"
        if not isinstance(path, str) or not _PATH.match(path) or ("*" in path.split(".") and not wildcard_ok):
            raise ValueError(f"option 'fields', field '{name}': {path!r} is not a dotted path like user.name"
                             f"{' or images.*.src' if wildcard_ok else ''}.")
    if "text" not in fields:
        raise ValueError("option 'fields': field 'text' is required.")
    if "url" not in fields and not has_template:
        raise ValueError("option 'fields': field 'url' is required (or give option url_template).")
    return dict(fields)


def _check_template(template: object) -> None:
    names = _PLACEHOLDER.findall(template) if isinstance(template, str) else []
    filled = _PLACEHOLDER.sub("x", template) if isinstance(template, str) else ""
    if not names or "{" in filled or "}" in filled or not is_web_url(filled):
        raise ValueError(f"option 'url_template': {template!r} is not an http(s) URL with {{paths}} from the "
                         "item, like https://site.example/p/{id}.")
    for name in names:
        if not _PATH.match(name) or "*" in name.split("."):
            raise ValueError(f"option 'url_template': {{{name}}} is not a dotted path inside an item.")


def read_page(response: Response, *, source: str, platform: str, options: dict) -> Page:
    """The records of one API response and its next page; a malformed response gives Page([]). An
    object where the list of items is expected (an API's answer for one post) is read as one item."""
    data = load_json(response)
    if data is None:
        return Page([])
    items = resolve(data, options["items"]) if options["items"] else data
    single = isinstance(items, dict)  # a single-object answer (one post by its id): one item
    items = [items] if single else items
    if not isinstance(items, list):
        log.warning("%s: no list of items at %r; page skipped.", response.url, options["items"] or "(top level)")
        return Page([])
    records = [record for item in items if isinstance(item, dict)
               and (record := item_record(item, response.url, source=source, platform=platform, options=options))]
    if single and not records:  # most often an error answer ({"error": …}): say so, as for any bad page
        log.warning("%s: no list of items at %r, and the object there gives no record (no text or URL at the "
                    "mapped fields); page skipped.", response.url, options["items"] or "(top level)")
        return Page([])
    return Page(records, *next_page(_next_value(data, response, options["next"]), response))


def item_record(item: dict, page_url: str, *, source: str, platform: str, options: dict) -> PostRecord | None:
    """One item as a record, or None when it has no text or no URL."""
    fields, as_html = options["fields"], options["text_is_html"]

    def value(name: str):
        return resolve(item, fields[name]) if name in fields else None

    text = _text(value("text"), as_html)
    url = http_url(value("url"), page_url) or _from_template(options.get("url_template"), item)
    if not text or not url:
        return None
    engagement = {name: count for name in ENGAGEMENT
                  if (count := _count(value(f"engagement.{name}"))) is not None}
    media = [] if "media_urls" not in fields else resolve_all(item, fields["media_urls"])
    return PostRecord(
        url=url, source=source, platform=platform, kind="json_api", text=text,
        title=_text(value("title"), as_html) or None,
        author=_line(value("author")),
        published_at=_when(value("published_at")),
        thread_url=http_url(value("thread_url"), page_url),
        language=detect_language(text),
        author_url=http_url(value("author_url"), page_url),
        parent_url=http_url(value("parent_url"), page_url),
        media_urls=_urls(media, page_url),
        engagement=engagement,
    )


def still_there(response: Response, doc: dict) -> bool | None:
    """Re-check of a post under a removal request: gone (404/410) -> False. A 200 in JSON: present
    when the item's text is still among the answer's strings (an API that answers 200 with an error,
    or with the item emptied, says the post is gone). A 200 web page (the post's public address):
    None, so the generic check looks for the post's text on it. Anything else: unknown (None)."""
    if response.status in (404, 410):
        return False
    if response.status != 200:
        return None
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    if "json" not in content_type:
        return None
    data = load_json(response)
    found = None if data is None else text_found(str(doc.get("text") or ""), clean_text(" ".join(_strings(data))))
    if found is None:
        return None
    seen, looked = found
    return seen * 2 >= looked


def _strings(data) -> list[str]:
    """Every string in a decoded JSON value, in order (iteratively: hostile nesting cannot recurse)."""
    found, stack = [], [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend(reversed(value))
    return found


# Helpers shared with the Mastodon kind.

def load_json(response: Response):
    """The decoded body, or None (with a warning) when it is not JSON."""
    try:
        data = json.loads(response.body)
    except (ValueError, RecursionError):  # RecursionError: hostile, deeply nested JSON
        data = None
    if data is None:
        log.warning("%s: not JSON (HTTP %s, %s); page skipped.", response.url, response.status,
                    (response.headers.get("Content-Type") or b"no content type").decode("latin-1"))
    return data


def link_next(response: Response) -> str | None:
    """The rel="next" target of the Link header (RFC 8288) as written, or None."""
    for header in response.headers.getlist("Link"):
        for target, params in _LINK.findall(header.decode("latin-1")):
            rels = {word.lower() for match in _REL.findall(params) for word in "".join(match).split()}
            if "next" in rels:
                return target
    return None


def next_page(value: object, response: Response) -> tuple[str | None, int]:
    """The next page's URL when it is a web address on the response's host, and 1 when a next page was
    given but is not a web address (counted for the crawl summary), else 0."""
    url = http_url(value, response.url)
    not_a_web_address = url is None and isinstance(value, str) and bool(value.strip())
    return same_host(url, response), int(not_a_web_address)


def same_host(url: str | None, response: Response) -> str | None:
    """The URL if it stays on the response's host: a page must not send the crawl elsewhere."""
    if url and urlsplit(url).netloc != urlsplit(response.url).netloc:
        log.warning("%s: next page %s is on another host; not followed.", response.url, url)
        return None
    return url


def http_url(value: object, base: str) -> str | None:
    """An absolute http(s) URL from a crawled value (relative ones resolved against base), or None."""
    if not isinstance(value, str) or len(value) > 2048:
        return None
    return resolved_web_url(base, value, keep_fragment=True)


def plain_text(value: object) -> str:
    """A crawled plain-text value, normalised like clean_text ("<3" and "a < b" kept as written)."""
    return _text(value, as_html=False)


def resolve(data, path: str):
    """The value at a dotted path, or None."""
    for key in path.split("."):
        data = _step(data, key)
        if data is None:
            return None
    return data


def resolve_all(data, path: str) -> list:
    """Every value at a dotted path where `*` maps over a list; lists found at the end are flattened."""
    values = [data]
    for key in path.split("."):
        if key == "*":
            values = [element for value in values if isinstance(value, list) for element in value]
        else:
            values = [found for value in values if (found := _step(value, key)) is not None]
    return [element for value in values for element in (value if isinstance(value, list) else [value])]


def _step(data, key: str):
    if isinstance(data, dict):
        return data.get(key)
    if isinstance(data, list) and _INDEX.match(key) and int(key) < len(data):
        return data[int(key)]
    return None


def _next_value(data, response: Response, next_option: str | None):
    if next_option == LINK_HEADER:
        return link_next(response)
    return resolve(data, next_option) if next_option else None


def _from_template(template: str | None, item: dict) -> str | None:
    if not template:
        return None
    values = {}
    for name in _PLACEHOLDER.findall(template):
        value = resolve(item, name)
        if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
            return None
        values[name] = quote(str(value).strip(), safe="")  # an item's value cannot change the URL's shape
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def _text(value: object, as_html: bool) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return ""
    value = value[:MAX_HTML_CHARS]
    return clean_text(value if as_html else html.escape(value, quote=False))


def _line(value: object) -> str | None:
    text = " ".join(plain_text(value).split())
    return text[:200] or None


def _when(value: object) -> datetime | None:
    if isinstance(value, str):
        return parse_datetime(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float) and 0 <= value < 1e15:
        return int(value)
    return None


def _urls(values: list, base: str) -> list[str]:
    urls = []
    for value in values:
        url = http_url(value, base)
        if url and url not in urls:
            urls.append(url)
    return urls[:MAX_MEDIA]
