"""Watch rules: analysts' terms and patterns per category (classifier/rules/watch_rules.yml),
matched on the normalised text, reported beside the model's scores and combined with them.

How a rule hit combines with the model (one documented way):

    combined = 1 - (1 - model) * (1 - weight)        (noisy-OR; one hit per category counts)

so a hit can only raise a score, a weight of 0.6 on its own lifts a score of 0 to 0.6, and a
category is flagged when its combined score reaches the model's threshold for it. In a framing
context (below) a hit is reported but raises nothing: "cảnh giác việc nhẹ lương cao" in a police
warning is not a recruiter's ad. Reviewers see
the rule hits separately, so they know when a flag comes from a rule and not from the model.

Context frames (the file's `context:` section) separate talking about harm from doing it:

- a *framing* frame (reporting, prevention, education, help sought by a parent…) multiplies the
  model's odds for every category by its `factor`, unless a `solicitation` term (contact, price,
  link, top-up…) is also there: a warning about grooming is not grooming, an ad that quotes a
  warning still is;
- the `disclosure` frame marks a child telling of harm done to them ("em bị … phải làm sao"): its
  categories are flagged from `threshold_factor` times their threshold, and the prediction carries
  a disclosure marker so that the unit refers the child to child protection, not a takedown. A
  post framed as a parent's or a teacher's question is not a child's disclosure.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, groupby
from operator import itemgetter
from pathlib import Path

import numpy as np
import yaml

from classifier.normalize import fold, normalize
from classifier.rule_prefilter import candidates
from classifier.rule_terms import TermIndex
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


@dataclass(frozen=True)
class ContextFrame:
    name: str
    factor: float  # the model's odds are multiplied by it (framing frames)
    terms: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]
    categories: tuple[str, ...] = ()  # disclosure: the categories a child may disclose
    threshold_factor: float = 1.0  # disclosure: their thresholds are multiplied by it


SOLICITATION, DISCLOSURE, THIRD_PARTY = "solicitation", "disclosure", "help_seeking"


@dataclass(frozen=True)
class Context:
    """What the context frames make of one post."""

    frames: tuple[str, ...] = ()  # every frame that matched, in name order
    factor: float = 1.0  # applied to the model's odds
    disclosure: ContextFrame | None = None


NO_CONTEXT = Context()


class WatchRules:
    def __init__(self, rules: dict[str, CategoryRules], source: str = "",
                 context: dict[str, ContextFrame] | None = None) -> None:
        self.rules = rules
        self.source = source
        self.context = context or {}
        # Frames are matched like categories' terms and patterns, by a WatchRules of their own.
        self._context_rules = WatchRules({name: CategoryRules(1.0, frame.terms, frame.patterns)
                                          for name, frame in self.context.items()}) if self.context else None
        # Hits come in the file's order: each category's terms, then its patterns one by one.
        self._order: dict[tuple[str, str | None], int] = {}
        for code, rule in rules.items():
            for name in ([None] if rule.terms else []) + [pattern.pattern for pattern in rule.patterns]:
                self._order[(code, name)] = len(self._order)
        # Terms are matched token by token on the normalised text, whole tokens only (a contraction
        # is one token: "my daughter" is not in "my daughter's"); longer terms first.
        self._by_first_token: dict[str, list[tuple[int, str, tuple[str, ...]]]] = {}
        for code, rule in rules.items():
            for term in sorted(rule.terms, key=len, reverse=True):
                tokens = tuple(fold(normalize(term)).split(" "))
                self._by_first_token.setdefault(tokens[0], []).append((self._order[(code, None)], code, tokens))
        self._term_index = TermIndex([(code, tokens) for entries in self._by_first_token.values()
                                      for _, code, tokens in entries])
        self._has_patterns = any(rule.patterns for rule in rules.values())

    @classmethod
    def load(cls, path: Path = DEFAULT_RULES) -> WatchRules:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise RulesError(f"Cannot read watch rules {path}: {error}") from None
        if not isinstance(raw, dict):
            raise RulesError(f"{path}: expected a mapping of category code -> rules.")
        rules = {}
        context = _load_context(raw.pop("context", None) or {}, path.name)
        for code, entry in raw.items():
            where = f"{path.name}: {code}"
            if code not in CODES:
                raise RulesError(f"{where}: unknown category (known: {', '.join(CODES)}).")
            if not isinstance(entry, dict):
                raise RulesError(f"{where}: expected weight, terms and patterns.")
            weight = _fraction(entry, "weight", 0.5, where)
            terms, compiled = _terms_and_patterns(entry, where)
            rules[code] = CategoryRules(weight, terms, compiled)
        return cls(rules, str(path), context)

    @property
    def context_reach(self) -> float:
        """Frames change nothing for a post whose scores are all below this share of their
        thresholds (framing only lowers scores; a disclosure lowers thresholds this far)."""
        disclosure = self.context.get(DISCLOSURE)
        return disclosure.threshold_factor if disclosure else 1.0

    def contexts_many(self, folded_tokens: list[list[str]] | None = None,
                      folded_texts: list[str] | None = None) -> list[Context]:
        """The context of each diacritic-free normalised text (given as tokens or as texts)."""
        count = len(folded_tokens if folded_tokens is not None else folded_texts)
        if self._context_rules is None:
            return [NO_CONTEXT] * count
        if folded_tokens is None:
            folded_tokens = list(map(_tokens_of, folded_texts))
        found = self._context_rules.categories_many(folded_tokens)
        return [self._context_of(names) if names else NO_CONTEXT for names in found]

    def categories_many(self, token_lists: list[list[str]]) -> list[set[str]]:
        """The categories with at least one hit in each diacritic-free normalised text given as its
        tokens: {hit.category for hit in match_tokens_many(...)[i]}, without working out the hits."""
        found = self._term_index.categories_many(token_lists)
        if self._has_patterns:
            texts = [" ".join(tokens) for tokens in token_lists]
            for names, row in zip(found, self._pattern_hits(texts), strict=True):
                names.update(hit.category for hit in row)
        return found

    def _context_of(self, names: set[str]) -> Context:
        disclosure = self.context.get(DISCLOSURE) if DISCLOSURE in names and THIRD_PARTY not in names else None
        factor = 1.0
        if disclosure is None and SOLICITATION not in names:
            factor = min((self.context[name].factor for name in names
                          if name not in (SOLICITATION, DISCLOSURE)), default=1.0)
        return Context(tuple(sorted(names)), factor, disclosure)

    def match(self, text: str) -> list[RuleHit]:
        return self.match_folded(fold(normalize(text)))

    def match_folded(self, folded: str) -> list[RuleHit]:
        """Match on the diacritic-free normalised view (what classifier.normalize.views gives)."""
        return self.match_folded_many([folded])[0]

    def match_folded_many(self, folded_texts: list[str]) -> list[list[RuleHit]]:
        """match_folded() of many texts (each a diacritic-free normalised text: tokens one space apart)."""
        return self.match_tokens_many(list(map(_tokens_of, folded_texts)))

    def _pattern_hits(self, folded_texts: list[str]) -> list[list[RuleHit]]:
        """The patterns' hits in each text, exactly as each regex over each text, but fast: each regex
        runs once over the texts joined one per line, with its leading word-boundary test left out
        (a regex that starts with one cannot skip ahead to the characters its terms start with) and
        checked on each match instead. A match that fails the check or spans a line break (possible
        only with patterns such as \\s or [^x]) may hide a real one: its text is matched again with
        the exact regex."""
        texts = [text.replace("\n", " ") for text in folded_texts]
        everything = (list(range(len(texts))), list(accumulate((len(text) + 1 for text in texts), initial=0)),
                      "\n".join(texts))
        hits: list[list[RuleHit]] = [[] for _ in texts]
        for code, exact in self._patterns():
            name = exact.pattern
            fast, boundary = _without_leading_boundary(exact)
            # Only the texts that hold what every match must (classifier/rule_prefilter.py).
            rows = candidates(fast, texts)
            if rows is None or len(rows) > len(texts) // 2:
                rows, starts, joined = everything
            else:
                starts = list(accumulate((len(texts[row]) + 1 for row in rows), initial=0))
                joined = "\n".join([texts[row] for row in rows])
            found: dict[int, list[RuleHit]] = {}
            redo = set()
            for m in fast.finditer(joined):
                place = bisect_right(starts, m.start()) - 1
                if "\n" in m.group(0) or not boundary(joined, m.start()):
                    redo.update(rows[place:bisect_right(starts, m.end())])
                    continue
                offset = starts[place]
                found.setdefault(rows[place], []).append(RuleHit(code, name, m.start() - offset, m.end() - offset))
            for row in redo:
                found[row] = [RuleHit(code, name, m.start(), m.end()) for m in exact.finditer(texts[row])]
            for row, row_hits in found.items():
                hits[row].extend(row_hits)
        return hits

    def match_tokens_many(self, token_lists: list[list[str]]) -> list[list[RuleHit]]:
        """The hits in diacritic-free normalised texts given as their tokens (each text is
        " ".join(tokens)), in the file's order of the rules, then by position: terms are looked up
        token by token (a normalised text has its terms' tokens one space apart), patterns run as
        regexes. A category's term matches do not overlap: the next starts after the last."""
        if self._has_patterns:
            hits = self._pattern_hits([" ".join(tokens) for tokens in token_lists])
        else:
            hits = [[] for _ in token_lists]
        by_first = self._by_first_token
        # Python only where a whole term is (TermIndex finds those for the batch at once); the
        # rest of a row's tokens can neither match nor change where the next match may start.
        rows, positions, _ = self._term_index.matches(token_lists)
        places = dict.fromkeys(zip(rows.tolist(), positions.tolist(), strict=True))
        for row, places_in_row in groupby(places, key=itemgetter(0)):
            tokens = token_lists[row]
            found = []
            free_from: dict[str, int] = {}  # a category's next match starts after its last one
            for _, position in places_in_row:
                for ordinal, code, term in by_first[tokens[position]]:
                    if position >= free_from.get(code, 0) and tuple(tokens[position:position + len(term)]) == term:
                        free_from[code] = position + len(term)
                        found.append((ordinal, position, code, term))
            if found:
                offsets = list(accumulate((len(token) + 1 for token in tokens), initial=0))
                found = [(ordinal, RuleHit(code, " ".join(term), offsets[position],
                                           offsets[position + len(term)] - 1))
                         for ordinal, position, code, term in found]
                merged = [(self._order[(hit.category, hit.rule)], hit.start, hit) for hit in hits[row]]
                merged += [(ordinal, hit.start, hit) for ordinal, hit in found]
                hits[row] = [hit for _, _, hit in sorted(merged, key=lambda item: item[:2])]
        return hits

    def _patterns(self):
        """(category, regex) for every pattern, in the file's order."""
        for code, rules in self.rules.items():
            for pattern in rules.patterns:
                yield code, pattern

    def combine(self, scores: dict[str, float], hits: list[RuleHit], factor: float = 1.0) -> dict[str, float]:
        """Scores raised by the hits (noisy-OR). In a framing context (`factor` < 1: a report, a
        warning, a lesson, without a solicitation) the hits are reported but raise nothing: a warning
        that quotes a recruiter's words is not the recruiter's ad, and the model's framed score decides."""
        combined = dict(scores)
        if factor < 1.0:
            return combined
        for code in {hit.category for hit in hits}:
            weight = self.rules[code].weight
            combined[code] = round(1 - (1 - combined.get(code, 0.0)) * (1 - weight), 4)
        return combined


def in_context(probabilities: np.ndarray, contexts: list[Context]) -> np.ndarray:
    """Probabilities (one row per text) with each text's odds multiplied by its context's factor."""
    factors = np.array([context.factor for context in contexts])
    framed = factors != 1.0
    result = np.array(probabilities, dtype=float)
    if framed.any():
        odds = result[framed] * factors[framed, None]
        result[framed] = odds / (odds + 1 - result[framed])
    return result


def _load_context(raw, file_name: str) -> dict[str, ContextFrame]:
    if not isinstance(raw, dict):
        raise RulesError(f"{file_name}: context: expected a mapping of frame name -> terms and patterns.")
    frames = {}
    for name, entry in raw.items():
        where = f"{file_name}: context: {name}"
        if not isinstance(entry, dict):
            raise RulesError(f"{where}: expected factor, terms and patterns.")
        categories = entry.get("categories") or []
        unknown = [code for code in categories if code not in CODES]
        if unknown:
            raise RulesError(f"{where}: unknown category {unknown[0]!r}.")
        frames[name] = ContextFrame(name, _fraction(entry, "factor", 1.0, where), *_terms_and_patterns(entry, where),
                                    tuple(categories), _fraction(entry, "threshold_factor", 1.0, where))
    if DISCLOSURE in frames and not frames[DISCLOSURE].categories:
        raise RulesError(f"{file_name}: context: disclosure: list the categories a child may disclose.")
    return frames


def _fraction(entry: dict, key: str, default: float, where: str) -> float:
    value = entry.get(key, default)
    if not isinstance(value, int | float) or not 0 < value <= 1:
        raise RulesError(f"{where}: {key} must be a number in (0, 1].")
    return float(value)


def _terms_and_patterns(entry: dict, where: str) -> tuple[tuple[str, ...], tuple[re.Pattern, ...]]:
    terms = entry.get("terms") or []
    if not all(isinstance(t, str) and t.strip() for t in terms):
        raise RulesError(f"{where}: terms must be non-empty strings.")
    compiled = []
    for pattern in entry.get("patterns") or []:
        if isinstance(pattern, dict):  # a named pattern: {name: shown in the UI, pattern: the regex}
            if not (isinstance(pattern.get("name"), str) and pattern["name"].strip()):
                raise RulesError(f"{where}: a pattern written as a mapping needs a name.")
            pattern = pattern.get("pattern")
        try:
            compiled.append(re.compile(pattern))
        except (re.error, TypeError) as error:
            raise RulesError(f"{where}: bad pattern {pattern!r}: {error}") from None
    return tuple(terms), tuple(compiled)


def _tokens_of(folded: str) -> list[str]:
    """The tokens of a diacritic-free normalised text (one space apart; a line break counts as one)."""
    return folded.replace("\n", " ").split(" ") if folded else []


def _is_word(text: str, position: int) -> bool:
    if not 0 <= position < len(text):
        return False
    char = text[position]
    return char.isalnum() or char == "_"  # what \\w matches in a str pattern


def _not_after_word(text: str, position: int) -> bool:
    return not _is_word(text, position - 1)


def _not_after_word_or_apostrophe(text: str, position: int) -> bool:
    return not _is_word(text, position - 1) and not (position > 0 and text[position - 1] == "'")


def _at_boundary(text: str, position: int) -> bool:
    return _is_word(text, position - 1) != _is_word(text, position)


def _always(text: str, position: int) -> bool:
    return True


@lru_cache(maxsize=1024)
def _without_leading_boundary(regex: re.Pattern):
    """(regex without a leading (?<!\\w) or \\b, the test to apply at each match's start instead)."""
    for prefix, test in (("(?<!\\w)", _not_after_word), ("(?<![\\w'])", _not_after_word_or_apostrophe),
                         ("\\b", _at_boundary)):
        if regex.pattern.startswith(prefix):
            try:
                return re.compile(regex.pattern[len(prefix):], regex.flags), test
            except re.error:
                break
    return regex, _always


def rules_only_scores(rules: WatchRules, texts: list[str]):
    """The keyword-only baseline: a category scores its rule weight when a rule hits, else 0."""
    import numpy as np
    scores = np.zeros((len(texts), len(CODES)))
    for row, text in enumerate(texts):
        for hit in rules.match(text):
            scores[row, CODES.index(hit.category)] = rules.rules[hit.category].weight
    return scores, scores > 0
