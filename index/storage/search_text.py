"""The search field that matches teencode and obfuscation: each post's text read by the classifier's
normaliser, then folded ("ko can bo me", "z@lo", "m.a t.u.y" -> "khong can bo me", "zalo", "ma tuy").

Queries are read the same way (index.storage.queries.SearchRequest.normalized_text), so both sides agree.
Every post written by the repository gets the field (add_fields); posts stored before it existed get
it from `backfill`, which `safewatch index migrate` runs (the mapping change itself is additive).
"""

from __future__ import annotations

from collections.abc import Callable

from classifier.normalize import fold, normalize_many
from index.storage.queries import NORMALIZED_FIELD

BACKFILL_PAGE = 500


def normalized_many(texts: list[str]) -> list[str]:
    """fold(normalize(text)) of each text, in one pass of the normaliser."""
    return [fold(text) for text in normalize_many(texts)]


def add_fields(documents: list[dict]) -> None:
    """Set NORMALIZED_FIELD on each document that has a text (in place)."""
    with_text = [doc for doc in documents if isinstance(doc.get("text"), str)]
    for doc, normalized in zip(with_text, normalized_many([doc["text"] for doc in with_text]), strict=True):
        doc[NORMALIZED_FIELD] = normalized


def backfill(repo, *, log: Callable[[str], None] = print) -> int:
    """Write NORMALIZED_FIELD on every stored post with a text and without it; returns how many.
    Only that field is written (a partial update): reviews, statuses and notices are untouched."""
    mapping = repo.client.indices.get_mapping(index=repo.posts)
    if not any(NORMALIZED_FIELD in index["mappings"].get("properties", {}) for index in mapping.values()):
        return 0  # the posts index is not migrated yet
    missing = {"bool": {"filter": [{"exists": {"field": "text"}}],
                        "must_not": [{"exists": {"field": NORMALIZED_FIELD}}]}}
    written = 0
    pages = list(repo.iter_post_pages(missing, fields=["text"], page_size=BACKFILL_PAGE))
    for page in pages:
        texts = [post.get("text") or "" for post in page]
        updates = [(post["id"], {NORMALIZED_FIELD: value})
                   for post, value in zip(page, normalized_many(texts), strict=True)]
        result = repo.bulk_update_posts(updates)
        if result.errors:
            raise RuntimeError(f"{len(result.errors)} post(s) could not get their search text: "
                               f"{result.errors[0]}")
        written += result.ok
    if written:
        repo.client.indices.refresh(index=repo.posts)
        log(f"{repo.posts}: search text written on {written} post(s) stored before it existed")
    return written
