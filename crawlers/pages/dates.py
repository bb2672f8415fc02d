"""Dates as Vietnamese sites write them, to timezone-aware datetimes (Vietnam time unless the text
says otherwise): ISO 8601, "12/03/2024 lúc 14:05", "14:05 12/03/2024", "12-03-2024", "ngày 12 tháng 3
năm 2024", "2 giờ trước", "5 phút trước", "3 ngày trước", "hôm qua lúc 20:15", "hôm nay", "vừa xong"."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_UNITS = {"giây": "seconds", "giay": "seconds", "phút": "minutes", "phut": "minutes", "giờ": "hours",
          "gio": "hours", "tiếng": "hours", "tieng": "hours", "ngày": "days", "ngay": "days", "tuần": "weeks",
          "tuan": "weeks", "tháng": "months", "thang": "months", "năm": "years", "nam": "years"}
_RELATIVE = re.compile(r"(\d+)\s*(giây|giay|phút|phut|giờ|gio|tiếng|tieng|ngày|ngay|tuần|tuan|tháng|thang|năm|nam)"
                       r"\s*(trước|truoc)")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_WORDS = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})")
_TIME = re.compile(r"(\d{1,2})[:h](\d{2})")


def parse_datetime(text: str | None, *, now: datetime | None = None) -> datetime | None:
    """None when the text holds no date SafeWatch can read (never a guess)."""
    if not text or not text.strip():
        return None
    text = unicodedata.normalize("NFC", text.strip().lower())
    now = (now or datetime.now(VIETNAM)).astimezone(VIETNAM)
    try:
        parsed = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=VIETNAM)
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
    time_match = _TIME.search(text)
    hour, minute = (int(time_match.group(1)), int(time_match.group(2))) if time_match else (0, 0)
    day = None
    if text.startswith(("hôm nay", "hom nay")):
        day = now.date()
    elif text.startswith(("hôm qua", "hom qua")):
        day = (now - timedelta(days=1)).date()
    else:
        found = _DMY.search(text) or _WORDS.search(text)
        if found:
            try:
                day = datetime(int(found.group(3)), int(found.group(2)), int(found.group(1))).date()
            except ValueError:
                return None
    if day is None or not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIETNAM)
