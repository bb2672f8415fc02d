"""The one reading of a search's query string (/search, its CSV, saved searches): names, values and
their limits, the page. Dates and their order are checked by SearchRequest itself.

Lenient (the search page): unknown choices (a status, a category, a sort) are dropped and long values
cut, so a stale link still shows something. Strict (saving a search): each of those is an error.
A date, a page or a page position that is not one is an error either way (QueryError says which).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from index.storage.queries import SORTS, QueryError, SearchRequest, parse_search_after
from safewatch.statuses import STATUSES
from safewatch.taxonomy import CODES

SINGLE = ("q", "reviewer", "from", "to", "sort")  # one value each
MULTIPLE = ("status", "category", "platform", "source")  # any number of values
PARAMETERS = (*SINGLE, *MULTIPLE)  # what a search is (what a saved search keeps)
POSITION = ("page", "after")  # where in its results a page is
MAX_TEXT_CHARS = 500  # q
MAX_VALUE_CHARS = 200  # every other value
MAX_PAGE_DIGITS = 6
_CHOICES = {"status": STATUSES, "category": CODES, "sort": tuple(SORTS)}


def read_search(values: Mapping[str, Sequence[str]], *, size: int = 20, strict: bool = False,
                facets: bool = True) -> SearchRequest:
    """The SearchRequest of a query string given as name -> its values (blank values ignored)."""
    def many(name: str) -> tuple[str, ...]:
        kept = []
        for value in (v.strip() for v in values.get(name, ()) if isinstance(v, str)):
            limit = {"q": MAX_TEXT_CHARS, "after": None}.get(name, MAX_VALUE_CHARS)  # after: its own check
            if value and limit and len(value) > limit:
                if strict:
                    raise QueryError("'%(name)s' is too long (at most %(length)d characters).", name=name,
                                     length=limit)
                value = value[:limit]
            if value and name in _CHOICES and value not in _CHOICES[name]:
                if strict:
                    _unknown(name, value)
                continue
            if value:
                kept.append(value)
        return tuple(kept)

    def one(name: str) -> str | None:
        found = many(name)
        return found[0] if found else None

    sort = one("sort") or "relevance"
    return SearchRequest(
        text=one("q") or "", statuses=many("status"), categories=many("category"), platforms=many("platform"),
        sources=many("source"), reviewer=one("reviewer"), date_from=one("from"), date_to=one("to"), sort=sort,
        size=size, facets=facets, page=_page(one("page")),
        search_after=parse_search_after(one("after"), sort))


def _unknown(name: str, value: str) -> None:
    if name == "status":
        raise QueryError("Unknown status '%(status)s'.", status=value[:40])
    if name == "category":
        raise QueryError("Unknown category '%(category)s'.", category=value[:40])
    raise QueryError("Unknown sort '%(sort)s'; use one of %(sorts)s.", sort=value[:40], sorts=", ".join(SORTS))


def _page(text: str | None) -> int:
    if text is None:
        return 1
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_PAGE_DIGITS or int(text) < 1:
        raise QueryError("The page must be a whole number from 1.")
    return int(text)
