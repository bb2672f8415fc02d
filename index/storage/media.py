"""Media of posts, kept in the evidence store: what may be kept, what a post records of it, and how
the review UI reads it back.

Reviewers never load media from the original site: the crawler fetches a post's images when it
collects the post (crawlers/media_fetch.py, through Scrapy, so robots.txt and per-host delays hold)
and keeps them in the evidence store; the UI shows them from there only, blurred until clicked.

Only JPEG, PNG, GIF and WebP are kept, and only when both the declared content type and the bytes
themselves say so (a page served as image/jpeg is not an image; SVG can carry script and is never
kept). A post's `media` lists, in media_urls order, one entry per address:

    {url, capture_id, sha256, content_type, bytes, captured_at}      kept
    {url, skipped: reason, retry: bool}                              not kept (retry: try again on
                                                                     the next crawl, e.g. server down)
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from index.storage.evidence import Capture, EvidenceError, EvidenceStore

ALLOWED_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
# Addresses not worth a request: videos would only be refused after their download. (An address
# never makes anything acceptable: the answer's type and bytes decide.)
_VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".m4v", ".avi", ".mkv", ".m3u8", ".mpd")


def sniff(body: bytes) -> str | None:
    """The image type the bytes themselves announce (magic numbers), among ALLOWED_TYPES."""
    if body.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if body.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(body) >= 12 and body.startswith(b"RIFF") and body[8:12] == b"WEBP":
        return "image/webp"
    return None


def declared_type(content_type_header: str | None) -> str:
    """"image/JPEG; charset=x" -> "image/jpeg"."""
    return (content_type_header or "").split(";", 1)[0].strip().lower()


def refusal(declared: str, body: bytes, max_bytes: int) -> str | None:
    """Why a fetched body may not be kept, or None when it is an allowed image."""
    if declared not in ALLOWED_TYPES:
        return f"type {declared or 'not given'} is not kept (only JPEG, PNG, GIF, WebP)"
    if len(body) > max_bytes:
        return f"larger than {max_bytes:,} bytes"
    actual = sniff(body)
    if actual is None:
        return f"declared {declared} but the content is not an image of an allowed type"
    return None


def captured(url: str, capture: Capture, content_type: str) -> dict:
    return {"url": url, "capture_id": capture.id, "sha256": capture.sha256, "content_type": content_type,
            "bytes": capture.size, "captured_at": capture.captured_at}


def skipped(url: str, reason: str, *, retry: bool = False) -> dict:
    return {"url": url, "skipped": reason, "retry": retry}


def plan(media_urls: list[str], stored: list[dict] | None, limit: int) -> tuple[list[str], list[dict]]:
    """What to do with a post's media: the addresses to fetch (not recorded yet, or recorded as worth
    another try), and entries recorded without fetching (past the first `limit`, not web addresses)."""
    recorded = {entry.get("url"): entry for entry in stored or []}
    fetch, settled = [], []
    for position, url in enumerate(dict.fromkeys(media_urls)):
        entry = recorded.get(url)
        if entry is not None and not entry.get("retry"):
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            settled.append(skipped(url, "not a web address"))
        elif parts.path.lower().endswith(_VIDEO_SUFFIXES):
            settled.append(skipped(url, "a video (only images are kept)"))
        elif position >= limit:
            settled.append(skipped(url, f"only the first {limit} media of a post are kept"))
        else:
            fetch.append(url)
    return fetch, settled


def merged(media_urls: list[str], stored: list[dict] | None, new: list[dict]) -> list[dict]:
    """The post's media list after new entries: one per address, in media_urls order, then entries of
    addresses the post no longer links (kept: they are evidence of an earlier version)."""
    by_url = {entry.get("url"): entry for entry in stored or []}
    by_url.update({entry["url"]: entry for entry in new})
    ordered = [by_url.pop(url) for url in dict.fromkeys(media_urls) if url in by_url]
    return ordered + list(by_url.values())


@dataclass(frozen=True)
class MediaItem:
    body: bytes
    content_type: str
    url: str
    sha256: str


def read_media(store: EvidenceStore, post: dict, position: int) -> MediaItem | None:
    """The bytes and content type of a post's media item number `position` (0-based, in its `media`
    list), from the evidence store; None when that item was not kept, is missing, or is not (any
    more) an allowed image. The checks of crawl time are made again: the content type must be
    allowed and the bytes must be that type; the store checks the SHA-256."""
    media = post.get("media") or []
    if not isinstance(position, int) or not 0 <= position < len(media):
        return None
    entry = media[position]
    if not isinstance(entry, dict) or not entry.get("capture_id") or entry.get("content_type") not in ALLOWED_TYPES:
        return None
    try:
        capture, body = store.load(str(entry["capture_id"]))
    except EvidenceError:
        return None
    declared = declared_type(next((v for k, v in capture.headers.items() if k.lower() == "content-type"), None))
    if capture.sha256 != entry.get("sha256") or declared not in ALLOWED_TYPES or sniff(body) != entry["content_type"]:
        return None
    return MediaItem(body, entry["content_type"], entry.get("url", ""), capture.sha256)
