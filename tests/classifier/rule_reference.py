"""What watch-rule matching must give, the slow and obvious way: per category, one regex of its terms
(each at token boundaries: not after or before a word character or an apostrophe, longest first),
then each pattern, every regex run over every text on its own. The fast matching (terms token by
token, patterns over a batch) is tested against this."""

from __future__ import annotations

import re

from classifier.normalize import fold, normalize
from classifier.rules import CategoryRules, WatchRules


def term_regex(terms) -> re.Pattern:
    return re.compile(r"(?<![\w'])(?:" + "|".join(
        re.escape(fold(normalize(term))) for term in sorted(terms, key=len, reverse=True)) + r")(?![\w'])")


def reference_regexes(rules: WatchRules):
    """(category, regex, name) in the file's order; name None: the matched term is the rule."""
    for code, rule in rules.rules.items():
        if rule.terms:
            yield code, term_regex(rule.terms), None
        for pattern in rule.patterns:
            yield code, pattern, pattern.pattern


def reference_hits(rules: WatchRules, folded_texts: list[str]) -> list[list[tuple[str, str, int, int]]]:
    """(category, rule, start, end) of every hit in each diacritic-free normalised text."""
    regexes = list(reference_regexes(rules))
    return [[(code, name or m.group(0), m.start(), m.end())
             for code, regex, name in regexes for m in regex.finditer(text.replace("\n", " "))]
            for text in folded_texts]


def as_tuples(hits) -> list[list[tuple[str, str, int, int]]]:
    return [[(hit.category, hit.rule, hit.start, hit.end) for hit in row] for row in hits]


def reference_frames(rules: WatchRules, folded_texts: list[str]) -> list[set[str]]:
    """The names of the context frames found in each text."""
    frames = WatchRules({name: CategoryRules(1.0, frame.terms, frame.patterns)
                         for name, frame in rules.context.items()})
    return [{code for code, _, _, _ in row} for row in reference_hits(frames, folded_texts)]
