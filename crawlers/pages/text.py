"""HTML fragment -> clean text, keeping line breaks. Crawled markup is hostile: nothing of it is
kept but its text (scripts, styles and attributes are dropped)."""

from __future__ import annotations

import html
import re
import unicodedata

_DROP = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/blockquote|/h\d|/tr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\u00a0]+")
# Control characters, and the two private-use characters the index uses to mark search hits.
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ue000\ue001]")


def clean_text(fragment: str) -> str:
    text = _DROP.sub(" ", fragment)
    text = _BREAK.sub("\n", text)
    text = html.unescape(_TAG.sub(" ", text))
    text = _UNWANTED.sub("", unicodedata.normalize("NFC", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)
