"""Evaluation: per-category precision, recall, F1 and PR-AUC, confusion between categories and the
errors themselves, for any scorer over any labelled JSONL file."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

from classifier.corpus import CorpusError, Example
from safewatch.taxonomy import CODES


@dataclass
class CategoryFigures:
    precision: float
    recall: float
    f1: float
    pr_auc: float | None
    support: int


@dataclass
class Evaluation:
    name: str
    per_category: dict[str, CategoryFigures]
    macro_f1: float
    safe_flag_rate: float  # share of safe examples flagged with any category
    harmful_flag_rate: float  # share of harmful examples flagged with any category
    calibration: dict = field(default_factory=dict)  # brier, ece (calibration_summary)
    confusion: dict[str, Counter] = field(default_factory=dict)  # true category -> predicted -> n
    errors: list[dict] = field(default_factory=list)


def load_labelled(path: Path) -> list[Example]:
    """Any JSONL whose lines hold at least {"text": ..., "labels": [...]}; other fields ignored."""
    examples = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise CorpusError(f"Cannot read {path}: {error}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, labels = row["text"], tuple(row["labels"])
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise CorpusError(f"{path.name}:{number}: needs \"text\" and \"labels\" ({error}).") from None
        unknown = [label for label in labels if label not in CODES]
        if unknown:
            raise CorpusError(f"{path.name}:{number}: unknown category {unknown[0]!r}.")
        examples.append(Example(str(row.get("id", number)), text, labels))
    return examples


def calibration_summary(scores: np.ndarray, labels: np.ndarray, bins: int = 10) -> dict:
    """Brier score and expected calibration error (equal-width bins) over every (post, category) with
    a label (-1, classifier.corpus.UNKNOWN, has none)."""
    known = labels.ravel() >= 0
    flat_scores, flat_labels = scores.ravel()[known], labels.ravel()[known]
    brier = float(np.mean((flat_scores - flat_labels) ** 2))
    which = np.minimum((flat_scores * bins).astype(int), bins - 1)
    ece = sum(abs(flat_scores[which == b].mean() - flat_labels[which == b].mean()) * (which == b).mean()
              for b in range(bins) if (which == b).any())
    return {"brier": round(brier, 4), "ece": round(float(ece), 4)}


def evaluate(name: str, examples: list[Example], scores: np.ndarray, flags: np.ndarray, *,
             max_errors: int = 30) -> Evaluation:
    """scores and flags: one row per example, one column per category in CODES order."""
    truth = np.array([[code in e.labels for code in CODES] for e in examples], dtype=int)
    per_category = {}
    for column, code in enumerate(CODES):
        y, p = truth[:, column], flags[:, column].astype(int)
        pr_auc = float(average_precision_score(y, scores[:, column])) if y.any() else None
        per_category[code] = CategoryFigures(
            float(precision_score(y, p, zero_division=0)), float(recall_score(y, p, zero_division=0)),
            float(f1_score(y, p, zero_division=0)), pr_auc, int(y.sum()))
    present = [c for c in CODES if per_category[c].support]
    safe = truth.sum(axis=1) == 0
    flagged = flags.any(axis=1)
    confusion: dict[str, Counter] = {}
    errors = []
    for row, example in enumerate(examples):
        predicted = [code for column, code in enumerate(CODES) if flags[row, column]]
        for true_code in example.labels or ("safe",):
            confusion.setdefault(true_code, Counter()).update(predicted or ["safe"])
        if set(predicted) != set(example.labels) and len(errors) < max_errors:
            errors.append({"id": example.id, "text": example.text, "labels": list(example.labels),
                           "predicted": predicted})
    return Evaluation(name, per_category, float(np.mean([per_category[c].f1 for c in present])) if present else 0.0,
                      float(flagged[safe].mean()) if safe.any() else 0.0,
                      float(flagged[~safe].mean()) if (~safe).any() else 0.0,
                      calibration_summary(np.asarray(scores, dtype=float), truth), confusion, errors)


def format_side_by_side(evaluations: list[Evaluation]) -> str:
    names = [e.name for e in evaluations]
    lines = [f"{'category':<20} {'n':>5}  " + "  ".join(f"{n[:22]:>22}" for n in names),
             f"{'':<20} {'':>5}  " + "  ".join(f"{'P    R    F1   PR-AUC':>22}" for _ in names)]
    for code in CODES:
        support = evaluations[0].per_category[code].support
        cells = []
        for evaluation in evaluations:
            f = evaluation.per_category[code]
            auc = "  —  " if f.pr_auc is None else f"{f.pr_auc:.2f} "
            cells.append(f"{f.precision:.2f} {f.recall:.2f} {f.f1:.2f} {auc:>6}")
        lines.append(f"{code:<20} {support:>5}  " + "  ".join(f"{c:>22}" for c in cells))
    lines.append(f"{'macro F1':<26}  " + "  ".join(f"{e.macro_f1:>22.3f}" for e in evaluations))
    lines.append(f"{'harmful flagged':<26}  " + "  ".join(f"{e.harmful_flag_rate:>22.1%}" for e in evaluations))
    lines.append(f"{'safe flagged':<26}  " + "  ".join(f"{e.safe_flag_rate:>22.1%}" for e in evaluations))
    lines.append(f"{'Brier (calibration)':<26}  " + "  ".join(f"{e.calibration['brier']:>22.4f}" for e in evaluations))
    lines.append(f"{'ECE (calibration)':<26}  " + "  ".join(f"{e.calibration['ece']:>22.4f}" for e in evaluations))
    return "\n".join(lines)


def format_confusion(evaluation: Evaluation, *, top: int = 3) -> str:
    lines = [f"Confusion ({evaluation.name}): true category -> most frequent predictions"]
    for true_code in [*CODES, "safe"]:
        counts = evaluation.confusion.get(true_code)
        if counts:
            total = sum(counts.values())
            shown = ", ".join(f"{code} {n / total:.0%}" for code, n in counts.most_common(top))
            lines.append(f"  {true_code:<20} {shown}")
    return "\n".join(lines)
