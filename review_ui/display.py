"""Small formatting helpers for the notices and reports pages (registered as template filters by
those blueprints). Numbers are Vietnamese (decimal comma) unless asked for in English: the official
documents always use the Vietnamese form, the pages the UI's language."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.numbers import format_decimal
from flask_babel import gettext

from safewatch.timezones import VIETNAM
from safewatch.urls import is_web_url


def safe_href(url: object) -> str | None:
    """A crawled URL usable as a link: http(s) only (never javascript:, data:, …); None otherwise."""
    if not isinstance(url, str) or any(ch in url for ch in "\x00\r\n\t"):
        return None
    return url.strip() if is_web_url(url) else None


def _span(minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days >= 2:
        return gettext("%(days)d d %(hours)d h", days=days, hours=hours)
    return gettext("%(hours)d h %(minutes)d min", hours=hours + days * 24, minutes=mins)


def countdown(deadline: str | None, now: datetime | None = None) -> dict | None:
    """Time left to a deadline, in the UI's language: {"text": "còn 5 giờ 12 phút" ("5 h 12 min left"),
    "overdue": False}, or the time past it ("quá hạn 3 giờ 5 phút", "3 h 5 min overdue"). None without
    a deadline."""
    if not deadline:
        return None
    now = now or datetime.now(UTC)
    seconds = (datetime.fromisoformat(deadline) - now).total_seconds()
    span = _span(int(abs(seconds)) // 60)
    if seconds >= 0:
        return {"text": gettext("%(time)s left", time=span), "overdue": False}
    return {"text": gettext("%(time)s overdue", time=span), "overdue": True}


def parse_local_time(value: str | None) -> datetime | None:
    """An <input type="datetime-local"> value ("2026-11-20T15:30", Vietnam time) -> aware UTC time;
    None when empty. Raises ValueError when malformed."""
    value = (value or "").strip()
    if not value:
        return None
    moment = datetime.fromisoformat(value[:19])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(UTC)


def local_input(moment: datetime) -> str:
    """The value for a datetime-local input, in Vietnam time."""
    return moment.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M")


def vn_date(value: str | None) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone(VIETNAM).strftime("%d/%m/%Y")


def number(value: float | int | None, digits: int = 1, language: str = "vi") -> str:
    """Vietnamese number: decimal comma, dot between thousands ("1.234", "12,5"); in English the
    other way round ("1,234", "12.5"); "—" for None."""
    if value is None:
        return "—"
    pattern = "#,##0" if isinstance(value, int) else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=language if language == "en" else "vi")


def percent(value: float | None, digits: int = 1, language: str = "vi") -> str:
    return "—" if value is None else f"{number(value * 100, digits, language)}%"


def change(value: float | None, language: str = "vi") -> str:
    """Relative change against the previous period: "+25,0%", "−10,0%", "—"."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{number(abs(value) * 100, 1, language)}%"
