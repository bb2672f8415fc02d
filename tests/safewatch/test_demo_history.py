"""The demo's worked history: played through the domain functions into a real Elasticsearch, its reports
show real figures that recompute from their own rows, every step is in the audit trail, and seeding
again changes nothing."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest

from index.casework.periods import period
from index.casework.reports import build_report, percentile
from index.storage.repository import Repository
from safewatch.commands import demo_history_plan as history
from safewatch.commands.demo import DEMO_STAFF
from safewatch.commands.demo_history import MARKER, seed_history

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
KINDS = ("month", "quarter", "half", "year")


@pytest.fixture(scope="module")
def seeded(es_client, config, classifier):
    repo = Repository(es_client, f"{config.index_prefix}-dh{uuid.uuid4().hex[:6]}")
    repo.setup()
    summary = seed_history(repo, classifier, now=NOW, log=lambda line: None)
    yield repo, summary
    repo.drop_all()


def _demo_posts(repo) -> list[dict]:
    return repo.scan_posts({"term": {"source": history.SOURCE}}, fields=["status", "referred_at", "removed_at",
                                                                          "reappeared_at", "reviewer"],
                           sort=[], limit=10_000)


def _counts(repo) -> dict:
    repo.refresh()
    return {"posts": repo.client.count(index=repo.posts)["count"],
            "events": repo.client.count(index=repo.events)["count"],
            "notices": repo.client.count(index=repo.notices)["count"],
            "statuses": Counter(post["status"] for post in _demo_posts(repo))}


def test_every_step_was_played(seeded):
    repo, summary = seeded
    assert summary.seeded and summary.refused == []
    assert summary.steps == sum(summary.actions.values())
    for action in ("decide", "draft", "approve", "send", "remove", "mark_overdue", "reappear"):
        assert summary.actions.get(action, 0) > 0, action
    assert 150 <= summary.posts <= 400  # "a few hundred posts at most"


def test_the_year_report_shows_every_kind_of_figure(seeded):
    repo, _ = seeded
    report = build_report(repo, period("year", NOW.date()), now=NOW)
    figures = report.figures
    for name in ("collected", "flagged", "reviewed", "confirmed", "dismissed", "warnings", "removal_requests",
                 "removal_request_links", "removed", "removed_within_deadline", "overdue", "overdue_notices",
                 "referred", "reappeared"):
        assert getattr(figures, name) > 0, name
    assert figures.removed_within_deadline < figures.removed  # some removals came past the deadline
    assert 0 < figures.share_flagged_reviewed < 1  # the latest posts still wait for review
    assert 0 < figures.resolution_rate < 1
    assert report.previous.collected > 0 and report.previous.removed > 0  # a year back: the trend has a base
    assert report.previous.removed_within_deadline > 0


@pytest.mark.parametrize("kind", KINDS)
def test_each_summary_figure_recomputes_from_the_rows(seeded, kind):
    repo, _ = seeded
    report = build_report(repo, period(kind, NOW.date()), now=NOW)
    exported = report.as_json()
    for part in (exported, exported["previous"]):
        figures, rows = part["figures"], part["removed"]
        hours = [row["hours_to_removal"] for row in rows]
        timed = [row for row in rows if row["within_deadline"] is not None]
        assert figures["removed"] == len(rows)
        assert figures["removed_within_deadline"] == sum(1 for row in timed if row["within_deadline"])
        if timed:
            assert figures["share_removed_within_deadline"] == figures["removed_within_deadline"] / len(timed)
        assert figures["median_hours_to_removal"] == percentile(hours, 50)
        assert figures["p90_hours_to_removal"] == percentile(hours, 90)
        for row in rows:  # each row is a removal timed from the notice that covered it
            assert row["notice_reference"] and row["hours_to_removal"] > 0
            assert row["within_deadline"] == (row["removed_at"] <= row["notice_deadline"])
        platforms = part["table"]["platform"]
        for column in ("collected", "flagged", "reviewed", "removed", "removed_within_deadline", "overdue",
                       "referred", "reappeared", "removal_request_links"):
            assert sum(row[column] for row in platforms.values()) == figures[column], (kind, column)
    assert exported["figures"]["collected"] > 0


def test_the_month_and_quarter_reports_are_not_empty(seeded):
    repo, _ = seeded
    for kind in ("month", "quarter"):
        figures = build_report(repo, period(kind, NOW.date()), now=NOW).figures
        assert figures.collected and figures.reviewed and figures.removal_requests and figures.removed, kind


def test_statuses_follow_from_the_audit_trail(seeded):
    """Each demo post's status is the last one its events moved it to, and each decision was made by a
    demo reviewer who claimed it first."""
    repo, _ = seeded
    posts = _demo_posts(repo)
    assert {post["status"] for post in posts} >= {"collected", "flagged", "dismissed", "confirmed", "removed",
                                                  "overdue", "reappeared", "takedown_requested"}
    for post in posts:
        events = [e for e in repo.events_for(post["id"]) if e["action"] == "status_change"]
        if post["status"] in ("collected", "flagged") and not events:
            continue
        assert events[-1]["to_status"] == post["status"], post["id"]
        decisions = [e for e in events if e["to_status"] in ("confirmed", "dismissed")]
        for decision in decisions:
            claim = events[events.index(decision) - 1]
            assert claim["to_status"] == "in_review" and claim["actor"] == decision["actor"]
            assert decision["actor"] in DEMO_STAFF and decision["at"] < NOW.isoformat()
        if post.get("referred_at"):
            assert any(e["action"] == "referred_to_investigation" for e in repo.events_for(post["id"]))


def test_every_notice_step_is_an_event(seeded):
    repo, summary = seeded
    notices = repo.scan_notices({"match_all": {}})
    actions = Counter(event["action"] for event in repo.scan_events({"exists": {"field": "notice_id"}},
                                                                    sort=[{"at": "asc"}]))
    assert actions["notice_draft"] == len(notices) == summary.actions["draft"]
    assert actions["notice_approved"] == summary.actions["approve"]
    assert actions["notice_sent"] + actions["notice_resent"] == summary.actions["send"]
    assert actions["notice_resent"] == sum(n.get("resend_count") or 0 for n in notices) > 0
    assert actions["notice_removed"] == sum(1 for n in notices if n["status"] == "removed") > 0
    assert actions["notice_overdue"] >= sum(1 for n in notices if n["status"] == "overdue") > 0
    statuses = Counter(n["status"] for n in notices)
    assert statuses["removed"] and statuses["overdue"]
    assert all(n["created_by"] in DEMO_STAFF for n in notices)
    for notice in notices:
        if notice["kind"] == "takedown" and notice.get("approved_by"):
            assert notice["approved_by"] != notice["created_by"]  # four eyes, as everywhere


def test_seeding_twice_changes_nothing(seeded, classifier):
    repo, _ = seeded
    before = _counts(repo)
    again = seed_history(repo, classifier, now=NOW, log=lambda line: None)
    assert not again.seeded and not again.partial
    assert _counts(repo) == before
    found = repo.search_events({"term": {"action": MARKER}}, sort=[{"at": "asc"}], size=10)
    assert found["hits"]["total"]["value"] == 1


def test_the_plan_is_deterministic_and_never_in_the_future():
    texts = history.candidate_texts(random.Random(history.SEED))
    assert texts == history.candidate_texts(random.Random(history.SEED))
    flagged = [bool(categories) or number % 4 == 0 for number, (_, categories, _) in enumerate(texts)]
    first, second = history.plan(NOW, texts, flagged), history.plan(NOW, texts, flagged)
    assert first == second
    assert all(step.at <= NOW for step in first.steps)
    assert [step.at for step in first.steps] == sorted(step.at for step in first.steps)
    assert all(post.url.startswith(f"https://{history.HOST}/") for post in [*first.posts, *first.reappearing])
    assert min(post.collected_at for post in first.posts) >= NOW.replace(year=NOW.year - 1)


def test_writes_through_the_history_client_are_seen_by_the_next_search(repo):
    """The history's client defers a write's refresh to the next search of that index: never later."""
    from safewatch.commands.demo_history import RefreshBeforeSearch
    history_repo = Repository(RefreshBeforeSearch(repo.client, f"{repo.prefix}-*"), repo.prefix)
    for number in range(3):
        history_repo.append_event({"action": "probe", "actor": "test", "details": {"n": number}})
        found = history_repo.search_events({"term": {"action": "probe"}}, sort=[{"at": "asc"}], size=10)
        assert found["hits"]["total"]["value"] == number + 1
    history_repo.bulk_upsert_posts([{"id": "p1", "url": "https://x.invalid/1", "text": "t", "status": "flagged"}])
    assert history_repo.count_posts(status="flagged") == 1
