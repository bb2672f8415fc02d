"""Reviewer well-being: a gentle, non-blocking break reminder after a bounded exposure time (DOMAIN.md:
the IWF caps exposure and asks for hourly breaks). The clock starts at the first queue or post view
after login or after a break, and lives in the signed session cookie; the break is audited."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, g, redirect, request, session
from flask_babel import gettext

from review_ui.security import login_required, repository, safe_next

bp = Blueprint("wellbeing", __name__)
SESSION_KEY = "review_started"
DEFAULT_BREAK_MINUTES = 50


def break_minutes() -> int:
    """Minutes of review before the reminder: Flask config SAFEWATCH_BREAK_MINUTES (itself read from the
    environment variable of that name by create_app), read on every request so it can be changed live."""
    return int(current_app.config.get("SAFEWATCH_BREAK_MINUTES", DEFAULT_BREAK_MINUTES))


def _started() -> datetime | None:
    try:
        started = datetime.fromisoformat(session.get(SESSION_KEY, ""))
    except (TypeError, ValueError):
        return None
    return started if started.tzinfo is not None else None


def minutes_reviewed(now: datetime | None = None) -> int:
    started = _started()
    if started is None:
        return 0
    return max(0, int(((now or datetime.now(UTC)) - started).total_seconds() // 60))


def track_exposure(now: datetime | None = None) -> int | None:
    """Called by the pages that show posts: starts the clock if it is not running, and returns the
    minutes reviewed once they reach the limit (the page then shows the reminder), else None."""
    now = now or datetime.now(UTC)
    if _started() is None:
        session[SESSION_KEY] = now.isoformat()
    minutes = minutes_reviewed(now)
    return minutes if minutes >= break_minutes() else None


@bp.route("/break", methods=["POST"])
@login_required("reviewer", "supervisor", "analyst")
def take_break():
    """"I took a break": the clock restarts at the next queue or post view."""
    minutes = minutes_reviewed()
    session.pop(SESSION_KEY, None)
    repository().append_event({"action": "break_taken", "actor": g.user["username"], "request_id": g.request_id,
                               "details": {"minutes_reviewed": minutes}})
    flash(gettext("Break recorded. Thank you!"), "success")
    return redirect(safe_next(request.form.get("next")))
