"""Search over the index for analysts."""

from __future__ import annotations

import json
import math

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from index.casework import saved_searches
from index.casework.saved_searches import SavedSearchError
from index.storage.queries import MAX_RESULT_WINDOW, SORTS, QueryError, SearchRequest
from index.storage.search_query import PARAMETERS, POSITION, SINGLE, read_search
from review_ui.language import error_text
from review_ui.security import login_required, repository
from safewatch.statuses import STATUSES
from safewatch.taxonomy import CATEGORIES

bp = Blueprint("search", __name__)
PAGE_SIZE = 20


def parse_request(args) -> SearchRequest:
    """Query string -> SearchRequest (index.storage.search_query.read_search, leniently: unknown choices are
    dropped); a date, a reversed range or a page position that is not one raises QueryError (the
    page answers 400, saying which)."""
    return read_search(args.to_dict(flat=False), size=PAGE_SIZE)


def link_args(args, **changes) -> dict[str, list[str]]:
    """The query of a link to another page of this search (or its CSV): only the search's own
    parameters, so that keys url_for reads itself (_scheme, _anchor, _external, endpoint…) never
    reach it. A change of None drops that parameter."""
    kept = {name: args.getlist(name) for name in (*PARAMETERS, *POSITION) if name in args}
    kept.update({name: [value] for name, value in changes.items() if value is not None})
    return {name: values for name, values in kept.items() if name not in changes or changes[name] is not None}


FACET_PARAMETERS = {"status": "status", "category": "category", "platform": "platform", "source": "source",
                    "reviewer": "reviewer"}


def facet_args(args, facet: str, value: str) -> tuple[dict[str, list[str]], bool]:
    """The query of a facet value's link, which turns that filter on (added to the others of its
    field) or off when it is on, back on the first page; and whether it is on now."""
    name = FACET_PARAMETERS[facet]
    kept = link_args(args, page=None, after=None)
    current = kept.get(name, [])
    chosen = any(value.casefold() == v.strip().casefold() for v in current)
    if chosen:
        kept[name] = [v for v in current if v.strip().casefold() != value.casefold()]
    else:
        kept[name] = [value] if name in SINGLE else [*current, value]
    return {key: values for key, values in kept.items() if values}, chosen


