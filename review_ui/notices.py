"""Warnings and removal requests: drafted from confirmed posts, approved by a supervisor, sending
and removal recorded, the board of open notices with their countdown, and the letter as PDF.

Every change goes through index.casework.notices, which checks it and writes the audit trail."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from index.casework import audit_reasons, notice_board, notices, permissions
from index.casework.notices import CHANNELS, KINDS, NOTICE_TRANSITIONS, OPEN_STATUSES, RECIPIENT_TYPES, NoticeDraft
from index.casework.permissions import Actor
from index.storage.repository import NoticeNotFound, VersionConflict
from review_ui import display
from review_ui.documents import Letterhead
from review_ui.filters import in_ui_language
from review_ui.labels import notice_label
from review_ui.language import error_text
from review_ui.letters import letter_docx, letter_pdf
from review_ui.official_exports import DOCX_MIMETYPE, audit_export, citations
from review_ui.security import has_role, login_required, repository
from safewatch import platforms as platform_registry
from safewatch.errors import SafeWatchError
from safewatch.statuses import CONFIRMED_STATUSES

bp = Blueprint("notices", __name__, url_prefix="/notices")
VIEWERS = ("reviewer", "analyst", "supervisor")
STATUS_FILTERS = ("open", *NOTICE_TRANSITIONS, "all")
# Kinds, recipient types, channels, notice statuses and the board's filters are named in review_ui.labels.
MAX_POSTS = 200
CHANGED_MEANWHILE = lazy_gettext("Someone changed this meanwhile; reload the page.")

for _name in ("safe_href", "vn_date"):
    bp.add_app_template_filter(getattr(display, _name), _name)
bp.add_app_template_filter(in_ui_language(display.countdown), "countdown")


@bp.app_context_processor
def notice_helpers() -> dict:
    return {"has_role": has_role, "notice_label": notice_label,
            "notice_post_statuses": CONFIRMED_STATUSES,
            "sendable_post_statuses": tuple(notices.SENDABLE_POST_STATUSES)}


def _actor() -> Actor:
    return Actor.of(g.user)


def _notice(notice_id: str) -> dict:
    try:
        return {"id": notice_id, **repository().get_notice(notice_id).source}
    except NoticeNotFound:
        abort(404)


def _config():
    return current_app.config["SAFEWATCH"]


def platforms() -> platform_registry.PlatformRegistry:
    """The platform registry named by the settings (read at each use: an edit needs no restart)."""
    return platform_registry.load(_config().platforms_file)


def contact_officer_default() -> str:
    """The contact officer a new notice names: the setting, else the signed-in user's display name."""
    return _config().contact_officer or (g.user or {}).get("display_name") or (g.user or {}).get("username", "")


@bp.route("")
@login_required(*VIEWERS)
def index():
    status = request.args.get("status", "open")
    status = status if status in STATUS_FILTERS else "open"
    view = request.args.get("view") if request.args.get("view") in notice_board.VIEWS else None
    statuses = OPEN_STATUSES if status == "open" else (() if status == "all" else (status,))
    post_id = (request.args.get("post_id") or "").strip()[:200] or None
    now = datetime.now(UTC)
    if status == "overdue":  # a sent notice past its deadline is overdue before the scheduler marks it
        statuses = ("sent", "overdue")
    found = notices.listing(repository(), statuses=statuses, post_id=post_id, now=now, view=view, actor=_actor())
    if status == "overdue":
        found = [notice for notice in found if notice["is_overdue"]]
    return render_template("notices/list.html", notices=found, status=status, post_id=post_id, now=now,
                           filters=STATUS_FILTERS, view=view, views=notice_board.VIEWS)


