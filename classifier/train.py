"""Training: score every example out-of-fold (by a model that did not see it), calibrate, choose
per-category thresholds for a real stream (classifier/thresholds.py), fit on everything, measure
on text we did not write, and save the artefact with all of it in its metadata."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from classifier import artefacts
from classifier.corpus import (
    SEED_DIR,
    UNKNOWN,
    CorpusError,
    Example,
    corpus_hash,
    label_matrix,
    load_seed,
    split_holdout,
)
from classifier.evaluate import calibration_summary
from classifier.model import build_pipeline, text_views
from classifier.rules import WatchRules, in_context
from classifier.thresholds import TOTAL_BUDGET, choose_thresholds, total_flag_rate
from safewatch.taxonomy import CODES

MIN_EXAMPLES = 10
FOLDS = 4


def fit_calibration(decisions: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Platt scaling: per category, the sigmoid (slope, intercept) that turns out-of-fold decision
    values into probabilities that match how often the category is really present (on the examples
    labelled for it)."""
    slopes, intercepts = np.ones(labels.shape[1]), np.zeros(labels.shape[1])
    for column in range(labels.shape[1]):
        known = labels[:, column] != UNKNOWN
        truth = labels[known, column]
        if 0 < truth.sum() < len(truth):
            platt = LogisticRegression(C=1e4, max_iter=1000).fit(decisions[known][:, [column]], truth)
            slopes[column], intercepts[column] = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    return slopes, intercepts


def out_of_fold_decisions(texts: list[str], labels: np.ndarray, random_state: int) -> np.ndarray:
    """Every example's decision values from a model trained on the other folds."""
    texts = np.asarray(texts, dtype=object)
    decisions = np.zeros(labels.shape, dtype=float)
    for train_rows, test_rows in KFold(FOLDS, shuffle=True, random_state=random_state).split(texts):
        model = build_pipeline(random_state).fit(texts[train_rows], labels[train_rows])
        decisions[test_rows] = model.decision_function(texts[test_rows])
    return decisions


def budget_groups(examples: list[Example], labels: np.ndarray) -> np.ndarray:
    """For classifier/thresholds.py: each real clean post numbered by its corpus (the flag budget
    holds in each), seed examples 0, real posts that are not clean -1 (they count for neither)."""
    from classifier import real_text
    corpora = [real_text.corpus_of(example) for example in examples]
    if not any(corpora):  # no real text: the budget falls back to the seed corpus's safe posts
        return np.where((labels == 0).all(axis=1), 1, 0)
    numbers = {name: number for number, name in enumerate(sorted({c for c in corpora if c}), start=1)}
    clean = (labels == 0).all(axis=1)
    return np.array([0 if corpus is None else (numbers[corpus] if is_clean else -1)
                     for corpus, is_clean in zip(corpora, clean, strict=True)], dtype=int)


def measure_outside(pipeline, thresholds: dict[str, float], rules: WatchRules,
                    log: Callable[[str], None]) -> dict:
    """The fitted model on text it was not tuned to (for information: nothing here changes it)."""
    from classifier import measure, real_text
    from classifier.predict import Classifier
    model = Classifier(artefacts.Artefact(pipeline, {"labels": list(CODES), "thresholds": thresholds,
                                                     "version": "new"}, Path(".")), rules)
    rates = measure.flag_rates(model, real_text.clean_sets())
    log(measure.format_flag_rates(rates))
    blind = measure.load_blind()
    figures = measure.blind_figures(model, blind) if blind else None
    if figures:
        log(measure.format_blind(figures))
    return {"real_clean": {rate.name: round(rate.flagged, 4) for rate in rates},
            "blind": figures.to_dict() if figures else None}


