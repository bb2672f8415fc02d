"""The scheduler crawls what is due, remembers when, and keeps going when a source fails."""

from datetime import UTC, datetime, timedelta

from crawlers.registry import RateLimit, Source
from crawlers.scheduler import Scheduler

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def source(source_id, hours):
    return Source(source_id, source_id, "forum", "rss", ("https://f.example/feed",), schedule=timedelta(hours=hours),
                  rate_limit=RateLimit())


def test_due_sources_are_crawled_once_per_schedule(tmp_path):
    crawled, ticks = [], []
    scheduler = Scheduler([source("hourly", 1), source("daily", 24), source("broken", 1)], tmp_path / "state.json",
                          crawl=lambda source_id: crawled.append(source_id) or (3 if source_id == "broken" else 0),
                          after_tick=ticks.append)
    quiet = {"log": lambda message: None}
    runs = scheduler.tick(T0, **quiet)
    assert [r.source_id for r in runs] == ["hourly", "daily", "broken"] and runs[2].exit_code == 3
    assert scheduler.tick(T0 + timedelta(minutes=30), **quiet) == []
    assert [r.source_id for r in scheduler.tick(T0 + timedelta(hours=1), **quiet)] == ["hourly", "broken"]
    # A restart reads the state back: nothing is crawled again before it is due.
    again = Scheduler(scheduler.sources, tmp_path / "state.json", crawl=crawled.append)
    assert again.due(T0 + timedelta(hours=1, minutes=5)) == []
    assert [s.id for s in again.due(T0 + timedelta(hours=24))] == ["hourly", "daily", "broken"]
    assert len(ticks) == 3 and crawled.count("daily") == 1


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
    result = subprocess.run([sys.executable, "-m", "safewatch.cli", "scheduler", "--once"], capture_output=True,
                            text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 crawl(s) run, 0 failed" in result.stdout
    repo.refresh()
    assert repo.count_posts() == 40