def page_numbers(current: int, last: int, *, around: int = 2) -> list[int | None]:
    """The page numbers to link: the first, the last, and those near the current one; None for a gap."""
    shown = sorted({1, last, *range(max(1, current - around), min(last, current + around) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _render_error(error: QueryError):
    return render_template("search/results.html", error=error_text(error), result=None, form=request.args,
                           categories=CATEGORIES, statuses=STATUSES, sorts=SORTS), 400


@bp.route("/search")
@login_required("analyst", "reviewer", "supervisor")
def search():
    try:
        search_request = parse_request(request.args)
    except QueryError as error:
        return _render_error(error)
    result = repository().search_posts(search_request)
    last_page = max(1, min(math.ceil(result.total / PAGE_SIZE), MAX_RESULT_WINDOW // PAGE_SIZE))
    page = search_request.page if not search_request.search_after else None
    return render_template(
        "search/results.html", result=result, form=request.args, query=search_request, categories=CATEGORIES,
        statuses=STATUSES, sorts=SORTS, page=page, last_page=last_page,
        pages=page_numbers(page or 1, last_page), page_args=lambda number: link_args(
            request.args, after=None, page=str(number) if number > 1 else None),
        facet_args=lambda facet, value: facet_args(request.args, facet, value),
        csv_args=link_args(request.args, after=None, page=None),
        # A link that carries a page position ("after", before page numbers) goes on from it.
        next_args=link_args(request.args, after=json.dumps(result.next_after))
        if page is None and result.next_after else None,
        chart_peak=max((count for _, count in result.per_day), default=0),
        saved=saved_searches.list_saved_searches(repository(), g.user["username"], with_counts=True),
        query_string=_query_string())


def _query_string() -> str | None:
    """This search as a saved search keeps it (index/casework/saved_searches.py decides what that is); None
    when it could not be saved (the page then offers no "save" form)."""
    try:
        return saved_searches.normalize_query(request.query_string.decode("utf-8", "replace"))
    except SavedSearchError:
        return None


@bp.route("/search/saved", methods=["POST"])
@login_required("analyst", "reviewer", "supervisor")
def save():
    """Save the search in the form under a name (the same name replaces the earlier one)."""
    query = request.form.get("query", "")
    try:
        saved = saved_searches.save_search(repository(), g.user["username"], request.form.get("name", ""), query,
                                           request_id=g.request_id)
    except SavedSearchError as error:
        flash(error_text(error), "error")
        return redirect(url_for("search.search") + ("?" + query if query and len(query) <= 2000 else ""))
    flash(gettext("Search saved as “%(name)s”.", name=saved["name"]), "success")
    return redirect(url_for("search.search") + ("?" + saved["query"] if saved["query"] else ""))


@bp.route("/search/saved/<search_id>/delete", methods=["POST"])
@login_required("analyst", "reviewer", "supervisor")
def delete_saved(search_id: str):
    try:
        deleted = saved_searches.delete_saved_search(repository(), g.user["username"], search_id,
                                                     request_id=g.request_id)
    except SavedSearchError as error:
        flash(error_text(error), "error")
    else:
        flash(gettext("Saved search “%(name)s” deleted.", name=deleted["name"]), "success")
    return redirect(url_for("search.search"))


EXPORT_LIMIT = 10_000
# The CSV's column headings, in the UI's language (the values stay as stored: codes, ISO times).
EXPORT_HEADINGS = (lazy_gettext("Post ID"), "URL", lazy_gettext("Status"), lazy_gettext("Categories"),
                   lazy_gettext("Classifier labels"), lazy_gettext("Highest score"), lazy_gettext("Platform"),
                   lazy_gettext("Source"), lazy_gettext("Account"), lazy_gettext("Posted at"),
                   lazy_gettext("Collected at"), lazy_gettext("Reviewer"), lazy_gettext("Content hash"),
                   lazy_gettext("Evidence SHA-256"), lazy_gettext("Text"))


@bp.route("/search.csv")
@login_required("analyst", "supervisor")
def export_csv():
    """The whole result set (up to EXPORT_LIMIT rows) as CSV: UTF-8 with a BOM for Excel, every cell
    safe from formula injection, the export recorded in the audit trail."""
    import csv
    import io
    from dataclasses import replace

    from flask import Response, g

    from review_ui.report_exports import neutralised
    try:
        search_request = replace(parse_request(request.args), size=500, facets=False, search_after=(), page=1)
    except QueryError as error:
        return _render_error(error)
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow([str(heading) for heading in EXPORT_HEADINGS])
    rows = 0
    while rows < EXPORT_LIMIT:
        result = repository().search_posts(search_request)
        for hit in result.hits[:EXPORT_LIMIT - rows]:
            evidence = hit.get("evidence") or {}
            writer.writerow([neutralised(value) for value in (
                hit["id"], hit.get("url"), hit.get("status"), " ".join(hit.get("categories") or []),
                " ".join(hit.get("labels") or []), hit.get("max_score"), hit.get("platform"), hit.get("source"),
                hit.get("author"), hit.get("published_at"), hit.get("collected_at"), hit.get("reviewer"),
                hit.get("content_hash"), evidence.get("sha256"), (hit.get("text") or "")[:2000])])
            rows += 1
        if not result.next_after:
            break
        search_request = replace(search_request, search_after=tuple(result.next_after))
    repository().append_event({"action": "search_exported", "actor": g.user["username"], "request_id": g.request_id,
                               "details": {"query": request.args.to_dict(flat=False), "rows": rows}})
    return Response(("\ufeff" + stream.getvalue()).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=safewatch-search.csv"})
