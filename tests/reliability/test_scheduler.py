"""A scheduler you can leave running, against real processes: `safewatch scheduler` as a child
process running real `safewatch crawl` children of the slow forum (tests/reliability/conftest.py)
into the test's indices. Killed outright, its crawl does not go on alone and a restarted scheduler
crawls the source once, never two crawls of it at a time; stopped, it stops its crawl and records it
as interrupted; a failed crawl is retried after the back-off; Elasticsearch out of reach is waited
out; overdue notices are marked while a long crawl runs."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawlers.crawl_lock import current_holder, lock_path
from safewatch.processes import process_start
from tests.crawlers.fixture_server import FixtureServer, Reply
from tests.reliability.conftest import EXPECTED_POSTS, REGISTRY, SlowForum

SOURCE = "slow-forum"


class SchedulerProcess:
    """`safewatch scheduler` in a child process, its output in a file (the scheduler's log)."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.var, self.env, self.started = tmp_path / "var", env, 0
        self.locks = self.var / "locks" / env["SAFEWATCH_INDEX_PREFIX"]

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        self.started += 1
        self.log_file = self.var.parent / f"scheduler-{self.started}.log"
        with self.log_file.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "safewatch", "scheduler", "--interval", "0.2", *args],
                stdout=log, stderr=subprocess.STDOUT, env={**self.env, **env})
        return self.process

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8")

    def state(self) -> dict:
        try:
            return json.loads((self.var / "scheduler.json").read_text(encoding="utf-8")).get(SOURCE, {})
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def crawling_pid(self) -> int | None:
        """The pid of the crawl holding the source's lock now, if any."""
        holder = current_holder(self.locks, SOURCE)
        return holder.pid if holder else None

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def wait_for(condition, timeout: float, what: str, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout}s: {what}")


def flock_holders(path: Path) -> set[int]:
    """The pids holding a flock on the file, as the kernel lists them (/proc/locks)."""
    inode = path.stat().st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "FLOCK" in fields and "->" not in fields:  # "->": a waiter, not a holder
            at = fields.index("FLOCK")
            if fields[at + 4].rsplit(":", 1)[1] == str(inode):
                holders.add(int(fields[at + 3]))
    return holders


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def forum():
    site = SlowForum(delay=0.5)  # a crawl of about 20 s: long enough to be stopped midway
    with FixtureServer(site.routes) as server:
        server.site_model = site
        yield server


@pytest.fixture
def make_scheduler(repo, trained_models, tmp_path, forum):
    def make(**env: str) -> SchedulerProcess:
        registry = tmp_path / "sources.yml"
        registry.write_text(REGISTRY.format(base=forum.base_url), encoding="utf-8")
        base = {**os.environ, "SAFEWATCH_SOURCES_FILE": str(registry), "SAFEWATCH_INDEX_PREFIX": repo.prefix,
                "SAFEWATCH_MODEL_DIR": str(trained_models), "SAFEWATCH_VAR_DIR": str(tmp_path / "var"),
                "SAFEWATCH_CRAWL_ALLOW_PRIVATE": FixtureServer.allowance(),
                "SAFEWATCH_SCHEDULER_STOP_GRACE": "20", "SAFEWATCH_SCHEDULER_OVERDUE_SECONDS": "300"}
        return SchedulerProcess(tmp_path, {**base, **env})

    made: list[SchedulerProcess] = []
    yield lambda **env: made.append(make(**env)) or made[-1]
    for scheduler in made:  # nothing left running, whatever the test did
        if getattr(scheduler, "process", None) and scheduler.process.poll() is None:
            scheduler.process.kill()
            scheduler.process.wait()


def test_a_killed_scheduler_leaves_no_crawl_behind_and_the_next_one_crawls_once(make_scheduler, forum, repo):
    scheduler = make_scheduler()
    first = scheduler.start()
    crawl_pid = wait_for(scheduler.crawling_pid, 60, "the scheduler's crawl holds the source's lock")
    wait_for(lambda: len(forum.requests) >= 3, 30, "the crawl fetches pages")
    first.send_signal(signal.SIGKILL)
    first.wait()
    forum.site_model.delay = 0.01  # the crawl of the restarted scheduler runs to its end quickly
    # Restarted at once, while the orphaned crawl may still be stopping: it must wait for it.
    scheduler.start()
    seen: list[int] = []

    def no_crawl_left_and_a_new_one_alone() -> bool:
        holding = flock_holders(lock_path(scheduler.locks, SOURCE))
        assert len(holding) <= 1, f"two crawls of one source at a time: {holding}"
        pid = scheduler.crawling_pid()
        if pid and pid not in seen:
            seen.append(pid)
            if pid != crawl_pid:  # a new crawl holds the lock: the orphan must have let it go
                assert crawl_pid not in flock_holders(lock_path(scheduler.locks, SOURCE)), "two crawls at a time"
        return process_start(crawl_pid) is None

    wait_for(no_crawl_left_and_a_new_one_alone, 10, "the orphaned crawl is gone (SIGTERM at its parent's death)",
             every=0.02)
    wait_for(lambda: scheduler.state().get("outcome") == "done", 90, "the restarted scheduler's crawl ends")
    state = scheduler.state()
    assert state["exit_code"] == 0 and state["consecutive_failures"] == 0, scheduler.log()
    assert scheduler.stop() == 0, scheduler.log()
    log = scheduler.log()
    assert "slow-forum: interrupted (exit unknown: interrupted: the scheduler stopped before this crawl ended" in log
    assert log.count("crawling slow-forum") == 1, log  # once, and after the orphan was gone
    repo.refresh()
    assert repo.count_posts() == EXPECTED_POSTS
    assert "Traceback" not in log


