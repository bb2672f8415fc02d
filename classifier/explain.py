"""Explanations: which parts of the original text drove each flagged category's score.

Method (occlusion): the post is scored again once per word with that word left out; a word's
weight for a category is how much the category's log-odds drop without it (log-odds, not
probability, so that words still count when the score is saturated near 1). Because the whole
pipeline runs on each variant (normalisation, teencode, obfuscation, both views, word and character
n-grams), the spans are exact character offsets in the original text, whatever normalisation did
("m.a t.u.y" is one span). It works unchanged for any backend with the same interface.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

_WORD = re.compile(r"\S+")
_EDGE_PUNCTUATION = ".,;:!?()[]{}\"'“”‘’«»…"
MAX_WORDS = 150  # longer posts: the first 150 words are explained


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    weight: float  # drop of the category's log-odds when this word is left out

    def to_dict(self) -> dict:
        return asdict(self)


def explain(score_texts, text: str, categories: list[str], labels: list[str], *, top: int = 5,
            min_weight: float = 0.05) -> dict[str, list[Span]]:
    """score_texts(list[str]) -> rows of probabilities in `labels` order (the model alone)."""
    return explain_many(score_texts, [(text, categories)], labels, top=top, min_weight=min_weight)[0]


def explain_many(score_texts, items: list[tuple[str, list[str]]], labels: list[str], *, top: int = 5,
                 min_weight: float = 0.05) -> list[dict[str, list[Span]]]:
    """explain() of many (text, categories) at once: every variant of every text is scored in one
    call, which costs far less than one call per text (a batch is cheaper per text than a single)."""
    plans, batch = [], []
    for text, categories in items:
        if not categories or not text.strip():
            plans.append(None)
            continue
        words = [_trim(match) for match in list(_WORD.finditer(text))[:MAX_WORDS]]
        words = [(start, end) for start, end in words if end > start]
        plans.append((text, categories, words, len(batch)))
        batch += [text, *(text[:start] + " " + text[end:] for start, end in words)]
    rows = np.asarray(score_texts(batch), dtype=float) if batch else np.zeros((0, len(labels)))
    clipped = np.clip(rows, 1e-6, 1 - 1e-6)
    log_odds = np.log(clipped) - np.log1p(-clipped)
    results = []
    for plan in plans:
        if plan is None:
            results.append({})
            continue
        text, categories, words, offset = plan
        base, variants, result = log_odds[offset], log_odds[offset + 1:offset + 1 + len(words)], {}
        for code in categories:
            column = labels.index(code)
            spans = [Span(start, end, text[start:end], round(float(base[column] - row[column]), 3))
                     for (start, end), row in zip(words, variants, strict=True)]
            spans = sorted((s for s in spans if s.weight >= min_weight), key=lambda s: -s.weight)[:top]
            result[code] = sorted(spans, key=lambda s: s.start)
        results.append(result)
    return results


def _trim(match: re.Match) -> tuple[int, int]:
    start, end = match.start(), match.end()
    word = match.group(0)
    leading = len(word) - len(word.lstrip(_EDGE_PUNCTUATION))
    trailing = len(word) - len(word.rstrip(_EDGE_PUNCTUATION))
    return start + leading, max(start + leading, end - trailing)
