"""Training: choose per-category thresholds from out-of-fold scores (every example scored by a
model that did not see it) for a target recall, fit on everything, and save the artefact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.preprocessing import MultiLabelBinarizer

from classifier import artefacts
from classifier.corpus import SEED_DIR, CorpusError, Example, corpus_hash, load_seed, split_holdout
from classifier.evaluate import calibration_summary
from classifier.model import build_pipeline
from safewatch.taxonomy import BY_CODE, CODES

DEFAULT_TARGET_RECALL = 0.90
# Missing a grooming message costs more than one more post in the queue; for the less severe
# categories a slightly lower recall keeps the queue usable. Severity -> reduction of the target.
SEVERITY_RECALL_REDUCTION = {5: 0.0, 4: 0.05, 3: 0.05, 2: 0.05, 1: 0.05}
THRESHOLD_FLOOR, THRESHOLD_CEILING, THRESHOLD_DEFAULT = 0.01, 0.9, 0.5
MIN_EXAMPLES = 10
# Out-of-fold precision a threshold must reach, even at the cost of recall: below it, most of what a
# category flags would be something else.
MIN_PRECISION = 0.5
FOLDS = 4


def choose_threshold(scores: np.ndarray, truth: np.ndarray, target_recall: float,
                     min_precision: float = 0.0) -> float:
    """The highest threshold whose recall still reaches the target; raised, if needed, until at
    least `min_precision` of what it flags is truly of the category (a queue reviewers can trust)."""
    positives = np.sort(scores[truth == 1])[::-1]
    if positives.size == 0:
        return THRESHOLD_DEFAULT
    needed = int(np.ceil(target_recall * positives.size))
    threshold = float(positives[needed - 1])
    if min_precision > 0:
        for candidate in np.unique(scores[scores >= threshold]):
            flagged = scores >= candidate
            if truth[flagged].mean() >= min_precision:
                threshold = max(threshold, float(candidate))
                break
    return float(min(max(threshold, THRESHOLD_FLOOR), THRESHOLD_CEILING))


def fit_calibration(decisions: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Platt scaling: per category, the sigmoid (slope, intercept) that turns out-of-fold decision
    values into probabilities that match how often the category is really present."""
    slopes, intercepts = np.ones(labels.shape[1]), np.zeros(labels.shape[1])
    for column in range(labels.shape[1]):
        if 0 < labels[:, column].sum() < len(labels):
            platt = LogisticRegression(C=1e4, max_iter=1000).fit(decisions[:, [column]], labels[:, column])
            slopes[column], intercepts[column] = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    return slopes, intercepts


def train(models_dir: Path, *, seed_dir: Path = SEED_DIR, target_recall: float = DEFAULT_TARGET_RECALL,
          extra_examples: list[Example] = (), make_current: bool = True,
          random_state: int = 0, log: Callable[[str], None] = print) -> Path:
    everything: list[Example] = load_seed(seed_dir)
    examples, holdout = split_holdout(everything)
    examples = [*examples, *extra_examples]  # reviewers' decisions: training only, never the held-out set
    log(f"{len(holdout)} examples held out for `safewatch eval`; training on the other {len(examples)}"
        + (f" (of which {len(extra_examples)} from reviewers' decisions)." if extra_examples else "."))
    texts = [example.text for example in examples]
    binarizer = MultiLabelBinarizer(classes=list(CODES))
    labels = binarizer.fit_transform([example.labels for example in examples])
    log(f"Seed corpus: {len(examples)} examples, {int((labels.sum(axis=1) == 0).sum())} safe.")
    thin = [code for code, count in zip(CODES, labels.sum(axis=0), strict=True) if count < MIN_EXAMPLES]
    if thin:
        # A category without examples would silently never be flagged.
        raise CorpusError(f"Too few examples (< {MIN_EXAMPLES}) for: {', '.join(thin)}. "
                          f"Add them to {seed_dir} (see classifier/seed/GUIDELINES.md).")

    log(f"Scoring every example out-of-fold ({FOLDS} folds) to calibrate and choose thresholds…")
    decisions = cross_val_predict(build_pipeline(random_state), texts, labels, method="decision_function",
                                  cv=KFold(FOLDS, shuffle=True, random_state=random_state))
    slopes, intercepts = fit_calibration(decisions, labels)
    scores = expit(decisions * slopes + intercepts)
    thresholds, metrics = {}, {}
    for column, code in enumerate(CODES):
        category_target = target_recall - SEVERITY_RECALL_REDUCTION[BY_CODE[code].severity]
        threshold = choose_threshold(scores[:, column], labels[:, column], category_target, MIN_PRECISION)
        predicted = (scores[:, column] >= threshold).astype(int)
        thresholds[code] = threshold
        metrics[code] = {
            "threshold": round(threshold, 4),
            "min_precision": MIN_PRECISION,
            "target_recall": round(category_target, 3),
            "precision": round(float(precision_score(labels[:, column], predicted, zero_division=0)), 3),
            "recall": round(float(recall_score(labels[:, column], predicted, zero_division=0)), 3),
            "support": int(labels[:, column].sum()),
        }
        log(f"  {code:<20} thr {threshold:.3f}  P {metrics[code]['precision']:.2f}  "
            f"R {metrics[code]['recall']:.2f}  n={metrics[code]['support']}")
    flagged = (scores >= np.array([thresholds[c] for c in CODES])).any(axis=1)
    safe_rows = labels.sum(axis=1) == 0
    metrics["safe_flag_rate"] = round(float(flagged[safe_rows].mean()), 3)
    metrics["harmful_flag_rate"] = round(float(flagged[~safe_rows].mean()), 3)
    log(f"  out-of-fold: {metrics['harmful_flag_rate']:.1%} of harmful and {metrics['safe_flag_rate']:.1%} "
        "of safe examples flagged (half the safe ones are hard negatives)")

    metrics["calibration"] = calibration_summary(scores, labels)
    log(f"  calibration (out-of-fold): Brier {metrics['calibration']['brier']:.4f}, "
        f"expected calibration error {metrics['calibration']['ece']:.4f}")

    log("Fitting on all examples…")
    final = build_pipeline(random_state)
    final.fit(texts, labels)
    final.named_steps["classifier"].set_calibration(slopes, intercepts)
    folder = artefacts.save(models_dir, final, {
        "labels": list(CODES), "thresholds": thresholds, "target_recall": target_recall,
        "metrics": metrics, "training_examples": len(examples), "data_sha256": corpus_hash(examples),
        "holdout_examples": len(holdout), "holdout_sha256": corpus_hash(holdout),
        "review_examples": len(extra_examples),
    }, make_current=make_current)
    log(f"Model saved to {folder}")
    return folder