def test_sigterm_stops_the_crawl_records_it_interrupted_and_exits(make_scheduler, forum):
    scheduler = make_scheduler()
    process = scheduler.start()
    crawl_pid = wait_for(scheduler.crawling_pid, 60, "the scheduler's crawl holds the source's lock")
    wait_for(lambda: len(forum.requests) >= 3, 30, "the crawl fetches pages")
    # Meanwhile a manual crawl of the same source is refused: one crawl per source, across processes.
    manual = subprocess.run([sys.executable, "-m", "safewatch", "crawl", SOURCE], capture_output=True,
                            text=True, env=scheduler.env, timeout=120)
    assert manual.returncode == 75, manual.stdout + manual.stderr
    assert f"slow-forum: skipped, another process is crawling it (pid {crawl_pid}" in manual.stderr
    stopped_at = time.monotonic()
    assert scheduler.stop(timeout=30) == 0, scheduler.log()
    assert time.monotonic() - stopped_at < 25
    assert process_start(crawl_pid) is None and scheduler.crawling_pid() is None
    state = scheduler.state()
    assert state["outcome"] == "interrupted" and state["exit_code"] == 130, (state, scheduler.log())
    assert state["last_end"] and state["next_due"] == state["last_end"]
    log = scheduler.log()
    assert "slow-forum: interrupted (exit 130" in log and log.rstrip().endswith("Scheduler stopped."), log
    assert process.returncode == 0


def test_a_failed_crawl_is_retried_after_the_back_off_not_the_schedule(make_scheduler, tmp_path):
    empty_models = tmp_path / "no-models"
    empty_models.mkdir()
    scheduler = make_scheduler(SAFEWATCH_MODEL_DIR=str(empty_models), SAFEWATCH_SCHEDULER_RETRY_SECONDS="1")
    scheduler.start()

    def after_three_failures() -> dict | None:
        state = scheduler.state()  # a snapshot between two runs (not while the next one runs)
        return state if state.get("outcome") == "failed" and state["consecutive_failures"] >= 3 else None

    state = wait_for(after_three_failures, 50, "three failed crawls in a row")
    assert scheduler.stop() == 0
    assert state["outcome"] == "failed" and state["exit_code"] == 1 and state["meaning"].startswith("failed")
    from datetime import datetime
    waited = datetime.fromisoformat(state["next_due"]) - datetime.fromisoformat(state["last_end"])
    assert waited.total_seconds() == 2 ** (state["consecutive_failures"] - 1)  # 1 s, doubling (schedule 6 h)
    log = scheduler.log()
    assert "No trained model" in log and log.count("slow-forum: failed (exit 1") >= 3, log


def test_elasticsearch_out_of_reach_is_waited_out(make_scheduler):
    scheduler = make_scheduler(SAFEWATCH_ES_URL=f"http://127.0.0.1:{closed_port()}",
                               SAFEWATCH_SCHEDULER_OVERDUE_SECONDS="0.5", SAFEWATCH_SCHEDULER_RETRY_SECONDS="1")
    process = scheduler.start()
    wait_for(lambda: scheduler.log().count("overdue marking failed (Elasticsearch is not reachable") >= 3, 40,
             "overdue marking tried again and again")
    wait_for(lambda: scheduler.state().get("outcome") == "failed", 40, "the crawl fails, recorded")
    assert process.poll() is None, scheduler.log()  # still running
    assert scheduler.stop() == 0
    assert "Traceback" not in scheduler.log()


THREAD = """<html><body><h1>Rao vặt</h1>
<article id="post-1"><div class="body">Pod 1 lần giá học sinh, ib mình</div></article></body></html>"""


def test_overdue_notices_are_marked_while_a_long_crawl_runs(make_scheduler, repo):
    from tests.crawlers.test_recheck import under_notice
    with FixtureServer({"/thread": Reply(THREAD)}) as platform:
        scheduler = make_scheduler(SAFEWATCH_SCHEDULER_OVERDUE_SECONDS="0.5")
        scheduler.start()
        crawl_pid = wait_for(scheduler.crawling_pid, 60, "the scheduler's crawl holds the source's lock")
        post_id = under_notice(repo, platform.url("/thread#post-1"))  # sent 3 days ago: past its deadline
        [notice] = repo.find_notices(post_id=post_id)

        def overdue() -> bool:
            repo.refresh()
            return repo.find_notices(post_id=post_id)[0]["status"] == "overdue"

        wait_for(overdue, 20, "the notice is marked overdue", every=0.2)
        assert scheduler.crawling_pid() == crawl_pid, "the crawl should still be running"
        assert scheduler.stop() == 0
    assert f"notice(s) now overdue: {notice['reference']}" in scheduler.log(), scheduler.log()
