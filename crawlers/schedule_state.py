"""What the scheduler remembers of each source (var/scheduler.json): its last run (start, end, exit
code and what it means), consecutive failures and when it is next due. A failed crawl is retried
after a back-off that doubles from `retry_first` up to the source's own schedule; a success resets it;
an interrupted crawl (the scheduler was stopped) is due again at once, to finish what it started."""

from __future__ import annotations

import json
import os
import signal
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

# Exit codes of `safewatch crawl` (safewatch/commands/crawling.py EXIT_*) and what they mean here.
EXIT_MEANINGS = {
    0: "done: everything fetched was stored",
    1: "failed: some posts were not indexed, or the crawl could not start (see its error line)",
    2: "failed: the crawl command was refused (bad arguments)",
    3: "failed: a write on disk failed (spool or evidence), the crawl stopped",
    75: "busy: another process is crawling this source",
    130: "interrupted (Ctrl-C or SIGTERM)",
}
EXIT_BUSY = 75


def exit_meaning(code: int | None) -> str:
    if code is None:
        return "failed: the crawl process could not be started"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"failed: the crawl process was killed by {name}"
    return EXIT_MEANINGS.get(code, f"failed: exit code {code}")


@dataclass(frozen=True)
class SourceState:
    """One source's entry. outcome: running | done | failed | interrupted."""

    last_start: str | None = None
    last_end: str | None = None
    exit_code: int | None = None
    meaning: str = ""
    outcome: str = ""
    consecutive_failures: int = 0
    next_due: str | None = None
    seconds: float | None = None
    pid: int | None = None  # of the crawl while it runs

    @classmethod
    def from_dict(cls, data: dict) -> SourceState:
        if "started_at" in data and "last_start" not in data:  # written by an older scheduler
            return cls(last_start=data["started_at"], exit_code=data.get("exit_code"),
                       outcome="done" if data.get("exit_code") == 0 else "failed", seconds=data.get("seconds"))
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def is_due(self, now: datetime, schedule: timedelta) -> bool:
        if self.next_due is not None:
            return now >= datetime.fromisoformat(self.next_due)
        return self.last_start is None or now - datetime.fromisoformat(self.last_start) >= schedule

    def started(self, now: datetime, pid: int | None) -> SourceState:
        return replace(self, last_start=now.isoformat(), outcome="running", pid=pid, last_end=None,
                       exit_code=None, meaning="running", seconds=None)

    def ended(self, now: datetime, code: int | None, *, schedule: timedelta, retry_first: timedelta,
              interrupted: bool = False) -> SourceState:
        """The state after a run that ended with `code` (None: could not start). interrupted: the
        scheduler stopped it (or died while it ran)."""
        start = datetime.fromisoformat(self.last_start) if self.last_start else now
        ended = replace(self, last_end=now.isoformat(), exit_code=code, pid=None,
                        seconds=round((now - start).total_seconds(), 1))
        if interrupted:
            return replace(ended, outcome="interrupted", next_due=now.isoformat(),
                           meaning="interrupted: the scheduler stopped it; due again at once")
        if code == 0:
            return replace(ended, outcome="done", meaning=exit_meaning(0), consecutive_failures=0,
                           next_due=(start + schedule).isoformat())
        failures = self.consecutive_failures + 1
        return replace(ended, outcome="failed", meaning=exit_meaning(code), consecutive_failures=failures,
                       next_due=(now + back_off(failures, retry_first, schedule)).isoformat())


def back_off(failures: int, retry_first: timedelta, schedule: timedelta) -> timedelta:
    """How long after its failures-th failure in a row a source is tried again: retry_first, doubling,
    never longer than its schedule."""
    if failures <= 0:
        return timedelta(0)
    return min(retry_first * 2 ** min(failures - 1, 30), schedule)


class StateFile:
    """var/scheduler.json: {source id: SourceState as a dict}. Written whole to a temporary file and
    renamed over it, so a crash never leaves half a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, SourceState]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return {key: SourceState.from_dict(value) for key, value in data.items() if isinstance(value, dict)}

    def get(self, source_id: str) -> SourceState:
        return self.read().get(source_id, SourceState())

    def put(self, source_id: str, state: SourceState) -> None:
        states = self.read()
        states[source_id] = state
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(f".{os.getpid()}.part")
        partial.write_text(json.dumps({key: asdict(value) for key, value in states.items()}, indent=2),
                           encoding="utf-8")
        os.replace(partial, self.path)
