"""A signed-in user's own account: change the password (the rule and the session ending live in
index.casework.accounts; this browser gets a fresh session, every other one ends)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext

from index.casework.accounts import MIN_PASSWORD_LENGTH, AccountError, change_own_password
from index.casework.login_throttle import TooManyAttempts
from index.casework.sessions import open_session
from review_ui.auth import refused
from review_ui.language import error_text
from review_ui.security import login_policy, login_required, now, repository

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/password", methods=["GET", "POST"])
@login_required()
def password():
    if request.method == "GET":
        return render_template("account/password.html", min_length=MIN_PASSWORD_LENGTH)
    new_password = request.form.get("new_password", "")
    if new_password != request.form.get("confirm_password", ""):
        flash(gettext("The two new passwords differ."), "error")
        return render_template("account/password.html", min_length=MIN_PASSWORD_LENGTH), 400
    try:
        user = change_own_password(repository(), g.user["username"], request.form.get("current_password", ""),
                                   new_password, client_address=g.client_address, policy=login_policy(), now=now())
    except TooManyAttempts as error:
        return refused(error)
    except AccountError as error:
        flash(error_text(error), "error")
        return render_template("account/password.html", min_length=MIN_PASSWORD_LENGTH), 400
    repository().append_event({"action": "password_changed", "actor": user["username"]})
    session["session_token"] = open_session(repository(), user, now=now(), client_address=g.client_address)
    flash(gettext("Password changed. Your other sessions have ended."), "ok")
    return redirect(url_for("account.password"))
