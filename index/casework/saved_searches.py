"""Searches an analyst saved (a name and the query string of /search) to run again later.

One document per user and name in the saved_searches index: saving under a name the user already
has (compared without case) replaces that search. A user sees and deletes only their own. Every save
and delete is appended to the audit trail.

The query string is checked by what /search reads it with (index.storage.search_query, strictly): only its
parameters, known statuses and categories, real dates in order, a known sort. The page position
("page", "after") is dropped: a saved search starts at its first page.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

from index.storage.queries import QueryError, SearchRequest
from index.storage.repository import Repository
from index.storage.search_query import PARAMETERS, POSITION, SINGLE, read_search
from safewatch.errors import SafeWatchError

MAX_NAME_CHARS = 80
MAX_QUERY_CHARS = 2000
MAX_PER_USER = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SavedSearchError(SafeWatchError, ValueError):
    pass


class SavedSearchNotFound(SavedSearchError, LookupError):
    pass


def _values(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return values


def normalize_query(query_string: str) -> str:
    """The query string as stored: only /search's parameters, each value checked (as /search reads
    them: index.storage.search_query), blanks and the page position dropped, re-encoded. Raises
    SavedSearchError saying what is wrong."""
    query_string = query_string.strip().removeprefix("?")
    if len(query_string) > MAX_QUERY_CHARS:
        raise SavedSearchError("The search is too long to save (at most %(length)d characters).",
                               length=MAX_QUERY_CHARS)
    try:
        pairs = parse_qsl(query_string, keep_blank_values=False, strict_parsing=False, max_num_fields=100)
    except ValueError:
        raise SavedSearchError("The search has too many parameters to save.") from None
    kept, seen = [], set()
    for name, value in pairs:
        value = value.strip()
        if name in POSITION or not value:
            continue
        if name not in PARAMETERS:
            raise SavedSearchError("'%(name)s' is not a search parameter (allowed: %(allowed)s).", name=name,
                                   allowed=", ".join(PARAMETERS))
        if name in SINGLE and name in seen:
            raise SavedSearchError("'%(name)s' may be given only once.", name=name)
        seen.add(name)
        kept.append((name, value))
    try:
        read_search(_values(kept), strict=True, facets=False)
    except QueryError as error:
        raise SavedSearchError(error.template, **error.values) from None
    return urlencode(kept)


def search_request(query: str, *, size: int = 20) -> SearchRequest:
    """The SearchRequest of a stored query string (as /search builds it)."""
    try:
        return read_search(_values(parse_qsl(query)), size=size, facets=False)
    except QueryError as error:
        raise SavedSearchError(error.template, **error.values) from None


def search_id_for(username: str, name: str) -> str:
    """One id per user and name (case and spacing aside): saving the same name again replaces it."""
    key = f"{username}\n{' '.join(name.split()).casefold()}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def save_search(repo: Repository, username: str, name: str, query_string: str, *,
                request_id: str | None = None) -> dict:
    """Save (or replace, same name) a search of `username`; returns it as list_saved_searches does."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME_CHARS or _CONTROL.search(name):
        raise SavedSearchError("Give the search a name of 1 to %(length)d characters.", length=MAX_NAME_CHARS)
    query = normalize_query(query_string)
    search_id = search_id_for(username, name)
    earlier = repo.get_saved_search(search_id)
    if earlier is None and len(repo.saved_searches_of(username, size=MAX_PER_USER)) >= MAX_PER_USER:
        raise SavedSearchError("You have %(limit)d saved searches; delete some before saving more.",
                               limit=MAX_PER_USER)
    now = datetime.now(UTC).isoformat()
    search = {"search_id": search_id, "username": username, "name": name, "query": query,
              "created_at": earlier["created_at"] if earlier else now, "updated_at": now}
    repo.put_saved_search(search)
    repo.append_event({"action": "search_saved", "actor": username, "request_id": request_id,
                       "details": {"search_id": search_id, "name": name, "query": query,
                                   "replaced": earlier is not None,
                                   **({"previous_query": earlier["query"]} if earlier else {})}})
    return _public(search)


def list_saved_searches(repo: Repository, username: str, *, with_counts: bool = False) -> list[dict]:
    """The user's saved searches by name: [{id, name, query, created_at, updated_at}], with
    `count` (posts matching now, all counted in one request) when asked."""
    searches = [_public(search) for search in repo.saved_searches_of(username, size=MAX_PER_USER)]
    if with_counts and searches:
        counts = repo.count_matches([search_request(search["query"]) for search in searches])
        for search, count in zip(searches, counts, strict=True):
            search["count"] = count
    return searches


def delete_saved_search(repo: Repository, username: str, search_id: str, *, request_id: str | None = None) -> dict:
    """Delete one of the user's saved searches; returns it. Another user's search is not found."""
    search = repo.get_saved_search(search_id) if re.fullmatch(r"[0-9a-f]{24}", search_id or "") else None
    if search is None or search.get("username") != username:
        raise SavedSearchNotFound("No such saved search (it may have been deleted already).")
    repo.delete_saved_search(search_id)
    repo.append_event({"action": "saved_search_deleted", "actor": username, "request_id": request_id,
                       "details": {"search_id": search_id, "name": search["name"], "query": search["query"]}})
    return _public(search)


def _public(search: dict) -> dict:
    return {"id": search["search_id"], "name": search["name"], "query": search["query"],
            "created_at": search["created_at"], "updated_at": search["updated_at"]}
