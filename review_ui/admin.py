"""Accounts for admins: create users with their roles, reset passwords (shown once), disable and
enable. Every change goes through index.accounts, which writes it to the audit trail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from index.accounts import ROLES, AccountError, create_user, generate_password, set_disabled, set_password
from index.login_throttle import locked_until
from review_ui.language import error_text
from review_ui.security import login_required, now, repository

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _who() -> dict:
    """The acting admin and the request, for the audit trail index.accounts writes."""
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
    return [{**user, "locked_until": locked_until(repository(), user["username"], moment)}
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


def _show_password(username: str, password: str):
    """The new password, once, on this response only (never stored in clear, never in the log)."""
    return render_template("admin/users.html", accounts=_accounts(), roles=ROLES,
                           new_password={"username": username, "password": password})
