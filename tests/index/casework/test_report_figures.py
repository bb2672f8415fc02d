"""Every report figure counts one population and can be recomputed from the rows the report exports.

The history (October 2026): nine posts collected, eight flagged. Notice A asks the forum to remove four
posts: three go after 2 h, the fourth after 30 h (late), so A closes after 30 h. Notice B asks the same
of a fifth post, gone after 2 h. A sixth post is confirmed and referred to investigation, a seventh is
dismissed, an eighth confirmed as gambling and then reopened (so back in review: not harmful), one
removed post reappears. Per removed post: 2, 2, 2, 30, 2 hours: median 2 h, 80% within the deadline;
per notice it would be 30 and 2 hours: median 16 h, 50% — the contradiction of issue #14."""

import io
import json
import os
import statistics
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from index.casework import lifecycle, notices
from index.casework.notices import NoticeDraft
from index.casework.periods import period
from index.casework.reports import TABLE_COLUMNS, UNITS, build_report, percentile
from review_ui import report_exports
from safewatch.records import post_id_for
from tests.actors import CHIEF, LAN, RECHECK

OCT = datetime(2026, 10, 10, 3, 0, tzinfo=UTC)
LATER = OCT + timedelta(days=5)
MONTH = period("month", date(2026, 10, 15))


def add_post(repo, n, *, labels=("drugs",), platform="forum"):
    url = f"http://f.example/{n}"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": f"bài {n}",
                             "status": "flagged" if labels else "collected", "labels": list(labels),
                             "collected_at": OCT.isoformat(), "platform": platform, "source": "demo",
                             "priority": 1.0, "content_hash": f"hash{n}"}])
    return post_id_for(url)


def decide(repo, post_id, *, confirm=True, categories=("drugs",), follow_up="none"):
    lifecycle.claim(repo, post_id, reviewer="lan", now=OCT)
    lifecycle.decide(repo, post_id, reviewer="lan", confirm=confirm, categories=list(categories) if confirm else [],
                     follow_up=follow_up, now=OCT)


def send_takedown(repo, post_ids, platform="forum"):
    notice = notices.draft(repo, NoticeDraft("takedown", "platform", platform, tuple(post_ids)), actor=LAN, now=OCT)
    notices.approve(repo, notice["notice_id"], actor=CHIEF, now=OCT)
    return notices.send(repo, notice["notice_id"], channel="electronic", actor=LAN, sent_at=OCT, now=OCT)


def remove(repo, post_id, hours):
    at = OCT + timedelta(hours=hours)
    notices.record_removal(repo, post_id, actor=RECHECK, removed_at=at, now=at)


@pytest.fixture
def history(repo):
    in_a = [add_post(repo, n) for n in (1, 2, 3, 4)]
    in_b = add_post(repo, 5, platform="facebook")
    referred, dismissed, reopened = add_post(repo, 6), add_post(repo, 7), add_post(repo, 8)
    add_post(repo, 9, labels=())
    for post_id in [*in_a, in_b]:
        decide(repo, post_id)
    decide(repo, referred, follow_up="investigation")
    decide(repo, dismissed, confirm=False)
    decide(repo, reopened, categories=("gambling",))
    lifecycle.reopen(repo, reopened, actor=CHIEF, reason="second look", now=OCT)
    notice_a = send_takedown(repo, in_a)
    send_takedown(repo, [in_b], platform="facebook")
    for post_id, hours in zip(in_a, (2, 2, 2, 30), strict=True):
        remove(repo, post_id, hours)
    remove(repo, in_b, 2)
    lifecycle.transition(repo, in_a[0], "reappeared", actor="recheck", now=OCT + timedelta(days=2))
    repo.refresh()
    repo.notice_a = repo.get_notice(notice_a["notice_id"]).source
    return repo


def test_time_to_removal_counts_removed_posts_from_the_sending_of_their_notice(history):
    """Before: median 16 h and 50% within the deadline (over the two closed notices), beside a list of
    removed posts showing 2 h four times and 30 h once."""
    report = build_report(history, MONTH, now=LATER)
    f = report.figures
    assert history.notice_a["removal_hours"] == 30.0  # the notice's own figure: when its last post went
    assert [row["hours_to_removal"] for row in report.removed_items] == [2.0, 2.0, 2.0, 2.0, 30.0]
    assert (f.removed, f.removed_within_deadline, f.share_removed_within_deadline) == (5, 4, 0.8)
    assert f.median_hours_to_removal == 2.0 and f.p90_hours_to_removal == pytest.approx(18.8)
    assert {row["notice_reference"] for row in report.removed_items} == {
        n["reference"] for n in history.find_notices(statuses=("removed",))}


