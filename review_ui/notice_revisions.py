"""A draft notice on its way to approval: its drafter edits it, an approver returns it with a
comment, anyone working on notices adds to its thread. Every rule is index.casework.notice_revisions'."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from index.casework import notice_revisions, notices, permissions
from index.casework.notice_revisions import NoticeEdit
from index.casework.notices import RECIPIENT_TYPES
from index.storage.repository import VersionConflict
from review_ui import notices as notice_pages
from review_ui.language import error_text
from review_ui.security import login_required, repository
from safewatch.errors import SafeWatchError

bp = Blueprint("notice_revisions", __name__, url_prefix="/notices")


@bp.route("/<notice_id>/edit", methods=["GET", "POST"])
@login_required("reviewer", "supervisor")
def edit(notice_id: str):
    notice = notice_pages._notice(notice_id)
    refused = permissions.refusal(notice_pages._actor(), "edit", notice)
    if isinstance(refused, permissions.PermissionDenied):
        abort(403)
    if refused is not None:  # no longer a draft
        flash(error_text(refused), "error")
        return redirect(url_for("notices.show", notice_id=notice_id))
    form = request.form if request.method == "POST" else {}
    chosen = (list(dict.fromkeys(v[:200] for v in request.form.getlist("post_id") if v))[:notice_pages.MAX_POSTS]
              if request.method == "POST" else list(notice["post_ids"]))
    status = 200
    if request.method == "POST":
        basis = request.form.get("legal_basis", "").strip()[:4000]
        if basis == request.form.get("default_legal_basis", "").strip():
            basis = ""  # not edited: the taxonomy's basis for the posts finally chosen
        change = NoticeEdit(request.form.get("recipient_type", ""), request.form.get("recipient", "")[:300],
                            tuple(chosen), legal_basis=basis or None, note=request.form.get("note", "")[:2000],
                            contact_officer=request.form.get("contact_officer", "")[:200],
                            comment=request.form.get("comment", "")[:notice_revisions.MAX_COMMENT])
        try:
            notice_revisions.edit_draft(repository(), notice_id, change, actor=notice_pages._actor(),
                                        request_id=g.request_id, platforms=notice_pages.platforms())
        except VersionConflict:
            flash(str(notice_pages.CHANGED_MEANWHILE), "error")
            status = 400
        except SafeWatchError as error:
            flash(error_text(error), "error")
            status = 400
        else:
            flash(gettext("Draft saved; it is ready for approval again."), "success")
            return redirect(url_for("notices.show", notice_id=notice_id))
    posts = repository().posts_by_ids(chosen) if chosen else repository().posts_by_ids(notice["post_ids"])
    categories = sorted({c for p in posts for c in p.get("categories") or []})
    values = {"recipient_type": notice["recipient_type"], "recipient": notice["recipient"], "note": notice.get("note"),
              "legal_basis": notice.get("legal_basis"), "contact_officer": notice.get("contact_officer"), **form}
    return render_template(
        "notices/new.html", kind=notice["kind"], posts=notice_pages.candidate_rows(notice.get("platform"), posts,
                                                                                   notice_id),
        chosen=set(chosen), platform=notice.get("platform"), form=values, recipient_types=RECIPIENT_TYPES,
        default_basis=notices.default_legal_basis(categories, notice["kind"]), notice=notice,
        registered=notice_pages.platforms().get(notice.get("platform")),
        contact_officer=notice.get("contact_officer") or notice_pages.contact_officer_default(),
        deadline_hours=notice_pages._config().takedown_deadline_hours), status


@bp.route("/<notice_id>/return", methods=["POST"])
@login_required("supervisor")
def return_draft(notice_id: str):
    notice_pages._notice(notice_id)
    return notice_pages.apply(notice_id, lambda: notice_revisions.return_draft(
        repository(), notice_id, request.form.get("comment", "")[:notice_revisions.MAX_COMMENT],
        actor=notice_pages._actor(), request_id=g.request_id), gettext("Returned to the drafter with your comment."))


@bp.route("/<notice_id>/comment", methods=["POST"])
@login_required("reviewer", "supervisor")
def comment(notice_id: str):
    notice_pages._notice(notice_id)
    return notice_pages.apply(notice_id, lambda: notice_revisions.comment(
        repository(), notice_id, request.form.get("comment", "")[:notice_revisions.MAX_COMMENT],
        actor=notice_pages._actor(), request_id=g.request_id), gettext("Comment added."))
