"""Sign in and out."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext, ngettext

from index.casework.accounts import AccountError, authenticate
from index.casework.login_throttle import TooManyAttempts
from index.casework.sessions import end_session, open_session
from review_ui.language import error_text
from review_ui.security import login_policy, now, repository, safe_next

bp = Blueprint("auth", __name__)


def refused(error: TooManyAttempts):
    """The one answer for a locked account, a locked unknown name and a throttled address."""
    flash(ngettext("Too many wrong passwords: try again in %(num)d minute.",
                   "Too many wrong passwords: try again in %(num)d minutes.", error.minutes), "error")
    return render_template("auth/login.html"), 429


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        name = request.form.get("username", "")[:64]
        try:
            user = authenticate(repository(), name, request.form.get("password", ""),
                                client_address=g.client_address, policy=login_policy(), now=now())
        except TooManyAttempts as error:
            repository().append_event({"action": "login_refused_locked", "actor": name})
            return refused(error)
        except AccountError as error:  # no username given
            flash(error_text(error), "error")
            return render_template("auth/login.html"), 400
        if user is None:
            repository().append_event({"action": "login_failed", "actor": name})
            flash(gettext("Wrong username or password."), "error")
            return render_template("auth/login.html"), 401
        session.clear()
        session["session_token"] = open_session(repository(), user, now=now(), client_address=g.client_address)
        session.permanent = True
        g.user = user
        repository().append_event({"action": "login", "actor": user["username"]})
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    if g.user:
        end_session(repository(), session.get("session_token"), now=now())
        repository().append_event({"action": "logout", "actor": g.user["username"]})
    session.clear()
    return redirect(url_for("auth.login"))
