"""Search over the index for analysts."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from index.lifecycle import STATUSES
from review_ui.security import login_required, repository

bp = Blueprint("search", __name__)
PAGE_SIZE = 20


@bp.route("/search")
@login_required("analyst", "reviewer", "supervisor")
def search():
    text = request.args.get("q", "")[:500]
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    page = max(1, min(request.args.get("page", 1, type=int), 500))
    total, hits = repository().search_posts(text, status=status, size=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template("search/results.html", q=text, status=status, statuses=STATUSES, total=total,
                           hits=hits, page=page, pages=max(1, -(-total // PAGE_SIZE)))
