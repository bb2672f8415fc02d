"""Security headers and the login/role guard used by every view."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFProtect

from index.casework.login_throttle import LoginPolicy
from index.casework.sessions import SessionPolicy, resume_session
from index.storage import origin
from index.storage.repository import Repository

csrf = CSRFProtect()  # the app factory (review_ui.create_app) turns it on; the partner API is exempt

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


# Files every page loads (style sheet, script, icon): served to anyone, so they neither look up the
# session nor send its cookie again. A browser fetches the icon after the page has loaded; had its
# answer renewed the cookie, a late one could put back the session of a user who had just signed
# out and another signed in (the second sign-in's form token then no longer matches).
ASSET_ENDPOINTS = frozenset({"static", "favicon", "favicon_ico"})


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, whose cookie is never set by an asset's answer."""

    def should_set_cookie(self, app: Flask, session_: SessionMixin) -> bool:
        return request.endpoint not in ASSET_ENDPOINTS and super().should_set_cookie(app, session_)


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()

    @app.before_request
    def load_user():
        # Our own id for the request; what the client calls it is kept apart (index/storage/origin.py).
        g.request_id = str(uuid.uuid4())
        g.client_address = request.remote_addr
        g.origin_token = origin.bind(origin.Origin(
            g.request_id, origin.client_request_id(request.headers.get("X-Request-Id")), g.client_address))
        g.user = None
        if "session_token" in session and request.endpoint not in ASSET_ENDPOINTS:
            g.user = resume_session(repository(), session["session_token"], now=now(),
                                    policy=SessionPolicy.from_config(current_app.config["SAFEWATCH"]))
            if g.user is None:
                session.clear()

    @app.teardown_request
    def forget_origin(error=None):
        token = g.pop("origin_token", None)
        if token is not None:
            origin.unbind(token)

    @app.context_processor
    def guard_helpers() -> dict:
        return {"may_open": may_open, "has_role": has_role}

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)  # a view may set a stricter one
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
        return response


def repository() -> Repository:
    return current_app.extensions["safewatch.repository"]


def now() -> datetime:
    """The time for sessions and sign-in; tests move it with app.config["SAFEWATCH_CLOCK"]."""
    clock = current_app.config.get("SAFEWATCH_CLOCK")
    return clock() if clock else datetime.now(UTC)


def login_policy() -> LoginPolicy:
    return LoginPolicy.from_config(current_app.config["SAFEWATCH"])


def has_role(*roles: str) -> bool:
    """The signed-in user holds one of `roles` (an admin holds them all)."""
    held = set(g.user.get("roles", [])) if g.get("user") else set()
    return "admin" in held or bool(held & set(roles))


def may_open(endpoint: str) -> bool:
    """The signed-in user passes the guard of `endpoint` (read from the guard itself, so menus and
    buttons never offer what would answer 403)."""
    view = current_app.view_functions.get(endpoint)
    if view is None or not g.get("user") or not hasattr(view, "required_roles"):
        return False
    return not view.required_roles or has_role(*view.required_roles)


# Where each role starts after login and at "/": its daily work. First match wins.
LANDING_PAGES = (("reviewer", "queue.queue"), ("admin", "queue.queue"), ("supervisor", "notices.index"),
                 ("analyst", "search.search"))


def landing_url() -> str:
    held = set(g.user.get("roles", [])) if g.get("user") else set()
    return url_for(next((endpoint for role, endpoint in LANDING_PAGES if role in held), "search.search"))


def login_required(*roles: str):
    """Guard a view: a signed-in user, holding one of `roles` if any are given."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.user is None:
                # The query string too (/search?q=x comes back as itself); auth checks it is local.
                target = request.full_path if request.query_string else request.path
                return redirect(url_for("auth.login", next=target))
            if roles and not set(roles) & set(g.user.get("roles", [])) and "admin" not in g.user["roles"]:
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_roles = roles
        return wrapped
    return decorator


def safe_next(target: str | None) -> str:
    """A local path to go back to, or the user's landing page. Only paths on this site: no scheme, no
    host, no "//evil.example", and no backslash or control character (browsers drop tabs and newlines
    in a URL, so a tab between two slashes would make "//evil.example"): no open redirect."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target)):
        return target
    return landing_url()
