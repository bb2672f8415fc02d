"""Near-duplicate texts: MinHash signatures over word shingles, and LSH band keys to find them.

Copy-paste campaigns repeat one text with small changes: a word, an emoji, spacing, diacritics
removed, another phone number. Each post gets

  - a signature: NUM_PERMUTATIONS minimum hashes of its shingles (SHINGLE_WORDS consecutive words of
    the folded text). The share of positions two signatures agree on estimates the Jaccard
    similarity of the two shingle sets (standard error at most 0.5 / sqrt(128) = 0.044);
  - BANDS band keys: the signature cut into BANDS bands of ROWS rows, each band hashed to one
    keyword. Posts sharing a band key are candidates; their signatures then confirm them.

Bands x rows = 32 x 4. A pair of Jaccard similarity s shares at least one band with probability
1 - (1 - s^4)^32: 0.988 at s = 0.6, 0.9998 at s = 0.7, 0.23 at s = 0.3, 0.05 at s = 0.2 (the S-curve's
midpoint is (1/32)^(1/4) = 0.42). So pairs at the THRESHOLD of 0.6 or above are almost never missed,
and the unrelated candidates are dropped when the signatures are compared. Stricter bands (16 x 8)
would fetch fewer candidates but miss three quarters of the pairs at 0.6 (and 39% at 0.7).

Shingles of two words, not three: Vietnamese words are mostly two syllables, and one changed word
costs two shingles instead of three. On the 4,437 distinct texts of the seed corpus, one word replaced
keeps the similarity at 0.6 or above for 98% of 10-14-word texts (49% with three-word shingles) and
all longer ones; the only distinct pairs at 0.6 or above are 8 real edited copies of one another
(diacritics dropped, a clause cut, letters spelled out with dots).

The text is folded before shingling (lower case, no diacritics, "đ" -> "d", no invisible characters,
letters spelled out with dots joined, a run of digits and separators -> one "0" token, so another
phone number or price is no change); emoji and punctuation are dropped. This is lighter than
classifier.normalize (no teencode dictionary) and keeps this shared package free of the classifier.

Texts of fewer than MIN_WORDS words get no signature: with a handful of shingles one changed word
changes most of them, and short replies ("cảm ơn bạn nhiều nhé") repeat everywhere. Their copies are
still found by the exact content hash.

Cost, measured in batches of 200 posts: about 15 µs per post on the seed corpus (20 words a post),
22 µs on the longer posts of bench/index.py (30 words); about 35 µs for one post alone.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Iterable

import numpy as np

VERSION = 1  # first byte of every stored signature; change it when anything below changes
SHINGLE_WORDS = 2
MIN_WORDS = 6  # 5 shingles
NUM_PERMUTATIONS = 128
BANDS, ROWS = 32, 4
CHUNK_SHINGLES = 512
THRESHOLD = 0.6  # estimated Jaccard similarity from which two texts are near-duplicates

# Fields of a post document (see index/storage/mappings.py).
SIGNATURE_FIELD = "minhash"
BANDS_FIELD = "minhash_bands"

_rng = np.random.default_rng(20261130 + VERSION)
# Multiply-shift hashing: h(x) = high 32 bits of (a*x + b) mod 2^64, a odd.
_A = _rng.integers(1, 2**63, NUM_PERMUTATIONS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 2**63, NUM_PERMUTATIONS, dtype=np.uint64)
_SHINGLE_MULTIPLIERS = _rng.integers(1, 2**63, SHINGLE_WORDS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_BAND_MULTIPLIERS = _rng.integers(1, 2**63, ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_BAND_OFFSETS = _rng.integers(0, 2**63, BANDS, dtype=np.uint64)  # a band's key differs from another band's
_SHIFT = np.uint64(32)
_LOW_BITS = np.uint64(0xFFFF)


# Soft hyphens, zero-width characters, emoji variation selectors (invisible, used to split words so
# that filters miss them), and combining marks left over after NFC.
_INVISIBLE = re.compile("[\u0300-\u036f\u00ad\u200b-\u200f\u2060\ufe00-\ufe0f]+")
_MARKS = re.compile("[\u0300-\u036f]+")  # what NFD splits Vietnamese letters into, besides their base letter
_SPELLED = re.compile(r"(?<!\w)(?:\w[.\-_*]){1,}\w(?!\w)")  # "m.a t.u.y"
_SEPARATORS = re.compile(r"[.\-_*]")
_NUMBER = re.compile(r"\d(?:[ \t.,\-]*\d)*")  # "0912 345 678", "50.000"
_REPEATED = re.compile(r"([a-z])\1\1+")  # "quaaaa"
_WORD = re.compile(r"\w+")

# Words as written -> hash of the folded word. Folding word by word (on a cache miss) instead of the
# whole text: a feed's vocabulary is small, so most words are looked up, not folded.
_token_hashes: dict[str, int] = {}
_MAX_CACHED_TOKENS = 200_000  # about 20 MB


def words(text: str) -> list[str]:
    """The folded words of a text, as shingled."""
    return [_fold(token) for token in _raw_words_many([text])[0]]


def _raw_words_many(texts: list[str]) -> list[list[str]]:
    """The words of each text as written (NFC), once letters spelled out and numbers are joined. Each
    step runs once over the texts joined by newlines (no pattern crosses a line)."""
    joined = "\n".join(str(text).replace("\n", " ") for text in texts)
    joined = _INVISIBLE.sub("", unicodedata.normalize("NFC", joined))
    joined = _SPELLED.sub(lambda match: _SEPARATORS.sub("", match.group(0)), joined)
    joined = _NUMBER.sub(" 0 ", joined)
    return [_WORD.findall(line) for line in joined.split("\n")]


def _fold(token: str) -> str:
    """Lower case, no diacritics ("đ" -> "d"), letters repeated three times or more once."""
    folded = _MARKS.sub("", unicodedata.normalize("NFD", token.lower().replace("đ", "d")))
    return _REPEATED.sub(r"\1", folded)


def _token_hash(token: str) -> int:
    if len(_token_hashes) >= _MAX_CACHED_TOKENS:
        _token_hashes.clear()
    value = _token_hashes[token] = int.from_bytes(
        hashlib.blake2b(_fold(token).encode("utf-8"), digest_size=8).digest(), "little")
    return value


def signatures(texts: Iterable[str]) -> list[np.ndarray | None]:
    """The MinHash signature (NUM_PERMUTATIONS x 16 bits) of each text; None for a text of fewer than
    MIN_WORDS words. Texts are hashed together, about CHUNK_SHINGLES shingles per vectorised pass
    (larger passes leave the CPU cache and are slower)."""
    texts = list(texts)
    tokenised = _raw_words_many(texts) if texts else []
    result: list[np.ndarray | None] = [None] * len(tokenised)
    group: list[int] = []
    rows = 0
    for position, tokens in enumerate(tokenised):
        if len(tokens) < MIN_WORDS:
            continue
        group.append(position)
        rows += len(tokens)
        if rows >= CHUNK_SHINGLES:
            _minhash_group([tokenised[p] for p in group], group, result)
            group, rows = [], 0
    if group:
        _minhash_group([tokenised[p] for p in group], group, result)
    return result


def _minhash_group(token_lists: list[list[str]], positions: list[int], result: list) -> None:
    """Signatures of a few texts at once: their token hashes in one array, shingles that would span
    two texts left out, NUM_PERMUTATIONS hashes per shingle, the minimum per text."""
    get, compute = _token_hashes.get, _token_hash
    hashes = np.array([get(token) or compute(token) for tokens in token_lists for token in tokens], dtype=np.uint64)
    lengths = np.array([len(tokens) for tokens in token_lists])
    span = len(hashes) - SHINGLE_WORDS + 1
    shingles = hashes[:span] * _SHINGLE_MULTIPLIERS[0]
    for offset in range(1, SHINGLE_WORDS):
        shingles += hashes[offset:offset + span] * _SHINGLE_MULTIPLIERS[offset]
    ends = np.cumsum(lengths)
    if len(ends) > 1:  # the last SHINGLE_WORDS - 1 starts of each text but the last run into the next
        keep = np.ones(span, dtype=bool)
        for back in range(1, SHINGLE_WORDS):
            keep[ends[:-1] - back] = False
        shingles = shingles[keep]
    starts = np.concatenate(([0], np.cumsum(lengths - SHINGLE_WORDS + 1)[:-1]))
    hashed = np.multiply.outer(shingles, _A)
    hashed += _B
    hashed >>= _SHIFT
    # b-bit MinHash: the low 16 bits of each minimum are kept (two different minima agree by chance
    # once in 65,536: no visible bias), half the size to store and send.
    minima = (np.minimum.reduceat(hashed, starts, axis=0) & _LOW_BITS).astype(np.uint16)
    for position, signature in zip(positions, minima, strict=True):
        result[position] = signature


def band_keys(signature: np.ndarray) -> list[str]:
    """BANDS keywords: posts that share one are candidate near-duplicates."""
    return _band_keys_many(signature.reshape(1, -1))[0]


def _band_keys_many(signatures: np.ndarray) -> list[list[str]]:
    # 32 bits per key (multiply-shift of the band's 4 x 16 bits): a chance collision only adds a
    # candidate, which its signature then drops.
    rows = signatures.reshape(len(signatures), BANDS, ROWS).astype(np.uint64)
    keys = ((rows * _BAND_MULTIPLIERS).sum(axis=2, dtype=np.uint64) + _BAND_OFFSETS) >> _SHIFT
    every = keys.astype(">u4").tobytes().hex(" ", 4).split()  # 8 hex digits per key
    return [every[start:start + BANDS] for start in range(0, len(every), BANDS)]


def encode(signature: np.ndarray) -> str:
    """The signature as stored (base64 of the version byte and the little-endian values)."""
    return base64.b64encode(bytes([VERSION]) + signature.astype("<u2").tobytes()).decode("ascii")


def decode(stored: str | None) -> np.ndarray | None:
    """A stored signature, or None when absent, malformed or of another VERSION."""
    if not stored:
        return None
    try:
        raw = base64.b64decode(stored, validate=True)
    except ValueError:
        return None
    if len(raw) != 1 + 2 * NUM_PERMUTATIONS or raw[0] != VERSION:
        return None
    return np.frombuffer(raw, dtype="<u2", offset=1)


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Estimated Jaccard similarity (0-1) of the shingle sets behind two signatures."""
    return float(np.count_nonzero(first == second)) / NUM_PERMUTATIONS