def train(models_dir: Path, *, seed_dir: Path = SEED_DIR, extra_examples: list[Example] = (),
          real_world: list[Example] | None = None, rules: WatchRules | None = None, make_current: bool = True,
          random_state: int = 0, log: Callable[[str], None] = print) -> Path:
    """Train on the seed corpus (less its held-out set), reviewers' decisions (`extra_examples`) and
    real text whose licence allows it (`real_world`; default: what ../shared/data holds).
    Thresholds are chosen with the watch rules' context frames applied (`rules`; default: the
    shipped file), as prediction applies them."""
    from classifier import real_text
    rules = rules if rules is not None else WatchRules.load()
    everything: list[Example] = load_seed(seed_dir)
    seed, holdout = split_holdout(everything)
    real = real_text.training_examples() if real_world is None else list(real_world)
    examples = [*seed, *extra_examples, *real]  # reviewers' decisions: training only, never the held-out set
    log(f"{len(holdout)} seed examples held out for `safewatch eval`; training on {len(seed)} seed examples"
        + (f", {len(extra_examples)} reviewers' decisions" if extra_examples else "")
        + f" and {len(real)} real posts from {real_text.SHARED_DATA}"
        + ("" if real else " (none found: thresholds fall back to the seed corpus's safe posts)") + ".")
    texts = [example.text for example in examples]
    labels = label_matrix(examples)
    partly = int((labels == UNKNOWN).any(axis=1).sum())
    log(f"{len(examples)} examples, {int((labels == 0).all(axis=1).sum())} of them safe"
        + (f", {partly} labelled for some categories only" if partly else "") + ".")
    thin = [code for code, count in zip(CODES, (labels == 1).sum(axis=0), strict=True) if count < MIN_EXAMPLES]
    if thin:
        # A category without examples would silently never be flagged.
        raise CorpusError(f"Too few examples (< {MIN_EXAMPLES}) for: {', '.join(thin)}. "
                          f"Add them to {seed_dir} (see classifier/seed/GUIDELINES.md).")

    log(f"Scoring every example out-of-fold ({FOLDS} folds) to calibrate and choose thresholds…")
    decisions = out_of_fold_decisions(texts, labels, random_state)
    slopes, intercepts = fit_calibration(decisions, labels)
    scores = in_context(expit(decisions * slopes + intercepts),
                        rules.contexts_many(folded_texts=list(text_views(texts)[:, 1])))
    # The flag budget is measured on real clean posts; without any, on the seed corpus's safe posts.
    is_real = np.array([real_text.is_real(example) for example in examples])
    budget_rows = budget_groups(examples, labels)
    choices = choose_thresholds(list(CODES), scores, labels, budget_rows)
    thresholds = {choice.code: choice.threshold for choice in choices}
    metrics: dict = {"thresholds": {choice.code: choice.to_dict() for choice in choices}}
    log(f"  {'category':<20} {'thr':>6} {'recall':>7} {'prec':>5} {'real flagged':>12}  (out-of-fold)")
    for choice in choices:
        rate = "—" if choice.real_flag_rate is None else f"{choice.real_flag_rate:.2%}"
        log(f"  {choice.code:<20} {choice.threshold:>6.3f} {choice.recall:>7.2f} {choice.precision:>5.2f} "
            f"{rate:>12}  {choice.conflict}")
    seed_rows = ~is_real
    flagged = (scores >= np.array([thresholds[c] for c in CODES])).any(axis=1)
    safe_rows, harmful_rows = (labels == 0).all(axis=1), (labels == 1).any(axis=1)
    metrics["safe_flag_rate"] = round(float(flagged[seed_rows & safe_rows].mean()), 4)
    metrics["harmful_flag_rate"] = round(float(flagged[seed_rows & harmful_rows].mean()), 4)
    metrics["real_flag_rate"] = total_flag_rate(choices, scores, budget_rows)
    log(f"  out-of-fold: {metrics['harmful_flag_rate']:.1%} of harmful and {metrics['safe_flag_rate']:.1%} "
        f"of safe seed examples flagged; {metrics['real_flag_rate']:.2%} of "
        f"{'real clean posts (the corpus flagged most)' if is_real.any() else 'seed safe posts'} "
        f"(budget {TOTAL_BUDGET:.0%})")

    metrics["calibration"] = calibration_summary(scores, labels)
    log(f"  calibration (out-of-fold): Brier {metrics['calibration']['brier']:.4f}, "
        f"expected calibration error {metrics['calibration']['ece']:.4f}")

    log("Fitting on all examples…")
    final = build_pipeline(random_state)
    final.fit(texts, labels)
    final.named_steps["classifier"].set_calibration(slopes, intercepts)
    metrics["outside"] = measure_outside(final, thresholds, rules, log)
    folder = artefacts.save(models_dir, final, {
        "labels": list(CODES), "thresholds": thresholds,
        "metrics": metrics, "training_examples": len(examples), "data_sha256": corpus_hash(examples),
        "holdout_examples": len(holdout), "holdout_sha256": corpus_hash(holdout),
        "review_examples": len(extra_examples), "real_examples": len(real),
    }, make_current=make_current)
    log(f"Model saved to {folder}")
    return folder
