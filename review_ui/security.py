"""Security headers and the login/role guard used by every view."""

from __future__ import annotations

import functools
import uuid

from flask import Flask, abort, g, redirect, request, session, url_for

from index.repository import Repository

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def init_app(app: Flask) -> None:
    @app.before_request
    def load_user():
        g.request_id = request.headers.get("X-Request-Id") or str(uuid.uuid4())
        g.user = None
        username = session.get("username")
        if username:
            user = repository().get_user(username)
            if user and not user.get("disabled"):
                g.user = user
            else:
                session.clear()

    @app.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
        return response


def repository() -> Repository:
    from flask import current_app
    return current_app.extensions["safewatch.repository"]


def login_required(*roles: str):
    """Guard a view: a signed-in user, holding one of `roles` if any are given."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.user is None:
                return redirect(url_for("auth.login", next=request.path))
            if roles and not set(roles) & set(g.user.get("roles", [])) and "admin" not in g.user["roles"]:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator
