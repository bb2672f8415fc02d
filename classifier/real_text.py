"""Real text we did not write, read from ../shared/data when it is there (never committed; see
its README for sources and licences), for two uses kept apart:

- **training** (licences that allow it, both MIT): ViHOS *train* comments without offensive spans
  and four fifths of Davidson's "neither" tweets, as safe examples of how people really write; and
  ViHOS *train* comments with offensive spans as **partly labelled** examples: insults and profanity
  are not grooming, abuse material, trafficking, self-harm, drugs, gambling, scams, challenges,
  superstition or a child's private details, so they are negatives of those categories, and left out
  of the categories an insult can belong to (`OFFENSIVE_UNKNOWN`: bullying, hate, violence, sexual
  content), which they are not labelled for;
  Davidson's "hate speech" tweets are not used: they are mostly slurs in passing, not the contempt
  for or exclusion of a group that `hate_extremism` means (with 300 of them, the category's
  out-of-fold recall within the flag budget was 0.45; without, 0.57);
- **measuring** only: ViHSD *dev* clean comments (research use only: never training data of the
  shipped model), ViHOS *dev* clean comments, and the other fifth of Davidson's "neither" tweets.

No text is in both. Which Davidson tweet goes where is decided by a hash of its row number, so the
split never changes.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from classifier.corpus import Example

# What an offensive ViHOS comment may be, that its annotation does not tell.
OFFENSIVE_UNKNOWN = ("bullying", "hate_extremism", "violence_gore", "sexual_content")
SHARED_DATA = Path(os.environ.get("SAFEWATCH_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
DAVIDSON_MEASURE_SHARE = 0.2


@dataclass(frozen=True)
class CleanSet:
    """Clean posts of one real corpus, measured for how often the classifier flags them."""

    name: str
    texts: tuple[str, ...]
    licence: str


def _rows(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8", newline="") as stream:
        yield from csv.DictReader(stream)


def _measured_davidson(row_id: str) -> bool:
    bucket = int(hashlib.sha256(f"davidson-{row_id}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return bucket < DAVIDSON_MEASURE_SHARE


def _vihos(path: Path, *, offensive: bool = False) -> list[tuple[str, str]]:
    """(row id, comment) of the clean comments (no offensive span), or of the offensive ones."""
    return [(row[""], row["content"]) for row in _rows(path)
            if (row["index_spans"] != "[]") == offensive and row["content"].strip()]


def clean_sets(data_dir: Path = SHARED_DATA) -> list[CleanSet]:
    """The real clean text to measure the flag rate on; the sets whose files are missing are left out.
    A comment that is also among the training examples is left out of the measure (about 3% of
    ViHSD dev's clean comments are, word for word, ViHOS train comments)."""
    trained = {example.text for example in training_examples(data_dir)}
    return [CleanSet(clean.name, tuple(text for text in clean.texts if text not in trained), clean.licence)
            for clean in _clean_sets(data_dir)]


def _clean_sets(data_dir: Path) -> list[CleanSet]:
    sets = []
    vihsd = data_dir / "vihsd" / "dev.csv"
    if vihsd.is_file():
        texts = tuple(row["free_text"] for row in _rows(vihsd) if row["label_id"] == "0" and row["free_text"].strip())
        sets.append(CleanSet("ViHSD dev, clean comments", texts, "research use only: measured, never trained on"))
    vihos = data_dir / "vihos" / "dev.csv"
    if vihos.is_file():
        sets.append(CleanSet("ViHOS dev, clean comments", tuple(text for _, text in _vihos(vihos)), "MIT"))
    davidson = data_dir / "davidson" / "labeled_data.csv"
    if davidson.is_file():
        texts = tuple(row["tweet"] for row in _rows(davidson) if row["class"] == "2" and _measured_davidson(row[""]))
        sets.append(CleanSet("Davidson 'neither' tweets (held-out fifth)", texts, "MIT"))
    return sets


def training_examples(data_dir: Path = SHARED_DATA) -> list[Example]:
    """Real posts the licences let the shipped model learn from (none when the folder is absent): clean
    ones as safe, offensive ones as negatives of the categories an insult cannot be."""
    examples: list[Example] = []
    vihos = data_dir / "vihos" / "train.csv"
    if vihos.is_file():
        examples += [Example(f"vihos-{row_id}", text, ()) for row_id, text in _vihos(vihos)]
        examples += [Example(f"vihos-{row_id}", text, (), OFFENSIVE_UNKNOWN)
                     for row_id, text in _vihos(vihos, offensive=True)]
    davidson = data_dir / "davidson" / "labeled_data.csv"
    if davidson.is_file():
        examples += [Example(f"davidson-{row['']}", row["tweet"], ()) for row in _rows(davidson)
                     if row["class"] == "2" and not _measured_davidson(row[""])]
    return examples


def is_real(example: Example) -> bool:
    """True for an example read from ../shared/data rather than written for the seed corpus."""
    return corpus_of(example) is not None


def corpus_of(example: Example) -> str | None:
    """The real corpus an example was read from (None: written for the seed corpus)."""
    prefix = example.id.split("-", 1)[0]
    return prefix if prefix in ("vihos", "davidson") else None
