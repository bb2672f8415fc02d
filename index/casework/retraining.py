"""`safewatch retrain --from-index`: reviewers' decisions become labels, a candidate model is
trained on the seed corpus plus those labels, and it replaces the current model only if it does
better on the fixed held-out set of the seed corpus (which no model ever trains on).

"Better": a higher macro-F1, or the same macro-F1 (within 0.005) with fewer safe posts flagged;
and never one that flags more real clean posts (classifier/real_text.py) by more than a point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from safewatch.statuses import REVIEWED_STATUSES

DECIDED = REVIEWED_STATUSES
TIE = 0.005
REAL_FLAG_SLACK = 0.01  # a candidate may flag at most this much more of the real clean posts


@dataclass
class RetrainReport:
    review_examples: int
    current: object  # classifier.evaluate.Evaluation
    candidate: object
    promoted: bool
    reason: str
    candidate_version: str


def review_examples(repo) -> list:
    """Decided posts as labelled examples: confirmed ones with the reviewer's categories, dismissed
    ones as safe."""
    from classifier.corpus import Example
    examples = []
    query = {"terms": {"status": sorted(DECIDED)}}
    for page in repo.iter_post_pages(query, fields=["text", "status", "categories"]):
        for post in page:
            labels = () if post["status"] == "dismissed" else tuple(post.get("categories") or ())
            if post.get("text") and (labels or post["status"] == "dismissed"):
                examples.append(Example(f"review-{post['id']}", post["text"], labels))
    return examples


def retrain(config, repo, *, log: Callable[[str], None] = print) -> RetrainReport:
    from classifier import artefacts
    from classifier.corpus import load_seed, split_holdout
    from classifier.evaluate import evaluate
    from classifier.predict import Classifier
    from classifier.rules import WatchRules
    from classifier.train import train

    reviewed = review_examples(repo)
    log(f"{len(reviewed)} reviewer decisions found in the index.")
    holdout = split_holdout(load_seed())[1]
    texts = [e.text for e in holdout]
    current = Classifier.load(config.models_path, config.rules_file)
    rules = WatchRules.load(config.rules_file) if config.rules_file else WatchRules.load()
    folder = train(config.models_path, extra_examples=reviewed, rules=rules, make_current=False, log=log)
    candidate = Classifier(artefacts.load(folder), rules)
    before = evaluate(f"current {current.version}", holdout, *current.score_matrix(texts))
    after = evaluate(f"candidate {candidate.version}", holdout, *candidate.score_matrix(texts))
    if after.macro_f1 > before.macro_f1 + TIE:
        promoted, reason = True, f"macro-F1 {before.macro_f1:.3f} -> {after.macro_f1:.3f}"
    elif abs(after.macro_f1 - before.macro_f1) <= TIE and after.safe_flag_rate < before.safe_flag_rate:
        promoted, reason = True, (f"same macro-F1 ({after.macro_f1:.3f}), fewer safe posts flagged "
                                  f"({before.safe_flag_rate:.1%} -> {after.safe_flag_rate:.1%})")
    else:
        promoted, reason = False, (f"not better on the held-out set: macro-F1 {before.macro_f1:.3f} -> "
                                   f"{after.macro_f1:.3f}, safe flagged {before.safe_flag_rate:.1%} -> "
                                   f"{after.safe_flag_rate:.1%}")
    if promoted:
        from classifier.measure import flag_rates
        from classifier.real_text import clean_sets
        sets = clean_sets()
        real_before = sum(rate.flagged for rate in flag_rates(current, sets)) / max(len(sets), 1)
        real_after = sum(rate.flagged for rate in flag_rates(candidate, sets)) / max(len(sets), 1)
        if real_after > real_before + REAL_FLAG_SLACK:
            promoted, reason = False, (f"it flags more real clean posts: {real_before:.1%} -> {real_after:.1%} "
                                       "(mean over the real sets), although " + reason)
    if promoted:
        artefacts.make_current_model(config.models_path, folder)
    return RetrainReport(len(reviewed), before, after, promoted, reason, candidate.version)