@bp.route("/new", methods=["GET", "POST"])
@login_required("reviewer", "supervisor")
def new():
    form = request.form if request.method == "POST" else request.args
    kind = form.get("kind") if form.get("kind") in KINDS else "takedown"
    chosen = list(dict.fromkeys(v[:200] for v in form.getlist("post_id") if v))[:MAX_POSTS]
    repo = repository()
    posts = repo.posts_by_ids(chosen) if chosen else []
    if not posts:
        flash(gettext("Choose at least one confirmed post."), "error")
        return redirect(url_for("notices.index"))
    categories = sorted({c for p in posts for c in p.get("categories") or []})
    default_basis = notices.default_legal_basis(categories, kind)
    status = 200
    if request.method == "POST":
        basis = form.get("legal_basis", "").strip()[:4000]
        if basis == form.get("default_legal_basis", "").strip():
            basis = ""  # not edited: the taxonomy's basis for the posts finally chosen
        draft_request = NoticeDraft(kind, form.get("recipient_type", ""), form.get("recipient", "")[:300],
                                    tuple(chosen), legal_basis=basis or None, note=form.get("note", "")[:2000],
                                    contact_officer=form.get("contact_officer", "")[:200])
        try:
            created = notices.draft(repo, draft_request, actor=_actor(), platforms=platforms(),
                                    reference_suffix=_config().notice_reference_suffix, request_id=g.request_id)
        except VersionConflict:
            flash(str(CHANGED_MEANWHILE), "error")
            status = 400
        except SafeWatchError as error:
            flash(error_text(error), "error")
            status = 400
        else:
            flash(gettext("Drafted %(reference)s.", reference=created["reference"]), "success")
            return redirect(url_for("notices.show", notice_id=created["notice_id"]))
    platform = posts[0].get("platform")
    return render_template("notices/new.html", kind=kind, posts=candidate_rows(platform, posts), chosen=set(chosen),
                           platform=platform, default_basis=default_basis, form=form, recipient_types=RECIPIENT_TYPES,
                           registered=platforms().get(platform), contact_officer=contact_officer_default(),
                           deadline_hours=_config().takedown_deadline_hours, notice=None), status


def candidate_rows(platform: str | None, posts: list[dict], notice_id: str | None = None) -> list[dict]:
    """The posts offered on the form: those chosen first, then the platform's other candidates; each
    with the open notices (other than `notice_id`) that already hold it."""
    repo = repository()
    listed = notices.candidates(repo, platform)
    listed_ids = {p["id"] for p in listed}
    rows = notice_board.with_holders(repo, [p for p in posts if p["id"] not in listed_ids]) + listed
    return [{**row, "held_by": [h for h in row["held_by"] if h["notice_id"] != notice_id]} for row in rows]


def evidence_rows(notice: dict) -> list[dict]:
    """Each post of a notice: the evidence recorded when it was drafted (or, for notices drafted
    before that was kept, the post's current evidence) with the post's current status."""
    posts = {p["id"]: p for p in repository().posts_by_ids(notice["post_ids"])}
    recorded = {item["post_id"]: item for item in notice.get("evidence") or []}
    rows = []
    for post_id, url in zip(notice["post_ids"], notice["post_urls"], strict=False):
        post = posts.get(post_id, {"id": post_id, "url": url})
        current = notices.evidence_of({**post, "id": post_id})  # for notices drafted before it was kept
        rows.append({"post_id": post_id, "url": url, "status": post.get("status"),
                     "text": post.get("text") or "", "categories": post.get("categories") or [],
                     **current, **recorded.get(post_id, {})})
    return rows


@bp.route("/<notice_id>")
@login_required(*VIEWERS)
def show(notice_id: str):
    now = datetime.now(UTC)
    notice = notices.read_state(_notice(notice_id), now)
    allowed = permissions.allowed_actions(_actor(), notice, now)  # the domain asks the same function
    can = {"approve": "approve" in allowed, "send": "send" in allowed, "remove": "record_removal" in allowed,
           "cancel": "cancel" in allowed, "edit": "edit" in allowed, "return": "return" in allowed,
           "comment": "comment" in allowed}
    rows = evidence_rows(notice)
    progress = {"removed": sum(1 for row in rows if row["status"] == "removed"), "of": len(rows)}
    return render_template("notices/show.html", notice=notice, rows=rows, can=can, now=now, progress=progress,
                           channels=CHANNELS, now_input=display.local_input(now))


@bp.route("/<notice_id>/approve", methods=["POST"])
@login_required("supervisor")
def approve(notice_id: str):
    _notice(notice_id)
    return _apply(notice_id, lambda: notices.approve(repository(), notice_id, actor=_actor(),
                                                     request_id=g.request_id),
                  gettext("Approved."))


