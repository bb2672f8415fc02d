"""The review queue: the posts waiting for review (filtered, sorted, with their age and who holds the
ones being reviewed), and "Next", which claims the most urgent (or gives back the post already held)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from index.casework import lifecycle
from index.storage.queries import QueryError
from index.storage.review_queue import (
    AGES,
    REVIEW_FIELDS,
    SORTS,
    QueueRequest,
    age_of,
    as_stored_now,
    max_label_severity,
    page_body,
    read_page,
)
from review_ui.language import error_text
from review_ui.security import landing_url, login_required, repository
from review_ui.wellbeing import track_exposure
from safewatch.errors import SafeWatchError
from safewatch.taxonomy import CATEGORIES

bp = Blueprint("queue", __name__)


@login_required()
def home():
    return redirect(landing_url())


@bp.route("/queue")
@login_required("reviewer", "supervisor")
def queue():
    status = 200
    try:
        asked = QueueRequest.from_args(request.args)
    except QueryError as error:
        flash(error_text(error), "error")
        asked, status = QueueRequest(), 400
    now = datetime.now(UTC)
    repo = repository()
    posts, facets = read_page(repo.review_queue_page(page_body(asked, now=now)))
    posts = as_stored_now(posts, repo.post_fields([post["id"] for post in posts], list(REVIEW_FIELDS)))
    for post in posts:
        post["age_text"] = age_text(age_of(post, now))
        post["label_severity"] = max_label_severity(post)
        post["held"] = post.get("status") == "in_review" and (post.get("claim_expires_at") or "") > now.isoformat()
    held = lifecycle.held_post(repo, g.user["username"], now=now)
    return render_template("queue/list.html", posts=posts, asked=asked, facets=facets, ages=AGES, sorts=SORTS,
                           held=held, categories=CATEGORIES, break_due=track_exposure()), status


def age_text(age: timedelta | None) -> str:
    if age is None:
        return "—"
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return ngettext("%(num)d min", "%(num)d min", minutes)
    if minutes < 48 * 60:
        return ngettext("%(num)d hour", "%(num)d hours", minutes // 60)
    return ngettext("%(num)d day", "%(num)d days", minutes // (24 * 60))


@bp.route("/queue/next", methods=["POST"])
@login_required("reviewer", "supervisor")
def next_post():
    return open_next_post()


def open_next_post():
    """Claim the next post for the signed-in reviewer (the one they hold, if any) and open it; the queue
    with a message when nothing waits. "Next" in the queue and decide-and-next on a post both end here."""
    try:
        post = lifecycle.claim_next(repository(), reviewer=g.user["username"], request_id=g.request_id)
    except SafeWatchError as error:
        flash(error_text(error), "error")
        return redirect(url_for("queue.queue"))
    if post is None:
        flash(gettext("The queue is empty."), "info")
        return redirect(url_for("queue.queue"))
    return redirect(url_for("post.show", post_id=post["id"]))
