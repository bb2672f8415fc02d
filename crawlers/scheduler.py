"""`safewatch scheduler`: crawls each source when due and marks overdue notices, until stopped.

Each crawl runs as its own `safewatch crawl ID` child (Scrapy's reactor runs once per process),
watched from the loop rather than waited for, so a long crawl never holds up overdue marking, which
has its own cadence. At most `max_crawls` crawls run at once, and never two of one source: the crawl
itself holds the source's lock (crawlers/crawl_lock.py), and a source locked by another process is
skipped with a log line. A failed crawl is retried after a back-off, not a whole schedule
(crawlers/schedule_state.py). No error of one round stops the loop (Elasticsearch down, a crawl
that cannot start): it is logged in one line and tried again later; only SIGTERM or Ctrl-C stop it,
and then the running children are stopped too (SIGTERM, then SIGKILL after a grace period) and
recorded as interrupted. Children of a scheduler killed outright get SIGTERM from the kernel."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import Popen

from crawlers import children
from crawlers.crawl_lock import current_holder
from crawlers.registry import Source
from crawlers.schedule_state import EXIT_BUSY, SourceState, StateFile

MAX_PAUSE = 300.0  # the longest wait after a failed round or overdue marking
WATCH_EVERY = 1.0  # running children are looked at this often (seconds)


@dataclass(frozen=True)
class SchedulerSettings:
    interval: float = 60.0  # seconds between looks at what is due
    retry_first: float = 300.0  # a failed crawl is retried after this many seconds, doubling up to its schedule
    overdue_every: float = 300.0  # seconds between overdue markings
    stop_grace: float = 30.0  # seconds a child has to stop after SIGTERM before SIGKILL
    max_crawls: int = 1  # crawls running at once

    def __post_init__(self) -> None:
        from safewatch.errors import SafeWatchError
        for name in ("interval", "retry_first", "overdue_every"):
            if not getattr(self, name) > 0:
                raise SafeWatchError(f"Scheduler setting {name}={getattr(self, name)!r}: "
                                     "give a number of seconds above 0.")
        if self.stop_grace < 0 or self.max_crawls < 1:
            raise SafeWatchError("Scheduler settings: the stop grace period cannot be negative and at least one "
                                 "crawl must be allowed at a time (SAFEWATCH_SCHEDULER_STOP_GRACE, "
                                 "SAFEWATCH_SCHEDULER_MAX_CRAWLS).")


@dataclass
class Run:
    source_id: str
    started_at: str
    exit_code: int | None
    seconds: float
    outcome: str


@dataclass
class Job:
    name: str
    process: Popen
    is_crawl: bool = True


def crawl_command(source_id: str) -> list[str]:
    return [sys.executable, "-m", "safewatch", "crawl", source_id]


def recheck_command() -> list[str]:
    return [sys.executable, "-m", "safewatch", "recheck"]


def tip_fetch_command() -> list[str]:
    return [sys.executable, "-m", "safewatch", "tips", "fetch"]


TIP_FETCH = "(tip fetch)"
RECHECK = "(recheck)"


def say(message: str) -> None:
    print(message, flush=True)


def one_line(error: BaseException) -> str:
    from safewatch.errors import user_message
    try:
        message = user_message(error)
    except Exception:  # noqa: BLE001 - the message of an error must never raise another
        message = None
    return (message or f"{type(error).__name__}: {error}").replace("\n", " ")


class Scheduler:
    """overdue(now) marks overdue notices and says whether posts under a notice are due a re-check
    (then recheck_command runs as a child, one at a time). tips_waiting() says whether addresses reported
    in tips wait for their fetch: asked each round, and then tip_fetch_command runs as a child, one at a
    time (once per `--once` run)."""

    def __init__(self, sources: list[Source], state_file: Path, lock_dir: Path, *,
                 settings: SchedulerSettings = SchedulerSettings(),
                 crawl_command: Callable[[str], list[str]] = crawl_command,
                 overdue: Callable[[datetime], bool] | None = None,
                 recheck_command: Callable[[], list[str]] = recheck_command,
                 tips_waiting: Callable[[], bool] | None = None,
                 tip_fetch_command: Callable[[], list[str]] = tip_fetch_command,
                 log: Callable[[str], None] = say, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sources = {source.id: source for source in sources}
        self.state = StateFile(state_file)
        self.lock_dir = lock_dir
        self.settings = settings
        self.crawl_command, self.recheck_command = crawl_command, recheck_command
        self.tips_waiting, self.tip_fetch_command = tips_waiting, tip_fetch_command
        self._tips_tried = False
        self.overdue, self.log, self.clock = overdue, log, clock
        self.jobs: dict[str, Job] = {}
        self.runs: list[Run] = []
        self.stopping = False
        self.overdue_failed = False
        self._busy_noted: set[str] = set()
        self._tried: set[str] = set()  # sources started in this round (--once)
        self._next_look = self._next_overdue = datetime.min.replace(tzinfo=UTC)
        self._overdue_failures = 0

    # --- what is due -------------------------------------------------------------------------
    def due(self, now: datetime) -> list[Source]:
        states = self.state.read()
        return [source for source in self.sources.values() if source.id not in self.jobs
                and states.get(source.id, SourceState()).is_due(now, source.schedule)]

    # --- one pass of the loop ----------------------------------------------------------------
    def step(self, now: datetime, *, once: bool = False) -> None:
        ended = self._reap(now)
        if now >= self._next_overdue and not (once and self._next_overdue > datetime.min.replace(tzinfo=UTC)):
            self._mark_overdue(now)
        if ended or now >= self._next_look:
            new_round = now >= self._next_look  # not merely a child that ended: a failing fetch waits a round
            self._next_look = now + timedelta(seconds=self.settings.interval)
            self._settle_abandoned(now)
            self._start_due(now, once=once)
            if new_round:
                self._start_tip_fetch(now, once=once)

    def _start_due(self, now: datetime, *, once: bool) -> None:
        for source in self.due(now):
            if sum(job.is_crawl for job in self.jobs.values()) >= self.settings.max_crawls:
                return
            if once and source.id in self._tried:
                continue
            holder = current_holder(self.lock_dir, source.id)
            if holder is not None:
                if source.id not in self._busy_noted:
                    self._busy_noted.add(source.id)
                    self.log(f"{stamp(now)} {source.id}: skipped, a crawl of it is already running "
                             f"({holder.describe()}); it is crawled once that one ends")
                self._tried.add(source.id)
                continue
            self._busy_noted.discard(source.id)
            self._tried.add(source.id)
            self._start_crawl(source, now)

    def _start_crawl(self, source: Source, now: datetime) -> None:
        self.log(f"{stamp(now)} crawling {source.id} (every {source.schedule_text})")
        state = self.state.get(source.id)
        try:
            process = children.spawn(self.crawl_command(source.id))
        except OSError as error:
            self.log(f"{stamp(now)} {source.id}: the crawl could not start ({one_line(error)})")
            self._record(source.id, state.started(now, None), now, None)
            return
        self.jobs[source.id] = Job(source.id, process)
        self.state.put(source.id, state.started(now, process.pid))

    def _start_tip_fetch(self, now: datetime, *, once: bool) -> None:
        """The addresses reported in tips, fetched by their own child while any waits."""
        if self.tips_waiting is None or TIP_FETCH in self.jobs or (once and self._tips_tried):
            return
        try:
            waiting = self.tips_waiting()
        except Exception as error:  # noqa: BLE001 - Elasticsearch down and the like: asked again next round
            self.log(f"{stamp(now)} could not look for tips to fetch ({one_line(error)}); trying again next round")
            return
        if not waiting:
            return
        self._tips_tried = True
        self.log(f"{stamp(now)} fetching the addresses reported in tips")
        try:
            self.jobs[TIP_FETCH] = Job(TIP_FETCH, children.spawn(self.tip_fetch_command()), is_crawl=False)
        except OSError as error:
            self.log(f"{stamp(now)} the tip fetch could not start ({one_line(error)})")

    def _reap(self, now: datetime) -> bool:
        ended = False
        for name, job in list(self.jobs.items()):
            code = job.process.poll()
            if code is None:
                continue
            del self.jobs[name]
            ended = True
            if job.is_crawl:
                self._record(name, self.state.get(name), now, code)
            else:
                self.log(f"{stamp(now)} {_duty_name(name)} ended (exit {code})")
        return ended

    def _record(self, source_id: str, state: SourceState, now: datetime, code: int | None, *,
                interrupted: bool = False, why: str = "") -> None:
        source = self.sources[source_id]
        if code == EXIT_BUSY and not interrupted:
            ended = replace(state.ended(now, code, schedule=source.schedule, retry_first=self._retry_first()),
                            outcome="busy", consecutive_failures=state.consecutive_failures, next_due=now.isoformat())
        else:
            ended = state.ended(now, code, schedule=source.schedule, retry_first=self._retry_first(),
                                interrupted=interrupted)
        if why:
            ended = replace(ended, meaning=why)
        self.state.put(source_id, ended)
        self.runs.append(Run(source_id, state.last_start or now.isoformat(), code, ended.seconds or 0.0,
                             ended.outcome))
        exit_text = f"exit {code}" if code is not None else "exit unknown" if interrupted else "not started"
        failures = f", {ended.consecutive_failures} failure(s) in a row" if ended.outcome == "failed" else ""
        self.log(f"{stamp(now)} {source_id}: {ended.outcome} ({exit_text}: {ended.meaning}) after "
                 f"{ended.seconds or 0:.0f}s{failures}; next due {stamp(datetime.fromisoformat(ended.next_due))}")

    def _retry_first(self) -> timedelta:
        return timedelta(seconds=self.settings.retry_first)

    def _settle_abandoned(self, now: datetime) -> None:
        """A run the state file says is running, that no child of ours runs and whose lock is free,
        ended with an earlier scheduler that was killed: recorded as interrupted, due again at once."""
        for source_id, state in self.state.read().items():
            if (state.outcome == "running" and source_id in self.sources and source_id not in self.jobs
                    and current_holder(self.lock_dir, source_id) is None):
                self._record(source_id, state, now, None, interrupted=True,
                             why="interrupted: the scheduler stopped before this crawl ended; due again at once")

    def _mark_overdue(self, now: datetime) -> None:
        if self.overdue is None:
            self._next_overdue = now + timedelta(seconds=self.settings.overdue_every)
            return
        try:
            wants_recheck = self.overdue(now)
        except Exception as error:  # noqa: BLE001 - Elasticsearch down and the like: logged, tried again
            self._overdue_failures += 1
            self.overdue_failed = True
            pause = min(10.0 * 2 ** (self._overdue_failures - 1), self.settings.overdue_every, MAX_PAUSE)
            self._next_overdue = now + timedelta(seconds=pause)
            self.log(f"{stamp(now)} overdue marking failed ({one_line(error)}); trying again in {pause:g}s")
            return
        self._overdue_failures = 0
        self._next_overdue = now + timedelta(seconds=self.settings.overdue_every)
        if wants_recheck and RECHECK not in self.jobs:
            try:
                self.jobs[RECHECK] = Job(RECHECK, children.spawn(self.recheck_command()), is_crawl=False)
            except OSError as error:
                self.log(f"{stamp(now)} the re-check could not start ({one_line(error)})")

    # --- the loop -----------------------------------------------------------------------------
    def run(self, *, once: bool = False) -> list[Run]:
        """Until SIGTERM or Ctrl-C (once: until every source due now has been crawled once)."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        errors = 0
        try:
            if not once:
                self.log(f"Scheduler watching {len(self.sources)} source(s); Ctrl-C or SIGTERM to stop.")
            while not self.stopping:
                now = self.clock()
                try:
                    self.step(now, once=once)
                    errors = 0
                except Exception as error:  # noqa: BLE001 - one failed round never stops the scheduler
                    errors += 1
                    pause = min(max(self.settings.interval, 1.0) * 2 ** (errors - 1), MAX_PAUSE)
                    self.log(f"{stamp(now)} scheduler round failed ({one_line(error)}); trying again in {pause:g}s")
                    if once:
                        self.overdue_failed = True
                        break
                    self._sleep(pause)
                    continue
                if once and not self.jobs and not self._startable(now):
                    break
                self._sleep(min(WATCH_EVERY, max(self.settings.interval, 0.05)))
        finally:
            self._stop_children()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if not once:
            self.log("Scheduler stopped.")
        return self.runs

    def _startable(self, now: datetime) -> bool:
        return any(source.id not in self._tried for source in self.due(now))

    def _stop(self, signum, frame) -> None:
        self.stopping = True

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))

    def _stop_children(self) -> None:
        if not self.jobs:
            return
        self.log(f"{stamp(self.clock())} stopping {', '.join(self.jobs)} (SIGTERM, SIGKILL after "
                 f"{self.settings.stop_grace:g}s)")
        children.stop([job.process for job in self.jobs.values()], self.settings.stop_grace)
        now = self.clock()
        for name, job in list(self.jobs.items()):
            del self.jobs[name]
            if job.is_crawl:
                code = job.process.returncode  # a crawl that finished meanwhile is recorded as it ended
                self._record(name, self.state.get(name), now, code, interrupted=code != 0)
            else:
                self.log(f"{stamp(now)} {_duty_name(name)} stopped (exit {job.process.returncode})")


def _duty_name(job_name: str) -> str:
    return "tip fetch" if job_name == TIP_FETCH else "re-check"


def stamp(moment: datetime) -> str:
    return f"[{moment:%Y-%m-%d %H:%M:%S}]"
