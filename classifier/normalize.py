"""Text normalisation for Vietnamese as it is typed online, shared by training and prediction.

`normalize()` gives the canonical view (NFC, lower case, tokens for URLs/handles/phones/emoji,
obfuscation undone, common teencode expanded); `fold()` gives the diacritic-free view of it.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import chain
from pathlib import Path

# Teencode and abbreviations that carry meaning for the categories; the classifier issue grows this
# into a curated dictionary.
TEENCODE = {
    "ko": "không", "k": "không", "kh": "không", "khong": "không", "hok": "không", "hem": "không",
    "dc": "được", "đc": "được", "dk": "được", "j": "gì", "gj": "gì", "ib": "inbox", "inb": "inbox",
    "lh": "liên hệ", "sdt": "số điện thoại", "sđt": "số điện thoại", "mik": "mình", "mk": "mình",
    "bn": "bạn", "b": "bạn", "vs": "với", "ng": "người", "nc": "nói chuyện", "ntn": "như thế nào",
    "r": "rồi", "cx": "cũng", "ny": "người yêu", "a": "anh", "e": "em", "zalo": "zalo", "z": "vậy",
    "trc": "trước", "mn": "mọi người", "ae": "anh em", "tl": "trả lời", "bt": "biết", "bik": "biết",
    "hs": "học sinh", "sv": "sinh viên", "ctv": "cộng tác viên", "free": "miễn phí",
}

def _load_dictionary() -> dict[str, str]:
    """Curated teencode from MIT-licensed sources (dictionaries/NOTICE.md); ours take precedence."""
    path = Path(__file__).resolve().parent / "dictionaries" / "teencode.tsv"
    entries = dict(line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line)
    # Values are token sequences: one space between words, none at the ends (tokens_many relies on it).
    return {word: " ".join(value.split()) for word, value in {**entries, **TEENCODE}.items() if value.split()}


DICTIONARY = _load_dictionary()

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]++\.(?:com|net|org|vn|info|xyz|top|club|me|io|test|example)"
                  r"(?:/\S*)?\b", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@[\w.]{2,}")
# A phone number: "0" or "84" or "+84" not after a letter or digit, then 8-10 digits (or x) with
# optional separators. The "not after" test follows the first character (r"0(?<!\w0)" rather than
# r"(?<!\w)0") so that the regex engine can skip straight to the characters a number starts with.
_PHONE = re.compile(r"(?:\+(?<!\w\+)84|8(?<!\w8)4|0(?<!\w0))(?:[ .\-]?[\dxX]){8,10}(?!\w)")
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\U0001F000-\U0001F2FF]")
# Single letters separated by dots, dashes or spaces: "m.a t.u.y", "c-o b-a-c".
_SPACED = re.compile(r"(?<!\w)(?:\w[.\-_*]){1,}\w(?!\w)")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_WORD = re.compile(r"\b(?=\w*[013457])(?=\w*[a-zđ])[\w@$]+\b")
# Amounts and times keep their digits: "50k", "200tr", "2h", "15p".
_QUANTITY = re.compile(r"^\d+(?:k|tr|m|d|đ|vnd|h|p|s|g|kg|ml|cm)?$")
_REPEAT = re.compile(r"(\w)\1{2,}")
# Old and new tone-mark placement: word-final "oà", "oé", "uý" are written "òa", "óe", "úy" here.
_TONE_MOVE = {
    **{f"o{n}": f"{o}a" for n, o in zip("àáảãạ", "òóỏõọ", strict=True)},
    **{f"o{n}": f"{o}e" for n, o in zip("èéẻẽẹ", "òóỏõọ", strict=True)},
    **{f"u{n}": f"{u}y" for n, u in zip("ỳýỷỹỵ", "ùúủũụ", strict=True)},
}
_TONE_FINAL = re.compile("(" + "|".join(_TONE_MOVE) + r")(?!\w)")


def _unleet(match: re.Match) -> str:
    word = match.group(0)
    return word if _QUANTITY.match(word) else word.translate(_LEET)


_TOKEN = re.compile(r"\w+|[^\w\s]|\n")
# Zero-width characters, soft hyphens and emoji variation selectors: invisible, and used to split
# words so that filters miss them ("m\u200ba túy").
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufe00-\ufe0f]")
_MARKS = re.compile("[\u0300-\u036f]")  # the combining marks Vietnamese letters decompose into


def _prepared(texts) -> list[list[str]]:
    """The steps that need the whole text (whitespace, invisible characters, Unicode form, case,
    phone numbers, which may be written with spaces), in one pass over the texts joined one per
    line; then each text's chunks (what lies between spaces)."""
    text = "\n".join(" ".join(str(t).split()) for t in texts)  # any whitespace -> one space
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text)).lower()
    text = _PHONE.sub(" xxphone ", text)
    return [line.split() for line in text.split("\n")]


