"""Dates as sites write them, to timezone-aware datetimes: ISO 8601, "12/03/2024 lúc 14:05",
"14:05 12-03-24", "ngày 12 tháng 3 năm 2024", "2 giờ trước", "hôm qua lúc 20:15", "vừa xong",
"03-12-2019, 09:41 PM", "March 19, 2019 at 6:47 am", "3. März 2024 14:05", "19 mars 2019".

A time printed without a zone is the source's local time (`timezone` of the source; Vietnam time by
default). Day-first is assumed for numeric dates, as Vietnamese sites write them. Month names in other
languages are read by dateparser, only when day, month and year are all there (never a guess)."""

from __future__ import annotations

import re
import unicodedata
import warnings
from datetime import datetime, timedelta, tzinfo

from safewatch.timezones import VIETNAM

_UNITS = {"giây": "seconds", "giay": "seconds", "phút": "minutes", "phut": "minutes", "giờ": "hours",
          "gio": "hours", "tiếng": "hours", "tieng": "hours", "ngày": "days", "ngay": "days", "tuần": "weeks",
          "tuan": "weeks", "tháng": "months", "thang": "months", "năm": "years", "nam": "years"}
_RELATIVE = re.compile(r"(\d+)\s*(giây|giay|phút|phut|giờ|gio|tiếng|tieng|ngày|ngay|tuần|tuan|tháng|thang|năm|nam)"
                       r"\s*(trước|truoc)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?!\d)")
_WORDS = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})")
# 14:05, 14h05, 2:05 pm, 09:41 PM, 9:41 CH (chiều: afternoon) / SA (sáng: morning) in Vietnamese locales
_TIME = re.compile(r"(?<!\d)(\d{1,2})[:h](\d{2})(?::\d{2})?(?:\s*(am|pm|a\.m\.|p\.m\.|sa|ch)\b)?")
_MONTH_WORDS = re.compile(r"[^\W\d_]{3,}")


def parse_datetime(text: str | None, *, now: datetime | None = None, timezone: tzinfo | None = None,
                   month_first: bool = False) -> datetime | None:
    """None when the text holds no date SafeWatch can read (never a guess). `timezone`: the zone of
    times printed without one (Vietnam time when not given). `month_first`: numeric dates are
    month/day/year (US sites: "10-31-2017"), not day/month/year."""
    if not text or not text.strip():
        return None
    zone = timezone or VIETNAM
    original = unicodedata.normalize("NFC", text.strip())
    text = original.lower()
    now = (now or datetime.now(zone)).astimezone(zone)
    try:
        parsed = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    except ValueError:
        pass
    if text in ("vừa xong", "vua xong", "just now"):
        return now
    relative = _RELATIVE.search(text)
    if relative:
        amount, unit = int(relative.group(1)), _UNITS[relative.group(2)]
        if unit == "months":
            return now - timedelta(days=30 * amount)
        if unit == "years":
            return now - timedelta(days=365 * amount)
        return now - timedelta(**{unit: amount})
    clock = _clock(text)
    day = None
    if text.startswith(("hôm nay", "hom nay")):
        day = now.date()
    elif text.startswith(("hôm qua", "hom qua")):
        day = (now - timedelta(days=1)).date()
    else:
        numeric = _DMY.search(text)
        found = numeric or _WORDS.search(text)
        if found:
            first, second = int(found.group(1)), int(found.group(2))
            day_of_month, month = (second, first) if numeric and month_first else (first, second)
            try:
                day = datetime(_year(found.group(3), now), month, day_of_month).date()
            except ValueError:
                return None
        elif _MONTH_WORDS.search(text) and any(char.isdigit() for char in text):
            return _named_month(original, now, zone)
    if day is None or clock is None:
        return None
    hour, minute = clock
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def _clock(text: str) -> tuple[int, int] | None:
    """(hour, minute) of the time in the text, (0, 0) when there is none, None when it is impossible."""
    found = _TIME.search(text)
    if not found:
        return 0, 0
    hour, minute, half = int(found.group(1)), int(found.group(2)), (found.group(3) or "").replace(".", "")
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half in ("pm", "ch") else 0)
    return (hour, minute) if 0 <= hour < 24 and 0 <= minute < 60 else None


def _year(digits: str, now: datetime) -> int:
    """A two-digit year is the latest year ending so that is not more than a year ahead: 24 -> 2024."""
    if len(digits) == 4:
        return int(digits)
    year = now.year - now.year % 100 + int(digits)
    return year - 100 if year > now.year + 1 else year


def _named_month(text: str, now: datetime, zone: tzinfo) -> datetime | None:
    """"March 19, 2019 at 6:47 am", "3. März 2024", "19 mars 2019 à 18h47": dateparser, day, month
    and year required."""
    import dateparser  # imported on first use: it loads its language data (~0.5 s)

    settings = {"TIMEZONE": getattr(zone, "key", "UTC"), "RETURN_AS_TIMEZONE_AWARE": True, "DATE_ORDER": "DMY",
                "PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month", "year"],
                "RELATIVE_BASE": now.replace(tzinfo=None)}
    with warnings.catch_warnings():  # dateparser's own deprecation notices are not the page's problem
        warnings.simplefilter("ignore")
        try:
            parsed = dateparser.parse(text.replace(" at ", " "), settings=settings)
        except (ValueError, OverflowError):
            return None
    return parsed.astimezone(zone) if parsed else None
