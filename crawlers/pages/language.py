"""Offline language of a post: an ISO 639-1 code ("vi", "en", "de", "ja"…), "mixed" (Vietnamese and
English together, as teen posts write) or "unknown".

Vietnamese is recognised first, with or without diacritics, from letters only Vietnamese uses and from
very common syllables and teencode (a general identifier reads "ko bt j luon" as anything but
Vietnamese). Other languages come from py3langid, whose model ships inside the package (no download)."""

from __future__ import annotations

import re

_VI_LETTERS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)
_VI_COMMON = {"không", "khong", "ko", "là", "la", "của", "cua", "và", "va", "có", "co", "được", "duoc", "dc",
              "mình", "minh", "bạn", "ban", "em", "anh", "chị", "chi", "cho", "với", "voi", "này", "nay", "thì",
              "thi", "đi", "di", "nhé", "nhe", "ạ", "ơi", "oi", "gì", "gi", "j", "rồi", "roi", "những", "nhung",
              "người", "nguoi", "mà", "ma", "cũng", "cung", "lắm", "lam", "quá", "qua", "học", "hoc", "trường"}
_EN_COMMON = {"the", "and", "is", "are", "you", "to", "of", "it", "this", "that", "for", "with", "my", "in", "on",
              "not", "be", "have", "was", "what", "i", "me", "your", "they", "we", "can", "just", "so", "do"}
_WORD = re.compile(r"[^\W\d_]+")
_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)  # an address says nothing of the language
_MIN_LETTERS = 12  # below this the statistical identifier guesses; a guess is "unknown"


def detect_language(text: str) -> str:
    text = _LINK.sub(" ", text)
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return "unknown"
    vi = sum(1 for w in words if w in _VI_COMMON or _VI_LETTERS.search(w))
    en = sum(1 for w in words if w in _EN_COMMON)
    if vi and en and min(vi, en) / max(vi, en) >= 0.25:
        return "mixed"
    if vi and vi >= en and (vi / len(words) >= 0.3 or _VI_LETTERS.search(text)):
        return "vi"
    identified = _identify(text)
    if identified:
        return identified
    if vi == en == 0:
        return "unknown"
    return "vi" if vi >= en else "en"


def platform_language(reported: object) -> str | None:
    """A language the platform reports (Mastodon's "language": "de", "pt-BR", "zh-Hant") as an ISO 639-1
    code, or None when it reports none or something else."""
    code = str(reported or "").strip().lower().replace("_", "-").split("-")[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def _identify(text: str) -> str | None:
    """py3langid's ISO 639-1 code for texts long enough to say; None for short ones."""
    if sum(char.isalpha() for char in text) < _MIN_LETTERS:
        return None
    import py3langid  # its model loads on first use (~0.3 s)

    code, _score = py3langid.classify(text)
    return code
