"""Builds teencode.tsv, the curated teencode dictionary, from MIT-licensed sources plus our own list.

    python classifier/dictionaries/build_teencode.py VINORMX_TEENCODE_TXT VISONORM_DICTIONARY_JSON [ENGLISH_TEXT]

Sources (MIT licence, see NOTICE.md): vinormx `dictionaries/teencode_dict.txt` and visonorm
`dictionary/dictionary.json` (the data files only; their code is not used). Curation keeps an entry
only when it is unambiguous (one normal form) and its key cannot be a standard Vietnamese word:
the key uses a letter Vietnamese spelling lacks (f, j, w, z), a digit, a repeated final letter
("ngonn"), a final consonant Vietnamese does not have ("bík", "bùl"), or several syllables run
together ("bame"). So real words ("sau", "đây", "khác") are never rewritten. Keys that are numbers,
and keys that are frequent English words in ENGLISH_TEXT (any English text; we used the Davidson
tweets of ../shared/data), are dropped too: posts mix in English ("any", "ace"). The output is
sorted and deterministic.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
VALID_FINALS = ("ch", "nh", "ng", "c", "m", "n", "p", "t")
VOWELS = "aăâeêioôơuưy"


def _base(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def non_standard(key: str) -> bool:
    if not re.fullmatch(r"[^\W_]+", key):
        return False  # spaces, punctuation: skip
    base = _base(key.lower())
    if base.isdigit():
        return False
    if re.search(r"[fjwz0-9]", base) or re.search(r"(.)\1$", base):
        return True
    groups = re.findall(rf"[{VOWELS}]+", base)
    if len(groups) > 1:
        return True  # syllables run together: no single Vietnamese word looks like this
    tail = re.sub(rf"^.*[{VOWELS}]", "", base)  # letters after the vowel group
    return bool(tail) and tail not in VALID_FINALS


def english_words(path: Path | None, min_count: int = 5) -> set[str]:
    if path is None:
        return set()
    counts: dict[str, int] = {}
    for word in re.findall(r"[a-z]+", path.read_text(encoding="utf-8", errors="replace").lower()):
        counts[word] = counts.get(word, 0) + 1
    return {word for word, count in counts.items() if count >= min_count}


def build(vinormx: Path, visonorm: Path, english: set[str] = frozenset()) -> dict[str, str]:
    entries: dict[str, set[str]] = {}
    for line in vinormx.read_text(encoding="utf-8").splitlines():
        if "#" in line:
            key, value = line.split("#", 1)
            entries.setdefault(key.strip().lower(), set()).add(value.strip())
    for key, value in json.loads(visonorm.read_text(encoding="utf-8")).items():
        if isinstance(value, dict) and isinstance(value.get("normalized"), list):
            entries.setdefault(key.strip().lower(), set()).update(v.strip() for v in value["normalized"])
    curated = {}
    for key, values in entries.items():
        key = unicodedata.normalize("NFC", key)
        if len(values) == 1 and non_standard(key) and key not in english:
            value = unicodedata.normalize("NFC", next(iter(values))).lower()
            if value and value != key and re.fullmatch(r"[^\W\d_]+( [^\W\d_]+)*", value):
                curated[key] = value
    return curated


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__)
        return 2
    curated = build(Path(argv[0]), Path(argv[1]), english_words(Path(argv[2]) if len(argv) == 3 else None))
    lines = [f"{key}\t{value}" for key, value in sorted(curated.items())]
    (HERE / "teencode.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} entries written to {HERE / 'teencode.tsv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
