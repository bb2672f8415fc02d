"""`safewatch classify`: re-score every indexed post with the current model and watch rules.

Scores, labels, rule hits, explanations and priority are updated in bulk; a post not yet reviewed
whose flag changes moves between `collected` and `flagged` through the lifecycle (with an event).
Reviewed posts keep their status and the reviewer's categories.

It also (re)writes every post's near-duplicate fields (safewatch.near_duplicates): the backfill for
posts stored before they existed, or after their scheme changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from safewatch import near_duplicates
from safewatch.statuses import UNREVIEWED_STATUSES

UNREVIEWED = UNREVIEWED_STATUSES


@dataclass
class RescoreSummary:
    posts: int = 0
    newly_flagged: int = 0
    unflagged: int = 0
    errors: int = 0
    seconds: float = 0.0


def rescore(repo, classifier, *, batch_size: int = 500, log: Callable[[str], None] = print) -> RescoreSummary:
    from index.casework import audit_reasons, lifecycle
    summary, started = RescoreSummary(), time.monotonic()
    total = repo.count_posts()
    for page in repo.iter_post_pages({"match_all": {}}, fields=["text", "status"], page_size=batch_size):
        texts = [post.get("text") or "" for post in page]
        predictions = classifier.predict(texts)
        explained = iter(classifier.explain_many([t for t, p in zip(texts, predictions, strict=True) if p.flagged],
                                                 [p for p in predictions if p.flagged]))
        updates, moves = [], []
        for post, prediction, near in zip(page, predictions, near_duplicates.fields_many(texts), strict=True):
            explanations = next(explained) if prediction.flagged else {}
            fields = {**prediction.index_fields(explanations), **near}
            if post.get("status") in UNREVIEWED:
                fields["categories"] = prediction.labels
                target = lifecycle.initial_status(prediction.flagged)
                if target != post["status"]:
                    moves.append((post["id"], target))
            updates.append((post["id"], fields))
        summary.errors += len(repo.bulk_update_posts(updates).errors)
        for post_id, target in moves:
            try:
                lifecycle.transition(repo, post_id, target, actor="classifier",
                                     reason=audit_reasons.reason("rescored", version=classifier.version))
            except (lifecycle.ConcurrentChange, lifecycle.TransitionError):
                continue  # a reviewer took it meanwhile: their decision wins
            summary.newly_flagged += target == "flagged"
            summary.unflagged += target == "collected"
        summary.posts += len(page)
        log(f"  … {summary.posts:,}/{total:,} posts re-scored")
    summary.seconds = time.monotonic() - started
    return summary
