"""The review queue: the list of posts waiting for review, and "Next", which claims the most urgent."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext

from index import lifecycle
from review_ui.language import error_text
from review_ui.security import landing_url, login_required, repository
from review_ui.wellbeing import track_exposure
from safewatch.errors import SafeWatchError

bp = Blueprint("queue", __name__)


@login_required()
def home():
    return redirect(landing_url())


@bp.route("/queue")
@login_required("reviewer", "supervisor")
def queue():
    posts = repository().review_queue(size=100, reviewer=g.user["username"])
    return render_template("queue/list.html", posts=posts, break_due=track_exposure())


@bp.route("/queue/next", methods=["POST"])
@login_required("reviewer", "supervisor")
def next_post():
    try:
        post = lifecycle.claim_next(repository(), reviewer=g.user["username"], request_id=g.request_id)
    except SafeWatchError as error:
        flash(error_text(error), "error")
        return redirect(url_for("queue.queue"))
    if post is None:
        flash(gettext("The queue is empty."), "info")
        return redirect(url_for("queue.queue"))
    return redirect(url_for("post.show", post_id=post["id"]))
