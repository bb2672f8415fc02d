"""Is a post Vietnamese or English? One cheap rule per post, for the normaliser's teencode.

Some teencode keys are also English words or letters ("a" -> "anh", "k" -> "không", "free" ->
"miễn phí", "lag" -> "là"): they are expanded only in Vietnamese posts. A post is read as English
when its English cues outnumber its Vietnamese ones:

- English cue: an English function word that is not also a Vietnamese word typed without
  diacritics ("the", "you", "is", "and", "with"…, not "to", "me", "an", "do", "my", "can"), or a
  contraction with an apostrophe ("i'm", "don't");
- Vietnamese cue: a word with Vietnamese diacritics or "đ" (teencode already expanded, so "ko" counts
  as "không"), or a Vietnamese function word typed without diacritics ("oi", "nha", "roi", "khong").

A tie, a post with no cue at all included, is Vietnamese, the unit's main language: "a oi e nho a
qua" expands ("oi", "qua"), "I'm at a party" does not. The words the rule is unsure of (the keys
themselves, "so", "it", "in"…) count for neither side.
"""

from __future__ import annotations

# Teencode keys (classifier/normalize.py TEENCODE and dictionaries/teencode.tsv) that are also English
# words or letters: expanded only in Vietnamese posts. tests/classifier checks each one is a key.
ENGLISH_WORD_KEYS = frozenset({
    "a", "b", "e", "j", "k", "r", "z", "ow", "vs", "ack", "ali", "bug", "cafe", "cos", "deed", "dell", "eww",
    "exp", "free", "gig", "hem", "hog", "honk", "jan", "khmer", "kink", "lag", "lays", "lone", "mag", "mar",
    "meow", "penthouse", "puck", "rah", "sag", "sank", "sara", "tar", "uhm",
})

ENGLISH_CUES = frozenset({
    "i", "you", "your", "yours", "we", "our", "they", "their", "she", "his", "her", "him", "its",
    "is", "are", "was", "were", "been", "being", "have", "has", "had", "does", "did", "not",
    "the", "of", "and", "or", "if", "for", "with", "from", "by", "at", "as", "about", "into", "this", "that",
    "these", "those", "there", "what", "when", "where", "who", "why", "how", "which", "will", "would",
    "should", "could", "just", "get", "got", "really", "very", "because", "some", "any", "out", "up", "over",
    "after", "before", "here",
})

VIETNAMESE_CUES = frozenset({
    "va", "cua", "la", "nhung", "khong", "ko", "kh", "hok", "dc", "duoc", "roi", "nay", "nao", "gi", "oi",
    "nhe", "nha", "nhi", "thi", "ma", "voi", "cho", "cung", "cx", "chua", "lam", "minh", "toi", "tui", "tao",
    "anh", "em", "chi", "ong", "ba", "nguoi", "biet", "bt", "qua", "di", "ve", "ra", "vao", "len", "xuong",
    "nua", "luon", "thoi", "vay", "dau", "sao", "nhu", "neu", "vi", "tai", "trong", "ngoai", "rat", "lai",
    "mot", "hai", "nhieu", "bi", "muon", "noi", "nho", "thuong", "yeu", "dang", "da", "se", "co", "khi",
    "de", "ne", "ui", "nhen",
})

# Lower-case letters only Vietnamese uses (with their tone marks), in NFC.
VIETNAMESE_LETTERS = frozenset(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")


def cue(token: str) -> int:
    """+1 for a Vietnamese cue, -1 for an English one, 0 otherwise (a normalised token)."""
    if token in VIETNAMESE_CUES or not VIETNAMESE_LETTERS.isdisjoint(token):
        return 1
    if token in ENGLISH_CUES or ("'" in token and token.isascii()):
        return -1
    return 0


def is_english(cues: int) -> bool:
    """The rule, on the sum of a post's cues."""
    return cues < 0