def _chunk_tokens(chunks: list[str]) -> list[tuple[str, ...]]:
    """The tokens of chunks, each on its own: every other step's matches stay within a chunk. The
    chunks are joined one per line so that each step runs once over them all."""
    text = "\n".join(chunks)
    text = _TONE_FINAL.sub(lambda m: _TONE_MOVE[m.group(1)], text)
    text = _URL.sub(" xxurl ", text)
    text = _HANDLE.sub(" xxhandle ", text)
    text = _EMOJI.sub(" xxemoji ", text)
    text = _SPACED.sub(lambda m: re.sub(r"[.\-_*]", "", m.group(0)), text)
    text = text.replace("z@lo", "zalo")
    text = _LEET_WORD.sub(_unleet, text)
    text = _REPEAT.sub(r"\1", text)
    get = DICTIONARY.get
    joined = " ".join([get(word, word) for word in _TOKEN.findall(text)])
    return [tuple(line.split()) for line in joined.split("\n")]


# Chunk -> its tokens, kept between calls: people repeat words, so most of a batch's chunks have
# been seen before and cost a dictionary lookup instead of ten regular-expression passes.
_SEEN: dict[str, tuple[str, ...]] = {}
_SEEN_LIMIT = 150_000  # at most about 40 MB


def tokens_many(texts) -> list[list[str]]:
    """The tokens of each normalised text: normalize_many(texts)[i] == " ".join(tokens_many(texts)[i])."""
    chunked = _prepared(texts)
    tokens = dict.fromkeys(chain.from_iterable(chunked))
    seen = _SEEN
    missing = []
    for chunk in tokens:
        found = tokens[chunk] = seen.get(chunk)
        if found is None:
            missing.append(chunk)
    if missing:
        if len(seen) + len(missing) > _SEEN_LIMIT:
            seen.clear()
        for chunk, found in zip(missing, _chunk_tokens(missing), strict=True):
            tokens[chunk] = seen[chunk] = found
    get = tokens.__getitem__
    return [list(chain.from_iterable(map(get, chunks))) for chunks in chunked]


def normalize_many(texts) -> list[str]:
    """normalize() of many texts at once."""
    return [" ".join(tokens) for tokens in tokens_many(texts)]


def normalize(text: str) -> str:
    """Canonical view of one text (see the module docstring)."""
    return normalize_many([text])[0]


def fold(text: str) -> str:
    """Remove diacritics ("ma túy" -> "ma tuy", "đ" -> "d")."""
    return _MARKS.sub("", unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D")))


def views_many(texts) -> tuple[list[str], list[str]]:
    """The two views of many texts: normalised, and normalised without diacritics."""
    normal = normalize_many(texts)
    return normal, fold("\n".join(normal)).split("\n")


def views(text: str) -> tuple[str, str]:
    """The two views the model reads: normalised, and normalised without diacritics."""
    normal = normalize(text)
    return normal, fold(normal)