def fields_many(texts: Iterable[str]) -> list[dict]:
    """The near-duplicate fields of each text's post document: {minhash, minhash_bands}, both None
    for a text too short to have a signature (so an edit that shortens a text clears them)."""
    found = signatures(texts)
    present = [s for s in found if s is not None]
    keys = iter(_band_keys_many(np.stack(present)) if present else [])
    return [{SIGNATURE_FIELD: encode(s), BANDS_FIELD: next(keys)} if s is not None
            else {SIGNATURE_FIELD: None, BANDS_FIELD: None} for s in found]


def add_fields(documents: list[dict]) -> None:
    """Adds the near-duplicate fields to the post documents that carry a text and lack them."""
    missing = [d for d in documents if SIGNATURE_FIELD not in d and isinstance(d.get("text"), str)]
    for document, fields in zip(missing, fields_many(d["text"] for d in missing), strict=True):
        document.update(fields)


def is_current(stored: str | None) -> bool:
    """Whether a stored signature was made by this VERSION."""
    return decode(stored) is not None


def confirmed(signature: np.ndarray, candidates: list[dict], size: int) -> list[dict]:
    """The candidate posts (with their stored SIGNATURE_FIELD) whose estimated similarity to
    `signature` reaches THRESHOLD, each with its `similarity` and without the signature, most similar
    first (ties keep the candidates' order), at most `size`."""
    kept = []
    for candidate in candidates:
        theirs = decode(candidate.get(SIGNATURE_FIELD))
        if theirs is None:
            continue
        estimate = similarity(signature, theirs)
        if estimate >= THRESHOLD:
            kept.append({**{k: v for k, v in candidate.items() if k != SIGNATURE_FIELD},
                         "similarity": round(estimate, 3)})
    kept.sort(key=lambda post: -post["similarity"])
    return kept[:size]
