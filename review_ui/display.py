"""Small formatting helpers for the notices and reports pages (pure functions, registered as
template filters by those blueprints)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def safe_href(url: object) -> str | None:
    """A crawled URL usable as a link: http(s) only (never javascript:, data:, …); None otherwise."""
    if not isinstance(url, str) or any(ch in url for ch in "\x00\r\n\t"):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _span(minutes: int) -> tuple[str, str]:
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days >= 2:
        return f"{days} ngày {hours} giờ", f"{days} d {hours} h"
    hours += days * 24
    return f"{hours} giờ {mins} phút", f"{hours} h {mins} min"


def countdown(deadline: str | None, now: datetime | None = None) -> dict | None:
    """Time left to a deadline: {"vi": "còn 5 giờ 12 phút", "en": "5 h 12 min left", "overdue": False},
    or the time past it ("quá hạn 3 giờ 5 phút" / "3 h 5 min overdue"). None without a deadline."""
    if not deadline:
        return None
    now = now or datetime.now(UTC)
    seconds = (datetime.fromisoformat(deadline) - now).total_seconds()
    vi, en = _span(int(abs(seconds)) // 60)
    if seconds >= 0:
        return {"vi": f"còn {vi}", "en": f"{en} left", "overdue": False}
    return {"vi": f"quá hạn {vi}", "en": f"{en} overdue", "overdue": True}


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


def number(value: float | int | None, digits: int = 1) -> str:
    """Vietnamese number: decimal comma ("12,5"); "—" for None."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return f"{value:.{digits}f}".replace(".", ",")


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{number(value * 100, digits)}%"


def change(value: float | None) -> str:
    """Relative change against the previous period: "+25,0%", "−10,0%", "—"."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{number(abs(value) * 100, 1)}%"
