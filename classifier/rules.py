"""Watch rules: analysts' terms and patterns per category (classifier/rules/watch_rules.yml),
matched on the normalised text, reported beside the model's scores and combined with them.

How a rule hit combines with the model (one documented way):

    combined = 1 - (1 - model) * (1 - weight)        (noisy-OR; one hit per category counts)

so a hit can only raise a score, a weight of 0.6 on its own lifts a score of 0 to 0.6, and a
category is flagged when its combined score reaches the model's threshold for it. Reviewers see
the rule hits separately, so they know when a flag comes from a rule and not from the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from classifier.normalize import fold, normalize
from safewatch.errors import SafeWatchError
from safewatch.taxonomy import CODES

DEFAULT_RULES = Path(__file__).resolve().parent / "rules" / "watch_rules.yml"


class RulesError(SafeWatchError, ValueError):
    pass


@dataclass(frozen=True)
class RuleHit:
    category: str
    rule: str  # the term or pattern that matched
    start: int  # span in the diacritic-free normalised text
    end: int


@dataclass(frozen=True)
class CategoryRules:
    weight: float
    terms: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]


class WatchRules:
    def __init__(self, rules: dict[str, CategoryRules], source: str = "") -> None:
        self.rules = rules
        self.source = source
        # One regex per category for the terms, on word boundaries, on the folded view.
        self._terms = {code: re.compile(r"(?<!\w)(?:" + "|".join(
            re.escape(fold(normalize(term))) for term in sorted(r.terms, key=len, reverse=True)) + r")(?!\w)")
            for code, r in rules.items() if r.terms}

    @classmethod
    def load(cls, path: Path = DEFAULT_RULES) -> WatchRules:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise RulesError(f"Cannot read watch rules {path}: {error}") from None
        if not isinstance(raw, dict):
            raise RulesError(f"{path}: expected a mapping of category code -> rules.")
        rules = {}
        for code, entry in raw.items():
            where = f"{path.name}: {code}"
            if code not in CODES:
                raise RulesError(f"{where}: unknown category (known: {', '.join(CODES)}).")
            if not isinstance(entry, dict):
                raise RulesError(f"{where}: expected weight, terms and patterns.")
            weight = entry.get("weight", 0.5)
            if not isinstance(weight, int | float) or not 0 < weight <= 1:
                raise RulesError(f"{where}: weight must be a number in (0, 1].")
            terms = entry.get("terms") or []
            patterns = entry.get("patterns") or []
            if not all(isinstance(t, str) and t.strip() for t in terms):
                raise RulesError(f"{where}: terms must be non-empty strings.")
            compiled = []
            for pattern in patterns:
                try:
                    compiled.append(re.compile(pattern))
                except (re.error, TypeError) as error:
                    raise RulesError(f"{where}: bad pattern {pattern!r}: {error}") from None
            rules[code] = CategoryRules(float(weight), tuple(terms), tuple(compiled))
        return cls(rules, str(path))

    def match(self, text: str) -> list[RuleHit]:
        return self.match_folded(fold(normalize(text)))

    def match_folded(self, folded: str) -> list[RuleHit]:
        """Match on the diacritic-free normalised view (what classifier.normalize.views gives)."""
        hits = []
        for code, rules in self.rules.items():
            regex = self._terms.get(code)
            if regex:
                hits.extend(RuleHit(code, m.group(0), m.start(), m.end()) for m in regex.finditer(folded))
            for pattern in rules.patterns:
                hits.extend(RuleHit(code, pattern.pattern, m.start(), m.end()) for m in pattern.finditer(folded))
        return hits

    def combine(self, scores: dict[str, float], hits: list[RuleHit]) -> dict[str, float]:
        combined = dict(scores)
        for code in {hit.category for hit in hits}:
            weight = self.rules[code].weight
            combined[code] = round(1 - (1 - combined.get(code, 0.0)) * (1 - weight), 4)
        return combined


def rules_only_scores(rules: WatchRules, texts: list[str]):
    """The keyword-only baseline: a category scores its rule weight when a rule hits, else 0."""
    import numpy as np
    scores = np.zeros((len(texts), len(CODES)))
    for row, text in enumerate(texts):
        for hit in rules.match(text):
            scores[row, CODES.index(hit.category)] = rules.rules[hit.category].weight
    return scores, scores > 0
