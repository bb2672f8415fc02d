"""The scheduler crawls what is due, remembers when, retries a failed crawl after a back-off rather
than a whole schedule, and keeps going whatever one round does. Crawls here are real child
processes (small Python commands); tests/reliability/test_scheduler.py runs real crawls."""

import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from crawlers.registry import RateLimit, Source
from crawlers.schedule_state import EXIT_MEANINGS, SourceState, StateFile, back_off, exit_meaning
from crawlers.scheduler import Scheduler, SchedulerSettings

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
EXITS = {"hourly": 0, "daily": 0, "broken": 3}


def source(source_id, hours):
    return Source(source_id, source_id, "forum", "rss", ("https://f.example/feed",), schedule=timedelta(hours=hours),
                  rate_limit=RateLimit())


def exits_with(codes):
    return lambda source_id: [sys.executable, "-c", f"import sys; sys.exit({codes[source_id]})"]


def settle(scheduler, now):
    """One pass at `now`, then waits for the children it started and records them at `now`."""
    scheduler.step(now)
    for job in list(scheduler.jobs.values()):
        job.process.wait(timeout=30)
    scheduler.step(now)


def test_due_sources_are_crawled_once_per_schedule_and_a_failure_retried_after_a_back_off(tmp_path):
    sources = [source("hourly", 1), source("daily", 24), source("broken", 6)]
    scheduler = Scheduler(sources, tmp_path / "state.json", tmp_path / "locks", crawl_command=exits_with(EXITS),
                          settings=SchedulerSettings(interval=60, retry_first=300, max_crawls=3), log=lambda m: None)
    settle(scheduler, T0)
    assert sorted((r.source_id, r.exit_code, r.outcome) for r in scheduler.runs) == [
        ("broken", 3, "failed"), ("daily", 0, "done"), ("hourly", 0, "done")]
    broken = StateFile(tmp_path / "state.json").get("broken")
    assert broken.consecutive_failures == 1 and broken.next_due == (T0 + timedelta(minutes=5)).isoformat()
    assert broken.last_start == broken.last_end == T0.isoformat() and "disk" in broken.meaning
    assert [s.id for s in scheduler.due(T0 + timedelta(minutes=4))] == []
    # The failed source comes back after 5 minutes, not 6 hours; then after 10 (the wait doubles).
    assert [s.id for s in scheduler.due(T0 + timedelta(minutes=5))] == ["broken"]
    settle(scheduler, T0 + timedelta(minutes=5))
    broken = StateFile(tmp_path / "state.json").get("broken")
    assert broken.consecutive_failures == 2 and broken.next_due == (T0 + timedelta(minutes=15)).isoformat()
    # A success resets it: due again a whole schedule after it started.
    scheduler.crawl_command = exits_with({**EXITS, "broken": 0})
    settle(scheduler, T0 + timedelta(minutes=15))
    broken = StateFile(tmp_path / "state.json").get("broken")
    assert (broken.outcome, broken.consecutive_failures, broken.exit_code) == ("done", 0, 0)
    assert broken.next_due == (T0 + timedelta(hours=6, minutes=15)).isoformat()
    # A restart reads the state back: nothing is crawled again before it is due.
    again = Scheduler(sources, tmp_path / "state.json", tmp_path / "locks")
    assert again.due(T0 + timedelta(minutes=59)) == []
    assert [s.id for s in again.due(T0 + timedelta(hours=24))] == ["hourly", "daily", "broken"]


def test_back_off_doubles_up_to_the_schedule():
    first, schedule = timedelta(minutes=5), timedelta(hours=1)
    assert [back_off(n, first, schedule) for n in range(0, 6)] == [
        timedelta(0), first, 2 * first, 4 * first, 8 * first, schedule]
    assert back_off(500, first, schedule) == schedule


def test_state_written_by_the_older_scheduler_is_read(tmp_path):
    state = SourceState.from_dict({"started_at": T0.isoformat(), "exit_code": 0, "seconds": 3.0})
    assert state.last_start == T0.isoformat() and state.outcome == "done"
    assert not state.is_due(T0 + timedelta(minutes=59), timedelta(hours=1))
    assert state.is_due(T0 + timedelta(hours=1), timedelta(hours=1))


def test_every_exit_code_of_the_crawl_has_a_meaning():
    from safewatch.commands import crawling
    codes = {value for name, value in vars(crawling).items() if name.startswith("EXIT_")}
    assert codes and codes <= set(EXIT_MEANINGS), codes - set(EXIT_MEANINGS)
    assert exit_meaning(-9) == "failed: the crawl process was killed by SIGKILL"
    assert exit_meaning(None).startswith("failed") and exit_meaning(42) == "failed: exit code 42"


def stop_when(scheduler, condition, timeout=30.0):
    """Stops the scheduler (as its SIGTERM handler does) once condition() holds, or after timeout."""
    def watch():
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.05)
        scheduler.stopping = True
    threading.Thread(target=watch, daemon=True).start()


