"""Offline language guess for a post: "vi", "en", or "mixed"/"unknown". Vietnamese is recognised
with or without diacritics, from letters only Vietnamese uses and from very common syllables."""

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


def detect_language(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return "unknown"
    vi = sum(1 for w in words if w in _VI_COMMON or _VI_LETTERS.search(w))
    en = sum(1 for w in words if w in _EN_COMMON)
    if vi == en == 0:
        return "unknown"
    if vi and en and min(vi, en) / max(vi, en) >= 0.25:
        return "mixed"
    return "vi" if vi >= en else "en"
