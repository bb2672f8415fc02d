"""The labelled seed corpus kept in the repo (classifier/seed/data/*.jsonl, see GUIDELINES.md)."""

from __future__ import annotations

import csv
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

from safewatch.errors import SafeWatchError
from safewatch.taxonomy import CODES

SEED_DIR = Path(__file__).resolve().parent / "seed" / "data"


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    labels: tuple[str, ...]


class CorpusError(SafeWatchError, ValueError):
    pass


def load_seed(folder: Path = SEED_DIR) -> list[Example]:
    examples: list[Example] = []
    seen: set[str] = set()
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise CorpusError(f"No *.jsonl seed files in {folder}.")
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text, labels, example_id = row["text"], tuple(row["labels"]), row["id"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise CorpusError(f"{path.name}:{number}: not a seed example ({error}).") from None
            unknown = [label for label in labels if label not in CODES]
            if unknown:
                raise CorpusError(f"{path.name}:{number}: unknown category {unknown[0]!r}.")
            if example_id in seen:
                raise CorpusError(f"{path.name}:{number}: duplicate id {example_id!r}.")
            seen.add(example_id)
            examples.append(Example(example_id, text, labels))
    return examples


def corpus_hash(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(json.dumps([example.id, example.text, example.labels], ensure_ascii=False).encode())
    return digest.hexdigest()


HOLDOUT_SHARE = 0.15


def split_holdout(examples: list[Example], share: float = HOLDOUT_SHARE) -> tuple[list[Example], list[Example]]:
    """A fixed held-out set: an example is held out by a hash of its id, so the split never changes
    when examples are added, and no model is ever trained on it."""
    train, holdout = [], []
    for example in examples:
        bucket = int(hashlib.sha256(example.id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (holdout if bucket < share else train).append(example)
    return train, holdout


SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EXTERNAL_SAFE_PER_SOURCE = 2000


def load_external(data_dir: Path = SHARED_DATA, *, seed: int = 0) -> list[Example]:
    """Real, MIT-licensed data read from ../shared/data when it is there (never committed):

    - ViHOS (Vietnamese comments): the clean ones, as safe examples of how people really write.
      Its offensive comments are mostly everyday profanity ("vl", "đéo"), not the harassment of a
      person that `bullying` means, so they are not used as labels;
    - Davidson (English tweets): class 0 (hate speech) as `hate_extremism`, class 2 (neither) as
      safe; class 1 (offensive, mostly profanity) is left out for the same reason.
    Safe examples are sampled (EXTERNAL_SAFE_PER_SOURCE per source) with a fixed seed.
    """
    rng = random.Random(seed)
    examples: list[Example] = []
    vihos = data_dir / "vihos" / "train.csv"
    if vihos.is_file():
        with vihos.open(encoding="utf-8", newline="") as stream:
            rows = [row for row in csv.DictReader(stream) if row["index_spans"] == "[]" and row["content"].strip()]
        for row in rng.sample(rows, min(EXTERNAL_SAFE_PER_SOURCE, len(rows))):
            examples.append(Example(f"vihos-{row['']}", row["content"], ()))
    davidson = data_dir / "davidson" / "labeled_data.csv"
    if davidson.is_file():
        with davidson.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
        neither = [row for row in rows if row["class"] == "2"]
        for row in [r for r in rows if r["class"] == "0"]:
            examples.append(Example(f"davidson-{row['']}", row["tweet"], ("hate_extremism",)))
        for row in rng.sample(neither, min(EXTERNAL_SAFE_PER_SOURCE, len(neither))):
            examples.append(Example(f"davidson-{row['']}", row["tweet"], ()))
    return examples