@bp.route("/<notice_id>/send", methods=["POST"])
@login_required("reviewer", "supervisor")
def send(notice_id: str):
    notice = _notice(notice_id)
    now = datetime.now(UTC)
    sent_at = _time_field("sent_at", now)
    if sent_at is None:
        return redirect(url_for("notices.show", notice_id=notice_id))
    resend = notice["status"] in ("sent", "overdue")
    return _apply(notice_id, lambda: notices.send(
        repository(), notice_id, channel=request.form.get("channel", ""), actor=_actor(),
        deadline_hours=_config().takedown_deadline_hours, sent_at=sent_at, request_id=g.request_id, now=now),
        gettext("Sent again; the first sending is kept and a new deadline runs.") if resend
        else gettext("Sending recorded; the deadline runs."))


@bp.route("/<notice_id>/removal", methods=["POST"])
@login_required("reviewer", "supervisor")
def removal(notice_id: str):
    notice = _notice(notice_id)
    now = datetime.now(UTC)
    removed_at = _time_field("removed_at", now)
    if removed_at is None:
        return redirect(url_for("notices.show", notice_id=notice_id))
    chosen = list(dict.fromkeys(p[:200] for p in request.form.getlist("post_ids")))[:MAX_POSTS]
    return _apply(notice_id, lambda: notices.record_removal_on_notice(
        repository(), notice_id, chosen, actor=_actor(), removed_at=removed_at, request_id=g.request_id, now=now,
        reason=audit_reasons.reason("removal_confirmed_on_notice", reference=notice["reference"])),
        gettext("Removal recorded."))


@bp.route("/<notice_id>/cancel", methods=["POST"])
@login_required("reviewer", "supervisor")
def cancel(notice_id: str):
    _notice(notice_id)
    return _apply(notice_id, lambda: notices.cancel(repository(), notice_id, actor=_actor(),
                                                    reason=request.form.get("reason", "")[:2000],
                                                    request_id=g.request_id),
                  gettext("Notice cancelled; its posts are free for another notice."))


@bp.route("/<notice_id>/letter.pdf")
@login_required(*VIEWERS)
def letter(notice_id: str):
    return _letter(notice_id, "pdf")


@bp.route("/<notice_id>/letter.docx")
@login_required(*VIEWERS)
def letter_word(notice_id: str):
    return _letter(notice_id, "docx")


def _letter(notice_id: str, document_format: str) -> Response:
    """The letter as PDF (shown in the browser) or DOCX (downloaded to edit); each download audited."""
    notice = _notice(notice_id)
    write = letter_pdf if document_format == "pdf" else letter_docx
    content = write(notice, evidence_rows(notice), Letterhead.from_settings(current_app.config),
                    deadline_hours=_config().takedown_deadline_hours, citations=citations())
    audit_export("letter_exported", document_format, notice_id=notice_id, reference=notice["reference"])
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", notice["reference"])
    disposition = "inline" if document_format == "pdf" else "attachment"
    return Response(content, mimetype="application/pdf" if document_format == "pdf" else DOCX_MIMETYPE,
                    headers={"Content-Disposition": f'{disposition}; filename="safewatch-{name}.{document_format}"'})


def _time_field(name: str, now: datetime) -> datetime | None:
    """A time typed in the form (Vietnam time; empty = now); None after flashing that it cannot be
    read. Whether it is allowed (not in the future, not before sending) is index.casework.notices' rule."""
    try:
        return display.parse_local_time(request.form.get(name)) or now
    except ValueError:
        flash(gettext("The time is not valid."), "error")
        return None


def apply(notice_id: str, change, success: str):
    """Run a change of index.casework.notices; flash its outcome and go back to the notice."""
    return _apply(notice_id, change, success)


def _apply(notice_id: str, change, success: str):
    try:
        change()
    except permissions.PermissionDenied:
        abort(403)
    except VersionConflict:
        flash(str(CHANGED_MEANWHILE), "error")
    except SafeWatchError as error:
        flash(error_text(error), "error")
    else:
        flash(success, "success")
    return redirect(url_for("notices.show", notice_id=notice_id))