def test_every_figure_has_a_unit_and_the_plans_indicators_their_targets(history):
    report = build_report(history, MONTH, now=LATER)
    f = report.figures
    assert set(f.values()) == set(UNITS) and {name for name, *_ in report_exports.FIGURES} == set(UNITS)
    assert [name for name, *_ in report_exports.TABLE_COLUMNS] == list(TABLE_COLUMNS)
    assert (f.collected, f.flagged, f.reviewed, f.confirmed, f.dismissed) == (9, 8, 7, 6, 1)
    assert (f.warnings, f.removal_requests, f.removal_request_links, f.referred, f.reappeared) == (0, 2, 5, 1, 1)
    assert f.share_flagged_reviewed == 7 / 8  # the reopened post is back in review
    assert f.resolution_rate == 5 / 6  # four still removed and one referred, of six confirmed (one reappeared)
    assert [(i["name"], i["target"], i["met"]) for i in report.indicators()] == [
        ("share_flagged_reviewed", 1.0, False), ("resolution_rate", 0.96, False)]


def test_dismissed_and_unreviewed_posts_never_count_as_harmful(history):
    """Before: the reopened post (back in review) still counted under its old category, gambling."""
    table = build_report(history, MONTH, now=LATER).figures.table["categories"]
    assert set(table) == {"drugs"}
    assert (table["drugs"]["collected"], table["drugs"]["confirmed"], table["drugs"]["removed"]) == (6, 6, 5)


def test_the_committee_table_adds_up_to_the_summary(history):
    report = build_report(history, MONTH, now=LATER)
    platforms = report.figures.table["platform"]
    assert set(platforms) == {"forum", "facebook"}
    for column in TABLE_COLUMNS:
        if column not in ("share_removed_within_deadline", "median_hours_to_removal", "p90_hours_to_removal"):
            assert sum(row[column] for row in platforms.values()) == getattr(report.figures, column), column
    assert platforms["facebook"]["median_hours_to_removal"] == 2.0 and platforms["forum"]["p90_hours_to_removal"] \
        == percentile([2.0, 2.0, 2.0, 30.0], 90)
    assert report.previous.collected == 0 and report.previous.table["platform"] == {}


def test_every_summary_figure_is_recomputed_from_the_exported_rows(history):
    report = build_report(history, MONTH, now=LATER)
    f = report.figures
    sheet = load_workbook(io.BytesIO(report_exports.report_xlsx(report)))["Đã gỡ"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    hours = [row[7] for row in rows]
    assert f.removed == len(rows) and f.removed_within_deadline == sum(row[8] == "Có" for row in rows)
    assert f.share_removed_within_deadline == sum(row[8] == "Có" for row in rows) / len(rows)
    assert f.median_hours_to_removal == statistics.median(hours)
    assert f.p90_hours_to_removal == pytest.approx(statistics.quantiles(hours, n=10, method="inclusive")[-1])
    for row in rows:  # hours = removal - sending of the notice, both exported
        assert row[7] == pytest.approx((row[6] - row[5]).total_seconds() / 3600)
        assert (row[8] == "Có") == (row[6] <= row[12])
    figures = {row[0].value: row[2].value for row in load_workbook(io.BytesIO(
        report_exports.report_xlsx(report)))["Số liệu"].iter_rows(min_row=2, max_row=len(UNITS) + 1)}
    assert figures == {vi: getattr(f, name) for name, vi, _en, _kind in report_exports.FIGURES}


def test_report_json_prints_every_figure_and_the_rows_behind_them(config, history):
    env = {**os.environ, "SAFEWATCH_INDEX_PREFIX": history.prefix}
    result = subprocess.run([sys.executable, "-m", "safewatch", "report", "--period", "month", "--date",
                             "2026-10-15", "--json"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    figures, removed = printed["figures"], printed["removed"]
    assert set(figures) == set(UNITS) and printed["units"]["median_hours_to_removal"] == "hours per removed post"
    assert figures["removed"] == len(removed) == 5
    assert figures["median_hours_to_removal"] == statistics.median(r["hours_to_removal"] for r in removed) == 2.0
    assert figures["share_removed_within_deadline"] == sum(r["within_deadline"] for r in removed) / len(removed)
    for row in removed:
        sent, gone = datetime.fromisoformat(row["notice_sent_at"]), datetime.fromisoformat(row["removed_at"])
        assert row["hours_to_removal"] == round((gone - sent).total_seconds() / 3600, 3)
    assert printed["previous"]["figures"]["collected"] == 0 and "table" in printed
    assert [i["name"] for i in printed["indicators"]] == ["share_flagged_reviewed", "resolution_rate"]
