"""Web addresses: the one test of "an http(s) URL with a host" that sources, commands, the UI and the
crawler's pages share. (Identity and cleaning of addresses, canonical_url and shareable_url, live with
the records they identify, in safewatch.records.)"""

from __future__ import annotations

from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")


def is_web_url(url: object) -> bool:
    """True for a string that parses as an http or https URL with a host: "https://x.example/p" yes;
    "javascript:…", "file:///etc", "//x.example", "http://", "http://[::1" (malformed) and non-strings no."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in WEB_SCHEMES and bool(parts.netloc) and bool(parts.hostname)
    except ValueError:
        return False
