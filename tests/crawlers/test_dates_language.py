from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawlers.pages.dates import parse_datetime
from crawlers.pages.language import detect_language

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=VN)


@pytest.mark.parametrize(("text", "expected"), [
    ("12/03/2024 lúc 14:05", datetime(2024, 3, 12, 14, 5, tzinfo=VN)),
    ("14:05 12-03-2024", datetime(2024, 3, 12, 14, 5, tzinfo=VN)),
    ("Ngày 5 tháng 11 năm 2026", datetime(2026, 11, 5, tzinfo=VN)),
    ("2 giờ trước", datetime(2026, 11, 29, 8, 0, tzinfo=VN)),
    ("5 phut truoc", datetime(2026, 11, 29, 9, 55, tzinfo=VN)),
    ("3 ngày trước", datetime(2026, 11, 26, 10, 0, tzinfo=VN)),
    ("Hôm qua lúc 20:15", datetime(2026, 11, 28, 20, 15, tzinfo=VN)),
    ("vừa xong", NOW),
    ("2026-11-20T14:05:00+07:00", datetime(2026, 11, 20, 14, 5, tzinfo=VN)),
    ("2026-11-20T07:05:00Z", datetime(2026, 11, 20, 14, 5, tzinfo=VN)),
])
def test_vietnamese_dates(text, expected):
    assert parse_datetime(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["", None, "sắp tới", "31/02/2026", "hôm qua lúc 25:00"])
def test_unreadable_dates_are_none_never_a_guess(text):
    assert parse_datetime(text, now=NOW) is None


@pytest.mark.parametrize(("text", "language"), [
    ("Cho mình hỏi bài tập này với ạ", "vi"),
    ("cho minh hoi bai tap nay voi", "vi"),
    ("ko bt j luon, ib mik nhe", "vi"),
    ("This is what you get for trusting them", "en"),
    ("ae oi check this out, quá hay luôn", "mixed"),
    ("12345 !!!", "unknown"),
])
def test_the_language_of_a_post_is_detected_without_diacritics_too(text, language):
    assert detect_language(text) == language
