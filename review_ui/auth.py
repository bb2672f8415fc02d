"""Sign in and out."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext, ngettext

from index.accounts import AccountError, authenticate
from index.login_throttle import TooManyAttempts
from index.sessions import end_session, open_session
from review_ui.security import landing_url, login_policy, now, repository

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """A local path to go back to, or the user's landing page. Only paths on this site: no scheme, no
    host, no "//evil.example", and no backslash or control character (browsers drop tabs and newlines
    in a URL, so a tab between two slashes would make "//evil.example"): no open redirect."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target)):
        return target
    return landing_url()


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
            from review_ui.language import error_text  # (review_ui.language imports this module)
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
