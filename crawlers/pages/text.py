"""HTML fragment -> clean text, keeping line breaks. Crawled markup is hostile: nothing of it is
kept but its text (scripts, styles and attributes are dropped)."""

from __future__ import annotations

import copy
import html
import re
import unicodedata

from lxml import html as lxml_html

_OPEN_DROPPED = re.compile(r"<(script|style|noscript|template)\b", re.IGNORECASE)
_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/blockquote|/h\d|/tr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")  # stops at the next "<": linear even on thousands of unclosed tags
_SPACES = re.compile(r"[ \t\u00a0]+")
# Control characters, and the two private-use characters the index uses to mark search hits.
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ue000\ue001]")


def _drop_unreadable(fragment: str) -> str:
    """Scripts, styles and templates removed with their content, in one pass (an unclosed one runs
    to the end, as in a browser)."""
    kept, position = [], 0
    lowered = fragment.lower()
    while match := _OPEN_DROPPED.search(fragment, position):
        kept.append(fragment[position:match.start()])
        close = lowered.find(f"</{match.group(1).lower()}", match.end())
        if close < 0:
            return " ".join(kept)
        end = fragment.find(">", close)
        position = len(fragment) if end < 0 else end + 1
        kept.append(" ")
    kept.append(fragment[position:])
    return "".join(kept)


def clean_text(fragment: str) -> str:
    text = _drop_unreadable(fragment)
    text = _BREAK.sub("\n", text)
    text = html.unescape(_TAG.sub(" ", text))
    text = _UNWANTED.sub("", unicodedata.normalize("NFC", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


WINDOW = 40  # characters of a passage looked for


def text_found(text: str, page: str) -> tuple[int, int] | None:
    """(passages of the stored text found in `page`, passages looked for): up to five passages of
    WINDOW characters spread over the text, spacing and case aside; None for an empty text."""
    page = " ".join(page.split()).lower()
    text = " ".join(text.split()).lower()
    if not text:
        return None
    windows = [text[i:i + WINDOW] for i in range(0, max(len(text) - WINDOW, 0) + 1,
                                                   max((len(text) - WINDOW) // 4, 1))][:5] or [text]
    return sum(window in page for window in windows), len(windows)


def html_without(selector, css: str) -> str:
    """The element's HTML with the matching descendants taken out (their tail text kept)."""
    root = copy.deepcopy(selector.root)
    for element in list(root.cssselect(css)):
        parent = element.getparent()
        if parent is None:
            continue
        tail = "\n" + (element.tail or "")
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(element)
    return lxml_html.tostring(root, encoding="unicode", with_tail=False)
