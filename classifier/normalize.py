"""Text normalisation for Vietnamese as it is typed online, shared by training and prediction.

`normalize()` gives the canonical view (NFC, lower case, tokens for URLs/handles/phones/emoji,
obfuscation undone, common teencode expanded); `fold()` gives the diacritic-free view of it.
English is read as English: contractions stay one token ("i'm", "don't", with ' or ’), and teencode
keys that are also English words ("a", "k", "free") are expanded only in Vietnamese posts
(classifier/language.py says which posts those are).
"""

from __future__ import annotations

import re
import unicodedata
from itertools import chain, repeat
from pathlib import Path

from classifier import language

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
# Teencode read the same in any post, and the keys that are English words too (Vietnamese posts only).
_ANY_POST = {word: value for word, value in DICTIONARY.items() if word not in language.ENGLISH_WORD_KEYS}
_VIETNAMESE_ONLY = {word: tuple(DICTIONARY[word].split(" ")) for word in language.ENGLISH_WORD_KEYS
                    if word in DICTIONARY}

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


# A word, with its contractions ("i'm", "don't"); any other character but a space on its own.
_TOKEN = re.compile(r"\w+(?:'\w+)*|[^\w\s]|\n")
# Zero-width characters, soft hyphens and emoji variation selectors: invisible, and used to split
# words so that filters miss them ("m\u200ba túy").
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufe00-\ufe0f]")
_MARKS = re.compile("[\u0300-\u036f]")  # the combining marks Vietnamese letters decompose into


def _prepared(texts) -> list[list[str]]:
    """The steps that need the whole text (whitespace, invisible characters, Unicode form, case,
    phone numbers, which may be written with spaces), in one pass over the texts joined one per
    line; then each text's chunks (what lies between spaces)."""
    text = "\n".join(" ".join(str(t).split()) for t in texts)  # any whitespace -> one space
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text)).lower().replace("\u2019", "'")
    text = _PHONE.sub(" xxphone ", text)
    return [line.split() for line in text.split("\n")]


def _chunk_tokens(chunks: list[str]) -> list[tuple[tuple[str, ...], tuple[str, ...], int]]:
    """The tokens of chunks, each on its own: every other step's matches stay within a chunk. The
    chunks are joined one per line so that each step runs once over them all. For each chunk:
    (its tokens in an English post, in a Vietnamese post (the same tuple when they do not differ),
    its language cues)."""
    text = "\n".join(chunks)
    text = _TONE_FINAL.sub(lambda m: _TONE_MOVE[m.group(1)], text)
    text = _URL.sub(" xxurl ", text)
    text = _HANDLE.sub(" xxhandle ", text)
    text = _EMOJI.sub(" xxemoji ", text)
    text = _SPACED.sub(lambda m: re.sub(r"[.\-_*]", "", m.group(0)), text)
    text = text.replace("z@lo", "zalo")
    text = _LEET_WORD.sub(_unleet, text)
    text = _REPEAT.sub(r"\1", text)
    get = _ANY_POST.get
    joined = " ".join([get(word, word) for word in _TOKEN.findall(text)])
    result = []
    for line in joined.split("\n"):
        tokens = tuple(line.split())
        vietnamese = tokens
        if not _VIETNAMESE_ONLY.keys().isdisjoint(tokens):
            vietnamese = tuple(chain.from_iterable(_VIETNAMESE_ONLY.get(token, (token,)) for token in tokens))
        result.append((tokens, vietnamese, sum(map(language.cue, tokens))))
    return result


# What each chunk gave, kept between calls: people repeat words, so most of a batch's chunks have
# been seen before and cost a dictionary lookup instead of ten regular-expression passes.
_SEEN: dict[str, tuple[str, ...]] = {}  # chunk -> its tokens (in a Vietnamese post)
_ENGLISH: dict[str, tuple[str, ...]] = {}  # chunk -> its tokens in an English post, where they differ
_CUES: dict[str, int] = {}  # chunk -> its language cues (classifier/language.py), where not 0
_ENGLISH_CUES: set[str] = set()  # chunks whose cues say English
_SEEN_LIMIT = 150_000  # at most about 50 MB


def forget_seen() -> None:
    """Forget every chunk seen (the benchmark's worst case; memory)."""
    for kept in (_SEEN, _ENGLISH, _CUES, _ENGLISH_CUES):
        kept.clear()


def _read_as_english(chunks: list[str]) -> bool:
    """Whether a text (its chunks) is read as English, when that changes its tokens. Most texts of a
    Vietnamese stream have no English cue, so that is tested first."""
    return (not _ENGLISH_CUES.isdisjoint(chunks) and not _ENGLISH.keys().isdisjoint(chunks)
            and language.is_english(sum(map(_CUES.get, chunks, repeat(0)))))


def tokens_many(texts) -> list[list[str]]:
    """The tokens of each normalised text: normalize_many(texts)[i] == " ".join(tokens_many(texts)[i])."""
    chunked = _prepared(texts)
    seen = _SEEN
    distinct = dict.fromkeys(chain.from_iterable(chunked))
    missing = [chunk for chunk in distinct if chunk not in seen]
    if missing:
        if len(seen) + len(missing) > _SEEN_LIMIT:
            forget_seen()
            missing = list(distinct)
        for chunk, (english, vietnamese, cues) in zip(missing, _chunk_tokens(missing), strict=True):
            seen[chunk] = vietnamese
            if english is not vietnamese:
                _ENGLISH[chunk] = english
            if cues:
                _CUES[chunk] = cues
                if cues < 0:
                    _ENGLISH_CUES.add(chunk)
    vietnamese = seen.__getitem__
    return [list(chain.from_iterable(map(vietnamese, chunks))) if not _read_as_english(chunks)
            else [token for chunk in chunks for token in _ENGLISH.get(chunk) or seen[chunk]] for chunks in chunked]


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
