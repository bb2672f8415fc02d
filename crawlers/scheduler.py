"""`safewatch scheduler`: crawls each source when its schedule says it is due, and marks overdue
notices, until stopped. Each crawl runs as its own `safewatch crawl ID` process (Scrapy's reactor
runs once per process), so one failing source never stops the others. When each source was last
crawled is kept in var/scheduler.json, so a restart does not crawl everything again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from crawlers.registry import Source


@dataclass
class Run:
    source_id: str
    started_at: str
    exit_code: int
    seconds: float


def crawl_in_subprocess(source_id: str) -> int:
    return subprocess.run([sys.executable, "-m", "safewatch.cli", "crawl", source_id], check=False).returncode


class Scheduler:
    def __init__(self, sources: list[Source], state_file: Path,
                 crawl: Callable[[str], int] = crawl_in_subprocess,
                 after_tick: Callable[[datetime], None] | None = None) -> None:
        self.sources = sources
        self.state_file = state_file
        self.crawl = crawl
        self.after_tick = after_tick

    def state(self) -> dict[str, dict]:
        try:
            return json.loads(self.state_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def due(self, now: datetime) -> list[Source]:
        state = self.state()
        due = []
        for source in self.sources:
            last = state.get(source.id, {}).get("started_at")
            if last is None or now - datetime.fromisoformat(last) >= source.schedule:
                due.append(source)
        return due

    def tick(self, now: datetime | None = None, log: Callable[[str], None] = print) -> list[Run]:
        now = now or datetime.now(UTC)
        runs = []
        for source in self.due(now):
            log(f"[{now:%Y-%m-%d %H:%M}] crawling {source.id} (every {source.schedule_text})")
            started = time.monotonic()
            code = self.crawl(source.id)
            run = Run(source.id, now.isoformat(), code, round(time.monotonic() - started, 1))
            runs.append(run)
            self._record(run)
            log(f"  {source.id}: {'done' if code == 0 else f'failed (exit {code})'} in {run.seconds:.0f}s")
        if self.after_tick:
            self.after_tick(now)
        return runs

    def run_forever(self, interval: float = 60.0, log: Callable[[str], None] = print) -> None:
        log(f"Scheduler watching {len(self.sources)} source(s); Ctrl-C to stop.")
        try:
            while True:
                self.tick(log=log)
                time.sleep(interval)
        except KeyboardInterrupt:
            log("Scheduler stopped.")

    def _record(self, run: Run) -> None:
        state = self.state()
        state[run.source_id] = {"started_at": run.started_at, "exit_code": run.exit_code, "seconds": run.seconds}
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.state_file.with_suffix(".part")
        partial.write_text(json.dumps(state, indent=2), encoding="utf-8")
        os.replace(partial, self.state_file)
