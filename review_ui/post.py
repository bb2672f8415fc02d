"""One post: its view (text, scores, context, evidence, audit trail), claiming it, and the decision."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from index.casework import lifecycle, permissions
from index.casework.permissions import Actor
from index.storage.repository import PostNotFound
from review_ui.language import error_text
from review_ui.queue import open_next_post
from review_ui.security import login_required, may_open, repository
from review_ui.wellbeing import track_exposure
from safewatch.errors import SafeWatchError
from safewatch.taxonomy import CATEGORIES, CODES

bp = Blueprint("post", __name__, url_prefix="/posts")


@bp.route("/<post_id>")
@login_required("reviewer", "supervisor", "analyst")
def show(post_id: str):
    return _render(post_id)


def _render(post_id: str, entered: dict | None = None, status: int = 200):
    """The post page; `entered`: what the reviewer put in the decision form, shown again after an error."""
    try:
        stored = repository().get_post(post_id)
    except PostNotFound:
        abort(404)
    source = stored.source
    scores = sorted(((code, source.get("scores", {}).get(code, 0.0)) for code in CODES),
                    key=lambda item: item[1], reverse=True)
    can_decide = source.get("status") == "in_review" and source.get("claimed_by") == g.user["username"]
    can_reopen = source.get("status") in lifecycle.DECIDED_STATUSES and permissions.can(g.user, "reopen")
    entered = entered or {"categories": source.get("labels") or [], "note": "", "severity": "", "follow_up": "none",
                          "related": []}
    related = repository().related_posts(post_id, source)
    return render_template("post/show.html", post_id=post_id, post=source, scores=scores,
                           categories=CATEGORIES, category_keys=CATEGORY_KEYS, can_decide=can_decide,
                           can_reopen=can_reopen, related=related, entered=entered,
                           decidable_related=decidable_related(related),
                           events=repository().events_for(post_id, current=source),
                           break_due=track_exposure()), status


# The key of each category in the decision form, in taxonomy order: 1-9, 0, then Shift+1-4.
CATEGORY_KEYS = [*[str(n) for n in range(1, 10)], "0", "⇧1", "⇧2", "⇧3", "⇧4"]
RELATED_GROUPS = ("same_text", "near_duplicates", "author")  # the ones a decision may cover too


def decidable_related(related: dict[str, list[dict]]) -> list[dict]:
    """Related posts waiting for review (same text, near-duplicates, same author), each once."""
    seen: dict[str, dict] = {}
    for group in RELATED_GROUPS:
        for other in related.get(group, []):
            if other.get("status") in ("flagged", "in_review") and other["id"] not in seen:
                seen[other["id"]] = {**other, "group": group}
    return list(seen.values())


# The stored image itself and nothing else: no script, no sub-request, never sniffed as another type.
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@bp.route("/<post_id>/media/<int:position>")
@login_required("reviewer", "supervisor", "analyst")
def media(post_id: str, position: int):
    """One of the post's images, from the evidence store only (index/storage/media.py re-checks its type
    and bytes); never fetched from the original site."""
    from index.storage.evidence import EvidenceStore
    from index.storage.media import read_media
    try:
        post = repository().get_post(post_id).source
    except PostNotFound:
        abort(404)
    item = read_media(EvidenceStore(current_app.config["SAFEWATCH"].evidence_path), post, position)
    if item is None:
        abort(404)
    response = Response(item.body, mimetype=item.content_type)
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-SafeWatch-SHA256"] = item.sha256
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    return response


@bp.route("/<post_id>/claim", methods=["POST"])
@login_required("reviewer", "supervisor")
def claim(post_id: str):
    try:
        lifecycle.claim(repository(), post_id, reviewer=g.user["username"], request_id=g.request_id)
    except PostNotFound:
        abort(404)
    except lifecycle.AlreadyHolding as error:
        flash(error_text(error), "error")
        return redirect(url_for("post.show", post_id=error.post_id))
    except SafeWatchError as error:
        flash(error_text(error), "error")
        return redirect(url_for("queue.queue"))
    return redirect(url_for("post.show", post_id=post_id))


@bp.route("/<post_id>/release", methods=["POST"])
@login_required("reviewer", "supervisor")
def release(post_id: str):
    """Give the held post back to the queue, undecided (index.casework.lifecycle.release)."""
    try:
        lifecycle.release(repository(), post_id, reviewer=g.user["username"], request_id=g.request_id)
    except PostNotFound:
        abort(404)
    except SafeWatchError as error:
        flash(error_text(error), "error")
        return redirect(url_for("post.show", post_id=post_id))
    flash(gettext("Post released: it waits in the queue again."), "success")
    return redirect(url_for("queue.queue"))


@bp.route("/<post_id>/decision", methods=["POST"])
@login_required("reviewer", "supervisor")
def decide(post_id: str):
    """Decide the held post (and, if ticked, its related posts), then open the next post: one action."""
    action = request.form.get("action")
    if action not in ("confirm", "dismiss"):
        abort(400)
    entered = {"categories": [code for code in request.form.getlist("categories") if code in CODES],
               "note": request.form.get("note", "")[:2000], "severity": request.form.get("severity", ""),
               "follow_up": request.form.get("follow_up", "none"), "related": request.form.getlist("related")[:50]}
    follow_up = entered["follow_up"] if action == "confirm" else "none"
    decision = {"reviewer": g.user["username"], "confirm": action == "confirm", "categories": entered["categories"],
                "note": entered["note"], "follow_up": follow_up, "request_id": g.request_id,
                "severity": int(entered["severity"]) if entered["severity"].isdigit() else None}
    try:
        lifecycle.decide(repository(), post_id, **decision)
    except PostNotFound:
        abort(404)
    except SafeWatchError as error:
        flash(error_text(error), "error")
        return _render(post_id, entered, 400)
    flash(gettext("Decision saved."), "success")
    if entered["related"]:
        decided, left = lifecycle.decide_related(repository(), post_id, entered["related"], **decision)
        if decided:
            flash(ngettext("Same decision for %(num)d related post.", "Same decision for %(num)d related posts.",
                           len(decided)), "success")
        if left:
            flash(ngettext("%(num)d related post was left alone (taken or decided by someone else).",
                           "%(num)d related posts were left alone (taken or decided by someone else).",
                           len(left)), "info")
    if follow_up in ("warning", "takedown") and may_open("notices.new"):  # the next step: its draft
        return redirect(url_for("notices.new", kind=follow_up, post_id=post_id))
    if follow_up == "investigation":
        flash(gettext("Referred to investigation (recorded)."), "success")
    return open_next_post()  # decide-and-next


@bp.route("/<post_id>/reopen", methods=["POST"])
@login_required("supervisor")
def reopen(post_id: str):
    """A supervisor reopens a decision with a reason (index.casework.lifecycle.reopen checks and audits it)."""
    try:
        lifecycle.reopen(repository(), post_id, actor=Actor.of(g.user), reason=request.form.get("reason", "")[:2000],
                         request_id=g.request_id)
    except PostNotFound:
        abort(404)
    except permissions.PermissionDenied:
        abort(403)
    except SafeWatchError as error:
        flash(error_text(error), "error")
        return redirect(url_for("post.show", post_id=post_id))
    flash(gettext("Decision reopened: the post is yours to decide again."), "success")
    return redirect(url_for("post.show", post_id=post_id))
