"""Sign in and out."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from index.accounts import authenticate
from review_ui.security import repository

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only paths on this site: no scheme, no host, no "//evil.example" (no open redirect).
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("queue.queue")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        user = authenticate(repository(), request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            repository().append_event({"action": "login_failed", "actor": request.form.get("username", "")[:64],
                                       "request_id": g.request_id})
            flash("Sai tên đăng nhập hoặc mật khẩu. / Wrong username or password.", "error")
            return render_template("auth/login.html"), 401
        session.clear()
        session["username"] = user["username"]
        session.permanent = True
        repository().append_event({"action": "login", "actor": user["username"], "request_id": g.request_id})
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    if g.user:
        repository().append_event({"action": "logout", "actor": g.user["username"], "request_id": g.request_id})
    session.clear()
    return redirect(url_for("auth.login"))
