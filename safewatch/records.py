"""Typed records passed between the crawler, the classifier and the index."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from urllib.parse import quote_plus, unquote_plus, urlsplit, urlunsplit

# Query parameters that identify a visit, not a page: tracking, and the session ids forums put in
# every link (vBulletin `s`, phpBB `sid`, PHP's PHPSESSID, Java's jsessionid).
_TRACKING_PARAMS = {"fbclid", "gclid", "ref", "ref_src", "mc_cid", "mc_eid", "igshid", "si"}
_SESSION_PARAMS = {"s", "sid", "phpsessid", "jsessionid"}
_DROPPED_PARAMS = _TRACKING_PARAMS | _SESSION_PARAMS
# Java servers also put the session in the path: /thread.jsp;jsessionid=0A1B2C?t=5
_PATH_SESSION = re.compile(r";jsessionid=[^/?#;]*", re.IGNORECASE)


def _query_parts(query: str) -> list[tuple[str, str, str | None]]:
    """(raw part, decoded key, decoded value or None when the part has no "="), in the order written:
    "a=1&flag&b=" -> ("a=1", "a", "1"), ("flag", "flag", None), ("b=", "b", "")."""
    parts = []
    for raw in query.split("&"):
        if raw:
            key, equals, value = raw.partition("=")
            parts.append((raw, unquote_plus(key), unquote_plus(value) if equals else None))
    return parts


def _kept(key: str) -> bool:
    return key.lower() not in _DROPPED_PARAMS and not key.lower().startswith("utm_")


def shareable_url(url: str | None) -> str | None:
    """The address as captured, without the visit: session ids and tracking parameters dropped, every
    other parameter kept as written and in its order. Stored as a post's link, shown to reviewers and
    sent in notices, so a forum's session id (`&s=…`) never travels with it."""
    if not url:
        return url
    parts = urlsplit(url.strip())
    query = "&".join(raw for raw, key, _ in _query_parts(parts.query) if _kept(key))
    return urlunsplit((parts.scheme, parts.netloc, _PATH_SESSION.sub("", parts.path), query, parts.fragment))


def canonical_url(url: str) -> str:
    """One spelling per page: lower-case scheme and host, no default port, no tracking or session
    parameters, sorted query (a parameter without a value stays without "=": `showthread.php?123-title`).
    The fragment is kept, because forums address single posts by it (#post-123).
    Every post id goes through here, so a forum's session id never makes a second id for one post."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = sorted(((key, value) for _, key, value in _query_parts(parts.query) if _kept(key)),
                   key=lambda pair: (pair[0], pair[1] is not None, pair[1] or ""))
    spelled = "&".join(quote_plus(key) if value is None else f"{quote_plus(key)}={quote_plus(value)}"
                       for key, value in query)
    path = _PATH_SESSION.sub("", parts.path) or "/"
    return urlunsplit((scheme, host, path, spelled, parts.fragment))


def post_id_for(url: str) -> str:
    """The Elasticsearch document id of a post: derived from its canonical URL, so a re-crawl
    updates the same document instead of adding a duplicate."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:40]


def content_hash(text: str) -> str:
    """SHA-256 of the post text, NFC-normalised with whitespace collapsed (edits show as a change)."""
    normalised = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def normalize_handle(handle: str | None) -> str | None:
    """"@Kiet9x_Demo " -> "kiet9x_demo", "Daniel  Lemire" -> "daniel lemire": one spelling per account,
    for matching (the name as shown is kept apart, in author_name)."""
    if not handle:
        return None
    cleaned = " ".join(unicodedata.normalize("NFC", handle).strip().lstrip("@").split()).casefold()
    return cleaned or None


def display_name(name: str | None) -> str | None:
    """The author's name as the page shows it: NFC, spacing collapsed, case and diacritics kept."""
    if not name:
        return None
    return " ".join(unicodedata.normalize("NFC", name).split()) or None


ENGAGEMENT = ("replies", "shares", "likes", "views")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class PostRecord:
    """One collected post, as every crawler kind produces it."""

    url: str
    source: str
    platform: str
    kind: str
    text: str
    author: str | None = None  # handle or name; indexed normalised (normalize_handle), for matching
    title: str | None = None
    published_at: datetime | None = None
    collected_at: datetime = field(default_factory=utcnow)
    thread_url: str | None = None  # the thread, article or timeline page the post belongs to
    language: str | None = None  # ISO 639-1 (vi, en, de, ja…), mixed or unknown (crawlers.pages.language)
    author_url: str | None = None  # the author's public profile
    parent_url: str | None = None  # the post this one replies to
    media_urls: list[str] = field(default_factory=list)  # images/videos as linked (never loaded in the UI)
    engagement: dict[str, int] = field(default_factory=dict)  # replies, shares, likes, views where shown
    quotes: list[str] = field(default_factory=list)  # quoted text, kept apart from the post's own words
    signature: str | None = None  # forum signature, kept apart from the post's own words
    content_warning: str | None = None  # e.g. Mastodon's spoiler text
    boosted_by: str | None = None  # the account that shared (boosted, reblogged) it into the timeline
    evidence: dict | None = None  # the capture this record was read from (index/storage/evidence.py)
    author_name: str | None = None  # the name as shown on the page; None: the author as given

    def __post_init__(self) -> None:
        # links as readers and platforms will open them: without the crawler's session or tracking
        self.url = shareable_url(self.url) or self.url
        self.thread_url = shareable_url(self.thread_url)
        self.parent_url = shareable_url(self.parent_url)

    @property
    def canonical_url(self) -> str:
        return canonical_url(self.url)

    @property
    def post_id(self) -> str:
        return post_id_for(self.url)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    def to_document(self) -> dict:
        # Fields are plain values, lists of strings and flat dicts: a shallow copy of each is a full
        # copy, several times cheaper than dataclasses.asdict's recursive deep copy.
        doc = {name: _copied(getattr(self, name)) for name in _RECORD_FIELDS}
        doc["canonical_url"] = self.canonical_url
        doc["author"] = normalize_handle(self.author)
        doc["author_name"] = display_name(self.author_name or self.author)
        doc["boosted_by"] = normalize_handle(self.boosted_by)
        doc["engagement"] = {key: int(value) for key, value in self.engagement.items() if key in ENGAGEMENT}
        doc["content_hash"] = self.content_hash
        for key in ("published_at", "collected_at"):
            if doc[key] is not None:
                doc[key] = doc[key].isoformat()
        return doc


_RECORD_FIELDS = tuple(f.name for f in fields(PostRecord))


def _copied(value):
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    return value