def test_a_long_crawl_does_not_hold_up_overdue_marking_and_is_interrupted_when_stopped(tmp_path):
    marked, lines = [], []
    slow = lambda source_id: [sys.executable, "-c", "import time; time.sleep(60)"]  # noqa: E731
    scheduler = Scheduler([source("slow", 1)], tmp_path / "state.json", tmp_path / "locks", crawl_command=slow,
                          overdue=lambda now: marked.append(now) and False, log=lines.append,
                          settings=SchedulerSettings(interval=0.2, overdue_every=0.3, stop_grace=5))
    stop_when(scheduler, lambda: len(marked) >= 5)
    runs = scheduler.run()
    assert len(marked) >= 5, (marked, lines)  # every 0.3 s while the crawl ran
    assert [(r.source_id, r.outcome) for r in runs] == [("slow", "interrupted")]
    state = StateFile(tmp_path / "state.json").get("slow")
    assert state.outcome == "interrupted" and state.exit_code == -15 and state.last_end
    assert state.next_due == state.last_end  # due again at once, to finish what it started
    assert any("slow: interrupted" in line for line in lines) and lines[-1] == "Scheduler stopped."


def test_an_error_of_one_round_is_logged_and_the_scheduler_goes_on(tmp_path):
    lines, attempts = [], []

    def overdue(now):
        attempts.append(now)
        raise ConnectionError("connection refused")

    scheduler = Scheduler([source("forum", 1)], tmp_path / "state.json", tmp_path / "locks",
                          crawl_command=lambda source_id: [str(tmp_path / "no-such-program")], overdue=overdue,
                          log=lines.append, settings=SchedulerSettings(interval=0.2, overdue_every=0.3,
                                                                       retry_first=0.5))
    stop_when(scheduler, lambda: len(attempts) >= 4 and len(scheduler.runs) >= 2)
    scheduler.run()
    assert len(attempts) >= 4, lines
    assert sum("overdue marking failed (ConnectionError: connection refused)" in line for line in lines) >= 4
    not_started = [r for r in scheduler.runs if r.exit_code is None]
    assert len(not_started) >= 2 and all(r.outcome == "failed" for r in not_started)  # retried after 0.5 s, 1 s
    assert StateFile(tmp_path / "state.json").get("forum").consecutive_failures == len(not_started)
    assert lines[-1] == "Scheduler stopped."


def test_settings_that_cannot_work_are_refused():
    from safewatch.errors import SafeWatchError
    with pytest.raises(SafeWatchError, match="above 0"):
        SchedulerSettings(overdue_every=0)
    with pytest.raises(SafeWatchError, match="SAFEWATCH_SCHEDULER_MAX_CRAWLS"):
        SchedulerSettings(max_crawls=0)


def test_scheduler_once_crawls_the_demo_feed(config, repo, trained_models, tmp_path):
    import os
    import subprocess
    import sys
    registry = tmp_path / "sources.yml"
    registry.write_text("""sources:
  - id: demo-feed
    name: demo feed
    platform: forum
    kind: rss
    start_urls: ["{demo}/feed.xml"]
    schedule: 1h
    rate_limit: {concurrency: 1, delay: 0}
""", encoding="utf-8")
    env = {**os.environ, "SAFEWATCH_SOURCES_FILE": str(registry), "SAFEWATCH_INDEX_PREFIX": repo.prefix,
           "SAFEWATCH_MODEL_DIR": str(trained_models), "SAFEWATCH_VAR_DIR": str(tmp_path / "var"),
           "SAFEWATCH_DEMO_SITE_PORT": "0"}
    result = subprocess.run([sys.executable, "-m", "safewatch", "scheduler", "--once"], capture_output=True,
                            text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 crawl(s) run, 0 failed" in result.stdout
    repo.refresh()
    assert repo.count_posts() == 40


def test_the_tip_fetch_runs_as_a_child_in_the_rounds_where_tips_wait(tmp_path):
    marker, lines, asked = tmp_path / "fetched", [], []
    waiting = [True, False, True]

    def tips_waiting():
        asked.append(1)
        if not waiting:
            raise ConnectionError("connection refused")
        return waiting.pop(0)

    fetch = lambda: [sys.executable, "-c", f"open({str(marker)!r}, 'a').write('x')"]  # noqa: E731
    scheduler = Scheduler([], tmp_path / "state.json", tmp_path / "locks", tips_waiting=tips_waiting,
                          tip_fetch_command=fetch, log=lines.append, settings=SchedulerSettings(interval=60))
    settle(scheduler, T0)  # tips wait: the fetch runs; its end is not a new round, nothing is asked again
    assert marker.read_text() == "x" and len(asked) == 1
    assert any("fetching the addresses reported in tips" in line for line in lines)
    assert any("tip fetch ended (exit 0)" in line for line in lines)
    settle(scheduler, T0 + timedelta(seconds=30))  # not a new round yet
    assert len(asked) == 1
    settle(scheduler, T0 + timedelta(minutes=1))  # none wait: nothing runs
    assert marker.read_text() == "x" and len(asked) == 2
    settle(scheduler, T0 + timedelta(minutes=2))
    assert marker.read_text() == "xx"
    settle(scheduler, T0 + timedelta(minutes=3))  # Elasticsearch down: logged, the scheduler goes on
    assert any("could not look for tips to fetch (ConnectionError: connection refused)" in line for line in lines)
    assert scheduler.runs == [] and marker.read_text() == "xx"
