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


def clean_text(fragment: str) -> str:
    text = _DROP.sub(" ", fragment)
    text = _BREAK.sub("\n", text)
    text = html.unescape(_TAG.sub(" ", text))
    text = unicodedata.normalize("NFC", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)
