"""Which texts a watch-rule regex can match at all, found with plain substring tests.

Python's regex engine has no literal prefilter for a pattern such as `(em|e) (bao nhieu|may) tuoi`
or `\\d+ ?(k|tr|nghin|trieu)`: it tries a match at every "e" or every digit of a batch. Yet every
match of such a pattern contains " tuoi", and one of "0"…"9": a text without them cannot match.
`required_literals` reads those requirements off the top level of the parsed pattern (literal runs,
groups of literal alternatives, digit classes), and `candidates` keeps the texts that meet the most
selective of them, so the regex runs over a few texts instead of all. A pattern it cannot read (or
one whose requirements are many alternatives, like a long term list) is simply run over every text:
the hits are the same either way (tests compare them).
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # the parser behind re.compile; private, so anything unexpected turns the prefilter off
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - older or other Pythons
    _sre = _sre_parse = None



class _Digit(tuple):
    """The requirement "a digit" (any Unicode digit, as \\d matches), tested with a regex; equal
    only to itself, never to a literal requirement that happens to read the same."""

    __eq__ = object.__eq__
    __hash__ = object.__hash__


DIGIT = _Digit(("\\d",))
_A_DIGIT = re.compile(r"\d")
MAX_ALTERNATIVES = 10  # past this many substring tests per text, the regex itself is as quick
USED = 2  # requirements tested per text (the most selective ones)


@lru_cache(maxsize=1024)
def required_literals(regex: re.Pattern) -> tuple[tuple[str, ...], ...]:
    """Alternatives of which every match contains at least one, for each requirement found, the most
    selective first (longest shortest string, then fewest alternatives); () when none is known."""
    if _sre_parse is None or regex.flags & re.IGNORECASE:
        return ()
    try:
        parsed = _sre_parse.parse(regex.pattern, regex.flags)
        found = _requirements(list(parsed))
    except Exception:  # noqa: BLE001 - an unreadable pattern is run over every text
        return ()
    found = [alternatives for alternatives in dict.fromkeys(found)
             if 0 < len(alternatives) <= MAX_ALTERNATIVES and all(alternatives)]
    found.sort(key=lambda alternatives: (-(1 if alternatives is DIGIT else min(map(len, alternatives))),
                                         len(alternatives)))
    return tuple(found[:USED])


def candidates(regex: re.Pattern, texts: list[str]) -> list[int] | None:
    """The rows of `texts` the regex may match; None when it may match any."""
    required = required_literals(regex)
    if not required:
        return None
    rows = range(len(texts))
    for alternatives in required:
        if alternatives is DIGIT:
            search = _A_DIGIT.search
            rows = [row for row in rows if search(texts[row])]
            continue
        kept: set[int] = set()
        for literal in alternatives:  # a substring test per text and alternative, no Python loop inside
            kept.update([row for row in rows if literal in texts[row]])
        rows = sorted(kept)
    return list(rows)


def _requirements(items: list) -> list[tuple[str, ...]]:
    """Requirements of a sequence of parsed items (each must match, in order)."""
    found: list[tuple[str, ...]] = []
    run: list[str] = []
    for op, argument in items:
        if op is _sre.LITERAL:
            run.append(chr(argument))
            continue
        if run:
            found.append(("".join(run),))
            run = []
        if op is _sre.SUBPATTERN:
            inner = list(argument[-1])
            alternatives = _alternatives(inner)
            if alternatives:
                found.append(alternatives)
            else:
                found.extend(_requirements(inner))
        elif op is _sre.IN:
            characters = _characters(argument)
            if characters:
                found.append(characters)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and argument[0] >= 1:
            found.extend(_requirements(list(argument[2])))
        # anything else (AT, ANY, lookarounds, optional repeats, branches of mixed items) requires nothing known
    if run:
        found.append(("".join(run),))
    return found


def _alternatives(items: list) -> tuple[str, ...] | None:
    """The strings a group of literal alternatives ("em|e") matches, or None if it is anything else."""
    if len(items) == 1 and items[0][0] is _sre.BRANCH:
        strings = [_literal(list(branch)) for branch in items[0][1][1]]
        return tuple(strings) if all(s is not None for s in strings) else None
    single = _literal(items)
    return (single,) if single is not None else None


def _literal(items: list) -> str | None:
    if items and all(op is _sre.LITERAL for op, _ in items):
        return "".join(chr(argument) for _, argument in items)
    return None


def _characters(argument) -> tuple[str, ...] | None:
    """The characters a class such as [0-9] or [ab] matches, DIGIT for \\d, or None."""
    if list(argument) == [(_sre.CATEGORY, _sre.CATEGORY_DIGIT)]:
        return DIGIT
    characters: list[str] = []
    for op, value in argument:
        if op is _sre.LITERAL:
            characters.append(chr(value))
        elif op is _sre.RANGE and value[1] - value[0] < MAX_ALTERNATIVES:
            characters.extend(chr(code) for code in range(value[0], value[1] + 1))
        else:
            return None
    return tuple(dict.fromkeys(characters)) or None
