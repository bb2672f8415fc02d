"""The labelled seed corpus kept in the repo (classifier/seed/data/*.jsonl, see GUIDELINES.md)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from safewatch.errors import SafeWatchError
from safewatch.taxonomy import CODES

SEED_DIR = Path(__file__).resolve().parent / "seed" / "data"


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    labels: tuple[str, ...]
    # Categories its source says nothing about: the example is left out of those categories'
    # training (a real offensive comment is known not to be grooming, not known not to be bullying).
    unknown: tuple[str, ...] = ()


UNKNOWN = -1  # in a label matrix: the example says nothing about the category


def label_matrix(examples: list[Example]) -> np.ndarray:
    """One row per example, one column per category (CODES order): 1, 0, or UNKNOWN."""
    return np.array([[1 if code in e.labels else (UNKNOWN if code in e.unknown else 0) for code in CODES]
                     for e in examples], dtype=int).reshape(-1, len(CODES))


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
        fields = [example.id, example.text, example.labels] + ([example.unknown] if example.unknown else [])
        digest.update(json.dumps(fields, ensure_ascii=False).encode())
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
