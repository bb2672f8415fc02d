"""The tips queue and a tip's page: triage, take in hand, link a post, resolve with an outcome, forward.
Every change goes through index.casework.tips, which checks it and writes the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext

from index.casework import tips
from index.casework.permissions import Actor
from review_ui.language import error_text
from review_ui.public_report import PLAIN_CATEGORIES
from review_ui.security import login_required, repository
from safewatch.errors import SafeWatchError

bp = Blueprint("tips", __name__, url_prefix="/tips")
VIEWERS = ("reviewer", "supervisor", "analyst")
FILTERS = ("open", "overdue", "all", *tips.STATUSES)
LABELS = {
    "open": lazy_gettext("Open"), "overdue": lazy_gettext("Overdue"), "all": lazy_gettext("All"),
    "received": lazy_gettext("Received"), "triaged": lazy_gettext("Triaged"),
    "in_progress": lazy_gettext("In progress"), "resolved": lazy_gettext("Resolved"),
    "forwarded": lazy_gettext("Forwarded"),
    "web": lazy_gettext("Public page"), "api": lazy_gettext("Partner API"), "phone": lazy_gettext("Phone"),
    "email": lazy_gettext("Email"), "letter": lazy_gettext("Letter"),
    "content_removed": lazy_gettext("Content removed"), "warning_issued": lazy_gettext("Warning issued"),
    "referred_investigation": lazy_gettext("Referred to investigation"),
    "referred_child_protection": lazy_gettext("Referred to child protection"),
    "no_violation": lazy_gettext("No violation"), "duplicate": lazy_gettext("Duplicate of another tip"),
    "outside_jurisdiction": lazy_gettext("Outside jurisdiction"),
    "pending": lazy_gettext("waiting for its fetch"), "fetched": lazy_gettext("fetched"),
    "unreachable": lazy_gettext("unreachable"),
    "refused": lazy_gettext("refused (not a public address, or robots.txt)"),
}


@bp.app_template_filter("tip_label")
def tip_label(key: str | None) -> str:
    if key in PLAIN_CATEGORIES:
        return str(PLAIN_CATEGORIES[key])
    label = LABELS.get(key or "")
    return str(label) if label is not None else key or ""


def _tip(tip_id: str) -> dict:
    try:
        return tips.get_tip(repository(), tip_id[:64])
    except tips.TipNotFound:
        abort(404)


@bp.route("")
@login_required(*VIEWERS)
def index():
    chosen = request.args.get("status", "open")
    chosen = chosen if chosen in FILTERS else "open"
    statuses = {"open": tips.OPEN_STATUSES, "overdue": ("received",), "all": ()}.get(chosen, (chosen,))
    now = datetime.now(UTC)
    found = tips.queue(repository(), statuses=statuses, now=now)
    if chosen == "overdue":
        found = [tip for tip in found if tip["is_overdue"]]
    return render_template("tips/list.html", tips=found, status=chosen, filters=FILTERS, now=now)


@bp.route("/<tip_id>")
@login_required(*VIEWERS)
def show(tip_id: str):
    tip = _tip(tip_id)
    posts = repository().posts_by_ids(tip.get("post_ids") or []) if tip.get("post_ids") else []
    now = datetime.now(UTC)
    return render_template("tips/show.html", tip={**tip, "is_overdue": tips.is_overdue(tip, now)}, posts=posts,
                           events=tips.events(repository(), tip["id"]), now=now, outcomes=tips.OUTCOMES,
                           categories=tips.CATEGORIES, transitions=tips.TRANSITIONS.get(tip["status"], ()))


@bp.route("/<tip_id>/image")
@login_required(*VIEWERS)
def image(tip_id: str):
    """The reporter's image, from the evidence store, checked again (type and bytes) before it is sent."""
    from index.storage.evidence import EvidenceError, EvidenceStore
    from index.storage.media import ALLOWED_TYPES, sniff
    entry = _tip(tip_id).get("image") or {}
    if not entry.get("capture_id"):
        abort(404)
    try:
        capture, body = EvidenceStore(current_app.config["SAFEWATCH"].evidence_path).load(str(entry["capture_id"]))
    except EvidenceError:
        abort(404)
    if capture.sha256 != entry.get("sha256") or entry.get("content_type") not in ALLOWED_TYPES \
            or sniff(body) != entry["content_type"]:
        abort(404)
    return Response(body, mimetype=entry["content_type"],
                    headers={"Content-Security-Policy": "default-src 'none'", "Cache-Control": "no-store"})


ACTIONS = {
    "triage": lambda repo, tip_id, actor, form: tips.triage(
        repo, tip_id, actor=actor, category=form.get("category") or None, note=form.get("note", "")[:2000],
        disclosure=form.get("disclosure") == "yes"),
    "start": lambda repo, tip_id, actor, form: tips.start(repo, tip_id, actor=actor, note=form.get("note", "")[:2000]),
    "resolve": lambda repo, tip_id, actor, form: tips.resolve(
        repo, tip_id, actor=actor, outcome=form.get("outcome", ""), note=form.get("note", "")[:2000],
        duplicate_of=form.get("duplicate_of", "")[:40] or None),
    "forward": lambda repo, tip_id, actor, form: tips.forward(
        repo, tip_id, actor=actor, unit=form.get("unit", ""), note=form.get("note", "")[:2000]),
    "link": lambda repo, tip_id, actor, form: tips.link_post(repo, tip_id, form.get("post", "")[:2048], actor=actor),
    "disclosure": lambda repo, tip_id, actor, form: tips.mark_disclosure(
        repo, tip_id, actor=actor, note=form.get("note", "")[:2000]),
}
DONE = {"triage": lazy_gettext("Triaged."), "start": lazy_gettext("Taken in hand."),
        "resolve": lazy_gettext("Resolved."), "forward": lazy_gettext("Forwarded."),
        "link": lazy_gettext("Post linked."), "disclosure": lazy_gettext("Marked for referral.")}


@bp.route("/<tip_id>/<action>", methods=["POST"])
@login_required("reviewer", "supervisor")
def act(tip_id: str, action: str):
    if action not in ACTIONS:
        abort(404)
    _tip(tip_id)
    try:
        ACTIONS[action](repository(), tip_id, Actor.of(g.user), request.form)
    except SafeWatchError as error:
        flash(error_text(error), "error")
        return redirect(url_for("tips.show", tip_id=tip_id)), 303
    flash(str(DONE[action]), "success")
    return redirect(url_for("tips.show", tip_id=tip_id)), 303
