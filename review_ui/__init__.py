"""The review UI (Flask): reviewers triage the queue, analysts search."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from index.connection import open_repository
from safewatch.config import Config

csrf = CSRFProtect()


def create_app(config: Config | None = None, test_config: dict | None = None) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=config.secret_key or _stored_secret(config.var_dir),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("SAFEWATCH_COOKIE_SECURE", "0") == "1",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        SAFEWATCH=config,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["safewatch.repository"] = open_repository(config)

    csrf.init_app(app)
    from review_ui import auth, filters, notices, queue, reports, search, security

    security.init_app(app)
    filters.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(queue.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(notices.bp)
    app.register_blueprint(reports.bp)
    app.add_url_rule("/", endpoint="index", view_func=queue.home)
    return app


def _stored_secret(var_dir: Path) -> str:
    """A per-installation secret key kept under var/ (never in git), made on first start."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
