"""Training: fit the pipeline on the seed corpus, choose per-category thresholds on a held-out
split for a target recall, refit on everything, and save the artefact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MultiLabelBinarizer

from classifier import artefacts
from classifier.corpus import SEED_DIR, CorpusError, Example, corpus_hash, load_seed
from classifier.model import build_pipeline
from safewatch.taxonomy import CODES

DEFAULT_TARGET_RECALL = 0.90
THRESHOLD_FLOOR, THRESHOLD_CEILING, THRESHOLD_DEFAULT = 0.05, 0.9, 0.5
MIN_EXAMPLES = 10


def choose_threshold(scores: np.ndarray, truth: np.ndarray, target_recall: float) -> float:
    """The highest threshold whose recall on the held-out split still reaches the target."""
    positives = np.sort(scores[truth == 1])[::-1]
    if positives.size == 0:
        return THRESHOLD_DEFAULT
    needed = int(np.ceil(target_recall * positives.size))
    threshold = float(positives[needed - 1])
    return float(min(max(threshold, THRESHOLD_FLOOR), THRESHOLD_CEILING))


def train(models_dir: Path, *, seed_dir: Path = SEED_DIR, target_recall: float = DEFAULT_TARGET_RECALL,
          random_state: int = 0, log: Callable[[str], None] = print) -> Path:
    examples: list[Example] = load_seed(seed_dir)
    texts = [example.text for example in examples]
    binarizer = MultiLabelBinarizer(classes=list(CODES))
    labels = binarizer.fit_transform([example.labels for example in examples])
    log(f"Seed corpus: {len(examples)} examples, {int((labels.sum(axis=1) == 0).sum())} safe.")
    thin = [code for code, count in zip(CODES, labels.sum(axis=0), strict=True) if count < MIN_EXAMPLES]
    if thin:
        # A category without examples would silently never be flagged.
        raise CorpusError(f"Too few examples (< {MIN_EXAMPLES}) for: {', '.join(thin)}. "
                          f"Add them to {seed_dir} (see classifier/seed/GUIDELINES.md).")

    strata = [example.labels[0] if example.labels else "safe" for example in examples]
    train_x, valid_x, train_y, valid_y = train_test_split(
        texts, labels, test_size=0.2, random_state=random_state, stratify=strata)
    pipeline = build_pipeline(random_state)
    log("Fitting on 80%, choosing thresholds on the held-out 20%…")
    pipeline.fit(train_x, train_y)
    valid_scores = pipeline.predict_proba(valid_x)
    thresholds, metrics = {}, {}
    for column, code in enumerate(CODES):
        threshold = choose_threshold(valid_scores[:, column], valid_y[:, column], target_recall)
        predicted = (valid_scores[:, column] >= threshold).astype(int)
        thresholds[code] = threshold
        metrics[code] = {
            "threshold": round(threshold, 4),
            "precision": round(float(precision_score(valid_y[:, column], predicted, zero_division=0)), 3),
            "recall": round(float(recall_score(valid_y[:, column], predicted, zero_division=0)), 3),
            "support": int(valid_y[:, column].sum()),
        }
        log(f"  {code:<20} thr {threshold:.3f}  P {metrics[code]['precision']:.2f}  "
            f"R {metrics[code]['recall']:.2f}  n={metrics[code]['support']}")
    safe_rows = valid_y.sum(axis=1) == 0
    flagged_safe = ((valid_scores >= np.array([thresholds[c] for c in CODES])).any(axis=1) & safe_rows)
    metrics["safe_flag_rate"] = round(float(flagged_safe.sum() / max(safe_rows.sum(), 1)), 3)
    log(f"  share of held-out safe examples flagged: {metrics['safe_flag_rate']:.1%}")

    log("Refitting on all examples…")
    final = build_pipeline(random_state)
    final.fit(texts, labels)
    folder = artefacts.save(models_dir, final, {
        "labels": list(CODES), "thresholds": thresholds, "target_recall": target_recall,
        "metrics": metrics, "training_examples": len(examples), "data_sha256": corpus_hash(examples),
    })
    log(f"Model saved to {folder}")
    return folder
