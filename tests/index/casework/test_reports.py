"""Report figures on a small, fully known history across two months."""

from datetime import UTC, date, datetime, timedelta

import pytest

from index.casework import lifecycle, notices
from index.casework.notices import NoticeDraft
from index.casework.periods import PeriodError, period
from index.casework.reports import build_report
from safewatch.records import post_id_for
from tests.actors import CHIEF, LAN, RECHECK

OCT, NOV = datetime(2026, 10, 10, 3, 0, tzinfo=UTC), datetime(2026, 11, 10, 3, 0, tzinfo=UTC)


def test_periods_and_their_predecessors():
    half = period("half", date(2026, 11, 29))
    assert (half.start, half.end) == (date(2026, 7, 1), date(2027, 1, 1))
    assert half.previous().start == date(2026, 1, 1)
    assert period("quarter", date(2026, 2, 3)).previous().start == date(2025, 10, 1)
    custom = period("custom", date(2026, 11, 1), date(2026, 11, 10))
    assert custom.previous().start == date(2026, 10, 22) and custom.label == "01/11/2026 – 10/11/2026"
    with pytest.raises(PeriodError):
        period("week", date(2026, 11, 1))


@pytest.mark.parametrize("kind, anchor, end", [
    ("half", date(1, 1, 1), None), ("year", date(9999, 12, 31), None), ("month", date(1979, 12, 31), None),
    ("custom", date(1980, 1, 1), date(9988, 12, 31)), ("custom", date(2026, 1, 1), date(1, 1, 1))])
def test_periods_out_of_range_are_refused_with_a_message(kind, anchor, end):
    """Before: `report --date 0001-01-01` ended in "ValueError: year 0 is out of range"."""
    with pytest.raises(PeriodError):
        period(kind, anchor, end).previous()


def test_the_command_answers_a_date_out_of_range_with_one_line(config):
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-m", "safewatch", "report", "--date", "0001-01-01"],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "error: Reports cover the years 1980 to 9988; 0001-01-01 is outside them."


def add_post(repo, n, collected, *, labels=("drugs",), platform="forum", source="demo"):
    url = f"http://f.example/{n}"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": f"bài {n}",
                             "status": "flagged" if labels else "collected", "labels": list(labels),
                             "collected_at": collected.isoformat(), "platform": platform, "source": source,
                             "priority": 1.0, "content_hash": f"hash{n}"}])
    return post_id_for(url)


def review(repo, post_id, when, confirm=True):
    lifecycle.claim(repo, post_id, reviewer="lan", now=when)
    lifecycle.decide(repo, post_id, reviewer="lan", confirm=confirm, categories=["drugs"] if confirm else [],
                     now=when)


def request_removal(repo, post_ids, when):
    notice = notices.draft(repo, NoticeDraft("takedown", "platform", "Forum", tuple(post_ids)), actor=LAN,
                           now=when)
    notices.approve(repo, notice["notice_id"], actor=CHIEF, now=when)
    return notices.send(repo, notice["notice_id"], channel="electronic", actor=LAN, now=when)


def test_monthly_figures_with_comparison_and_removed_items(repo):
    # October: 2 collected, 1 confirmed and removed after 10 hours.
    october = [add_post(repo, 1, OCT), add_post(repo, 2, OCT, labels=())]
    review(repo, october[0], OCT)
    request_removal(repo, [october[0]], OCT)
    notices.record_removal(repo, october[0], actor=RECHECK,
                           removed_at=OCT + timedelta(hours=10), now=OCT + timedelta(hours=10))
    # November: 4 collected (3 flagged), 2 confirmed, 1 dismissed; two requests: one removed in
    # 30 h (late), one still online past its deadline.
    november = [add_post(repo, n, NOV, platform="facebook" if n == 13 else "forum") for n in (10, 11, 12)]
    add_post(repo, 13, NOV, labels=(), platform="facebook")
    review(repo, november[0], NOV)
    review(repo, november[1], NOV)
    review(repo, november[2], NOV, confirm=False)
    request_removal(repo, [november[0]], NOV)
    request_removal(repo, [november[1]], NOV)
    notices.record_removal(repo, november[0], actor=RECHECK,
                           removed_at=NOV + timedelta(hours=30), now=NOV + timedelta(hours=30))

    report = build_report(repo, period("month", date(2026, 11, 15)), now=NOV + timedelta(days=3))
    f = report.figures
    assert (f.collected, f.flagged, f.reviewed, f.confirmed, f.dismissed) == (4, 3, 3, 2, 1)
    assert (f.removal_requests, f.removed, f.overdue) == (2, 1, 1)
    assert f.removal_rate == 0.5 and f.share_removed_within_deadline == 0.0
    assert f.median_hours_to_removal == pytest.approx(30.0)
    assert {key: (row["collected"], row["removed"]) for key, row in f.table["platform"].items()} == {
        "forum": (3, 1), "facebook": (1, 0)}
    assert f.by["status"]["removed"] == {"collected": 1, "removed": 1}
    assert f.by["status"]["collected"] == {"collected": 1}
    assert report.previous.collected == 2 and report.previous.share_removed_within_deadline == 1.0
    assert f.collected_per_month == [("2026-11", 4)]
    year = build_report(repo, period("year", date(2026, 5, 1)), now=NOV + timedelta(days=3))
    assert year.figures.collected_per_month == [("2026-10", 2), ("2026-11", 4)]
    assert report.change("collected") == 1.0
    assert [item["content_hash"] for item in report.removed_items] == ["hash10"]
    assert report.removed_items[0]["takedown_requested_at"] and report.removed_items[0]["removed_at"]
