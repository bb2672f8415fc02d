"""Accounts for admins: create users with their roles, change their roles, reset passwords (shown
once), disable and enable, see each one's last sign-in; read the audit trail filtered by actor, action
and days, and export it as CSV. Every account change goes through index.casework.accounts, which writes it to
the audit trail; the trail is read through index.storage.audit_log."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from index.casework.accounts import (
    ROLES,
    AccountError,
    create_user,
    generate_password,
    set_disabled,
    set_password,
    set_roles,
)
from index.casework.login_throttle import locked_until
from index.storage import audit_log
from index.storage.queries import QueryError
from review_ui.language import error_text
from review_ui.security import login_required, now, repository

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _who() -> dict:
    """The acting admin and the request, for the audit trail index.casework.accounts writes."""
    return {"actor": g.user["username"], "request_id": g.request_id}


def _existing(username: str) -> str:
    if repository().get_user(username) is None:
        abort(404)
    return username


@bp.route("/users")
@login_required("admin")
def users():
    return render_template("admin/users.html", accounts=_accounts(), roles=ROLES, new_password=None)


def _accounts() -> list[dict]:
    moment = now()
    logins = audit_log.last_logins(repository())
    return [{**user, "locked_until": locked_until(repository(), user["username"], moment),
             "last_login": logins.get(user["username"])}
            for user in sorted(repository().list_users(), key=lambda user: user["username"])]


@bp.route("/users", methods=["POST"])
@login_required("admin")
def create():
    username = request.form.get("username", "").strip().lower()[:63]
    roles = [role for role in request.form.getlist("roles") if role in ROLES]
    password = generate_password()
    try:
        create_user(repository(), username, password, roles, request.form.get("display_name", "").strip()[:100],
                    **_who())
    except AccountError as error:
        flash(gettext("Account not created: %(error)s", error=error_text(error)), "error")
        return redirect(url_for("admin.users"))
    return _show_password(username, password)


@bp.route("/users/<username>/password", methods=["POST"])
@login_required("admin")
def reset_password(username: str):
    password = generate_password()
    set_password(repository(), _existing(username), password, **_who())
    return _show_password(username, password)


@bp.route("/users/<username>/disable", methods=["POST"])
@login_required("admin")
def disable(username: str):
    if username == g.user["username"]:
        flash(gettext("You cannot disable your own account."), "error")
        return redirect(url_for("admin.users"))
    set_disabled(repository(), _existing(username), True, **_who())
    flash(gettext("%(username)s disabled.", username=username), "ok")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>/enable", methods=["POST"])
@login_required("admin")
def enable(username: str):
    set_disabled(repository(), _existing(username), False, **_who())
    flash(gettext("%(username)s enabled.", username=username), "ok")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>/roles", methods=["POST"])
@login_required("admin")
def change_roles(username: str):
    try:
        set_roles(repository(), _existing(username), request.form.getlist("roles"), **_who())
    except AccountError as error:
        flash(gettext("Roles not changed: %(error)s", error=error_text(error)), "error")
    else:
        flash(gettext("Roles of %(username)s saved.", username=username), "ok")
    return redirect(url_for("admin.users"))


@bp.route("/audit")
@login_required("admin")
def audit():
    try:
        query = audit_log.AuditQuery.from_args(request.args)
    except QueryError as error:
        return render_template("admin/audit.html", error=error_text(error), result=None, form=request.args), 400
    return render_template("admin/audit.html", result=audit_log.read(repository(), query), query=query,
                           form=request.args, error=None, page_args=lambda page: _audit_args(page=page))


def _audit_args(**changes) -> dict[str, str]:
    kept = {name: request.args[name] for name in ("actor", "action", "from", "to", "page") if request.args.get(name)}
    kept.update({name: str(value) for name, value in changes.items() if value is not None})
    return kept


@bp.route("/audit.csv")
@login_required("admin")
def audit_csv():
    """The events the filters select, all of them, newest first: UTF-8 with a BOM, times in +07:00,
    every cell safe from formula injection; the export is itself recorded."""
    import csv
    import io
    import json

    from flask import Response

    from review_ui import audit_text
    from review_ui.filters import VIETNAM
    from review_ui.report_exports import neutralised
    try:
        query = audit_log.AuditQuery.from_args(request.args)
    except QueryError as error:
        return render_template("admin/audit.html", error=error_text(error), result=None, form=request.args), 400
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow([gettext("Time"), gettext("Actor"), gettext("Action"), gettext("Post"), gettext("Notice"),
                     gettext("From status"), gettext("To status"), gettext("Reason"), gettext("Request"),
                     gettext("Client address"), gettext("Details")])
    rows = 0
    for event in audit_log.export(repository(), query):
        at = event.get("at")
        writer.writerow([neutralised(value) for value in (
            datetime.fromisoformat(at).astimezone(VIETNAM).isoformat(timespec="seconds") if at else "",
            event.get("actor"), audit_text.action_label(event.get("action")), event.get("post_id"),
            event.get("notice_id"), *audit_text.change_text(event).partition(" → ")[::2],
            audit_text.reason_text(event), event.get("request_id"),
            event.get("client_address"), json.dumps(event.get("details"), ensure_ascii=False)
            if event.get("details") else "")])
        rows += 1
    repository().append_event({"action": "audit_exported", "actor": g.user["username"], "request_id": g.request_id,
                               "details": {"query": request.args.to_dict(), "rows": rows}})
    return Response(("\ufeff" + stream.getvalue()).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=safewatch-audit.csv"})


def _show_password(username: str, password: str):
    """The new password, once, on this response only (never stored in clear, never in the log)."""
    return render_template("admin/users.html", accounts=_accounts(), roles=ROLES,
                           new_password={"username": username, "password": password})
