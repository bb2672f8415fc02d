"""What the classifier does on text we did not write, as `safewatch eval` and `safewatch train`
report it: how often it flags real clean posts (classifier/real_text.py) and its figures on the
blind test set (classifier/blind/, written by authors who never saw the seed corpus)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifier.corpus import CorpusError, Example
from classifier.evaluate import Evaluation, evaluate
from safewatch.taxonomy import BY_CODE, CODES

BLIND_DIR = Path(__file__).resolve().parent / "blind"
# What "holds on real text" means (issue #11): at most this share of real clean posts flagged, and
# on the blind set these figures.
REAL_FLAG_TARGET = 0.03
BLIND_MACRO_F1_TARGET = 0.80
SEVERE_RECALL_TARGET = 0.90
HARD_NEGATIVE_FLAG_TARGET = 0.10
SEVERE = tuple(code for code in CODES if BY_CODE[code].severity == 5)


@dataclass(frozen=True)
class BlindExample:
    example: Example
    kind: str  # positive | disclosure | hard_negative | everyday
    disclosure: bool


def load_blind(folder: Path = BLIND_DIR) -> list[BlindExample]:
    examples = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                example = Example(row["id"], row["text"], tuple(row["labels"]))
                kind = row["kind"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise CorpusError(f"{path.name}:{number}: not a blind-set line ({error}).") from None
            if any(label not in CODES for label in example.labels):
                raise CorpusError(f"{path.name}:{number}: unknown category in {list(example.labels)}.")
            examples.append(BlindExample(example, kind, bool(row.get("disclosure"))))
    return examples


@dataclass
class FlagRate:
    name: str
    posts: int
    flagged: float  # share of posts with at least one category
    per_category: dict[str, float]  # share of posts flagged with each category


def flag_rates(classifier, sets) -> list[FlagRate]:
    """The share of each set of clean posts (real_text.CleanSet) that `classifier` flags."""
    rates = []
    for clean in sets:
        predictions = classifier.predict(list(clean.texts))
        counts = {code: 0 for code in CODES}
        for prediction in predictions:
            for code in prediction.labels:
                counts[code] += 1
        total = max(len(predictions), 1)
        rates.append(FlagRate(clean.name, len(predictions), sum(p.flagged for p in predictions) / total,
                              {code: count / total for code, count in counts.items()}))
    return rates


@dataclass
class BlindFigures:
    evaluation: Evaluation
    flagged_by_kind: dict[str, float]  # share of each kind of post flagged with any category
    disclosures: int
    disclosures_found: float  # flagged with the category they disclose
    disclosures_marked: float  # and marked as a disclosure
    severe_recall: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"macro_f1": round(self.evaluation.macro_f1, 4),
                "per_category": {code: {"precision": round(f.precision, 4), "recall": round(f.recall, 4),
                                        "f1": round(f.f1, 4), "support": f.support}
                                 for code, f in self.evaluation.per_category.items()},
                "severe_recall": {code: round(value, 4) for code, value in self.severe_recall.items()},
                "flagged_by_kind": {kind: round(value, 4) for kind, value in self.flagged_by_kind.items()},
                "disclosures": self.disclosures, "disclosures_found": round(self.disclosures_found, 4),
                "disclosures_marked": round(self.disclosures_marked, 4)}


def blind_figures(classifier, blind: list[BlindExample], *, max_errors: int = 0) -> BlindFigures:
    examples = [item.example for item in blind]
    predictions = classifier.predict([example.text for example in examples])
    labels = list(classifier.labels)
    scores = np.array([[p.scores[code] for code in labels] for p in predictions])
    flags = np.array([[code in p.labels for code in labels] for p in predictions])
    evaluation = evaluate("blind set", examples, scores, flags, max_errors=max_errors)
    kinds = sorted({item.kind for item in blind})
    flagged_by_kind = {kind: float(np.mean([p.flagged for item, p in zip(blind, predictions, strict=True)
                                            if item.kind == kind])) for kind in kinds}
    disclosed = [(item, p) for item, p in zip(blind, predictions, strict=True) if item.disclosure]
    found = [set(item.example.labels) & set(p.labels) for item, p in disclosed]
    return BlindFigures(
        evaluation, flagged_by_kind, len(disclosed),
        float(np.mean([bool(f) for f in found])) if disclosed else 0.0,
        float(np.mean([bool(f) and getattr(p, "disclosure", False) for f, (_, p) in zip(found, disclosed,
                                                                                         strict=True)]))
        if disclosed else 0.0,
        {code: evaluation.per_category[code].recall for code in SEVERE if evaluation.per_category[code].support})


def _mark(ok: bool) -> str:
    return "ok" if ok else "BELOW TARGET"


def format_flag_rates(rates: list[FlagRate], *, top: int = 4) -> str:
    if not rates:
        return ("Real clean text: none found (../shared/data, or SAFEWATCH_SHARED_DATA): "
                "the flag rate on real posts cannot be measured here.")
    lines = [f"Real clean text, share flagged (target at most {REAL_FLAG_TARGET:.0%}):"]
    for rate in rates:
        worst = sorted(((share, code) for code, share in rate.per_category.items() if share), reverse=True)[:top]
        lines.append(f"  {rate.name:<44} {rate.posts:>5} posts  {rate.flagged:>6.2%}  "
                     f"{'ok ' if rate.flagged <= REAL_FLAG_TARGET else 'OVER'}  "
                     + ", ".join(f"{code} {share:.2%}" for share, code in worst))
    return "\n".join(lines)


def format_blind(figures: BlindFigures) -> str:
    evaluation = figures.evaluation
    lines = [f"Blind test set ({sum(f.support for f in evaluation.per_category.values())} category labels, "
             f"classifier/blind/, never trained on):",
             f"  macro-F1 {evaluation.macro_f1:.3f} (target {BLIND_MACRO_F1_TARGET:.2f}: "
             f"{_mark(evaluation.macro_f1 >= BLIND_MACRO_F1_TARGET)})"]
    for code, recall in figures.severe_recall.items():
        lines.append(f"  recall {code:<20} {recall:.2f} (severity 5, target {SEVERE_RECALL_TARGET:.2f}: "
                     f"{_mark(recall >= SEVERE_RECALL_TARGET)})")
    hard = figures.flagged_by_kind.get("hard_negative")
    if hard is not None:
        lines.append(f"  hard negatives flagged {hard:.1%} (target at most {HARD_NEGATIVE_FLAG_TARGET:.0%}: "
                     f"{_mark(hard <= HARD_NEGATIVE_FLAG_TARGET)})")
    everyday = figures.flagged_by_kind.get("everyday")
    if everyday is not None:
        lines.append(f"  everyday posts flagged {everyday:.1%}")
    if figures.disclosures:
        lines.append(f"  children's disclosures ({figures.disclosures}): {figures.disclosures_found:.0%} flagged with "
                     f"their category, {figures.disclosures_marked:.0%} also marked as a disclosure")
    return "\n".join(lines)
