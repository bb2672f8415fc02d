"""Sign in and out."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext, ngettext

from index.accounts import AccountError, AccountLocked, authenticate, credential
from review_ui.security import landing_url, repository

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """A local path to go back to, or the user's landing page. Only paths on this site: no scheme, no
    host, no "//evil.example", and no backslash or control character (browsers drop tabs and newlines
    in a URL, so a tab between two slashes would make "//evil.example"): no open redirect."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target)):
        return target
    return landing_url()


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        try:
            user = authenticate(repository(), request.form.get("username", ""), request.form.get("password", ""))
        except AccountLocked as locked:
            repository().append_event({"action": "login_refused_locked", "request_id": g.request_id,
                                       "actor": request.form.get("username", "")[:64]})
            flash(ngettext("Too many wrong passwords: try again in %(num)d minute.",
                           "Too many wrong passwords: try again in %(num)d minutes.", locked.minutes), "error")
            return render_template("auth/login.html"), 429
        except AccountError as error:  # no username given
            from review_ui.language import error_text  # (review_ui.language imports this module)
            flash(error_text(error), "error")
            return render_template("auth/login.html"), 400
        if user is None:
            repository().append_event({"action": "login_failed", "actor": request.form.get("username", "")[:64],
                                       "request_id": g.request_id})
            flash(gettext("Wrong username or password."), "error")
            return render_template("auth/login.html"), 401
        session.clear()
        session["username"] = user["username"]
        session["credential"] = credential(user)
        session.permanent = True
        g.user = user
        repository().append_event({"action": "login", "actor": user["username"], "request_id": g.request_id})
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    if g.user:
        repository().append_event({"action": "logout", "actor": g.user["username"], "request_id": g.request_id})
    session.clear()
    return redirect(url_for("auth.login"))
