"""Search over the index for analysts."""

from __future__ import annotations

import json

from flask import Blueprint, render_template, request

from index.queries import SORTS, QueryError, SearchRequest
from index.statuses import STATUSES
from review_ui.security import login_required, repository
from safewatch.taxonomy import CATEGORIES, CODES

bp = Blueprint("search", __name__)
PAGE_SIZE = 20


def parse_request(args) -> SearchRequest:
    """Query string -> SearchRequest; anything malformed is dropped, never passed on."""
    def many(name: str, allowed=None) -> tuple[str, ...]:
        values = [v.strip()[:200] for v in args.getlist(name) if v.strip()]
        return tuple(v for v in values if allowed is None or v in allowed)

    try:
        after = json.loads(args.get("after", "[]"))
    except ValueError:
        after = []
    if not isinstance(after, list) or not all(isinstance(v, str | int | float) for v in after):
        after = []
    return SearchRequest(
        text=args.get("q", "")[:500], statuses=many("status", STATUSES), categories=many("category", CODES),
        platforms=many("platform"), sources=many("source"), reviewer=args.get("reviewer") or None,
        date_from=_date(args.get("from")), date_to=_date(args.get("to")),
        sort=args.get("sort") if args.get("sort") in SORTS else "relevance",
        size=PAGE_SIZE, search_after=tuple(after))


def _date(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if len(value) == 10 and value[4] == "-" and value[7] == "-" and value.replace("-", "").isdigit() \
        else None


@bp.route("/search")
@login_required("analyst", "reviewer", "supervisor")
def search():
    try:
        search_request = parse_request(request.args)
    except QueryError as error:
        return render_template("search/results.html", error=str(error), result=None, form=request.args,
                               categories=CATEGORIES, statuses=STATUSES, sorts=SORTS), 400
    result = repository().search_posts(search_request)
    next_args = None
    if result.next_after:
        next_args = {**request.args.to_dict(flat=False), "after": json.dumps(result.next_after)}
    return render_template("search/results.html", result=result, form=request.args, query=search_request,
                           categories=CATEGORIES, statuses=STATUSES, sorts=SORTS, next_args=next_args)
