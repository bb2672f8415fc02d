"""The review UI (Flask): reviewers triage the queue, analysts search."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, Response

from index.storage.connection import open_repository
from review_ui.security import csrf
from safewatch.config import Config


def create_app(config: Config | None = None, test_config: dict | None = None) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=config.secret_key or _stored_secret(config.var_dir),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("SAFEWATCH_COOKIE_SECURE", "0") == "1",
        # The cookie lives no longer than a session may (index/casework/sessions.py decides, on the server).
        PERMANENT_SESSION_LIFETIME=int(config.session_max_hours * 3600),
        WTF_CSRF_TIME_LIMIT=int(config.session_max_hours * 3600),
        SAFEWATCH=config,
        # No request body larger than the largest form (the public report with its image), whether
        # or not the client says its length: a chunked upload cannot fill the disk.
        MAX_CONTENT_LENGTH=config.tip_max_image_bytes + 512 * 1024,
        SAFEWATCH_BREAK_MINUTES=_minutes(os.environ.get("SAFEWATCH_BREAK_MINUTES"), default=50),
    )
    if test_config:
        app.config.update(test_config)
    if config.trusted_proxies > 0:
        # Only behind proxies we run: their X-Forwarded-For gives the client's address; otherwise a
        # client could write any address it likes into the audit trail and dodge sign-in throttling.
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies)
    app.extensions["safewatch.repository"] = open_repository(config)

    csrf.init_app(app)
    from review_ui import (
        account,
        admin,
        audit_text,
        auth,
        cases,
        errors,
        filters,
        language,
        notice_revisions,
        notices,
        post,
        post_labels,
        queue,
        reports,
        search,
        security,
        wellbeing,
    )

    security.init_app(app)
    language.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    audit_text.init_app(app)  # these two build on the filters
    post_labels.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(queue.bp)
    app.register_blueprint(post.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(notices.bp)
    app.register_blueprint(notice_revisions.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(wellbeing.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(account.bp)
    from review_ui import api, partners, public_report, tip_entry, tips
    app.register_blueprint(public_report.bp)
    app.register_blueprint(tip_entry.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(tips.bp)
    app.register_blueprint(partners.bp)
    app.add_url_rule("/", endpoint="index", view_func=queue.home)
    app.add_url_rule("/favicon.svg", endpoint="favicon", view_func=_favicon)
    app.add_url_rule("/favicon.ico", endpoint="favicon_ico", view_func=_favicon)  # asked for by habit
    return app


FAVICON = (Path(__file__).parent / "static" / "favicon.svg").read_bytes()


def _favicon() -> Response:
    # From memory, not as a static file: browsers often cancel the icon's request when the page moves
    # on, and a cancelled request can leave the static file open in the development server.
    return Response(FAVICON, mimetype="image/svg+xml")


def _minutes(value: str | None, default: int) -> int:
    """A whole number of minutes from the environment; the default when unset."""
    if value is None or not value.strip():
        return default
    if not value.strip().isdigit():
        raise ValueError(f"SAFEWATCH_BREAK_MINUTES must be a whole number of minutes (0 or more), not {value!r}.")
    return int(value)


def _stored_secret(var_dir: Path) -> str:
    """A per-installation secret key kept under var/ (never in git), made on first start."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
