"""One crawl per source at a time, across processes and restarts.

Each source has a lock file under var/locks/<index prefix>/, held with `fcntl.flock` by the crawl
process for as long as it runs (`safewatch crawl`, whether started by hand or by the scheduler). The
kernel releases a flock when its holder dies, however it dies (SIGKILL included), so a dead holder
never blocks the next crawl and a recycled pid cannot keep it: that is why flock, not a file created
with O_EXCL that someone must judge stale and delete (and race to delete). The file also names its
holder (pid, the process's start time, host, since when) for messages; a holder named there that is
no longer running (pid gone, a zombie, or reused by another process) is reported as stale when the
lock is taken over."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from safewatch.processes import pid_alive, process_start


@dataclass(frozen=True)
class Holder:
    """The process holding (or that held) a source's lock, as its lock file names it."""

    pid: int
    host: str
    since: str  # ISO time the lock was taken
    process_start: int | None = None

    def running(self) -> bool:
        """The named process still runs: same host, its pid alive and started when the lock says (a pid
        reused by another process does not count). A holder on another host is assumed to run."""
        if self.host != socket.gethostname():
            return True
        if not pid_alive(self.pid):
            return False
        started = process_start(self.pid)  # None without /proc: the pid alone then
        return started is None or self.process_start is None or started == self.process_start

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} since {self.since[:19].replace('T', ' ')}"

    @classmethod
    def me(cls) -> Holder:
        return cls(os.getpid(), socket.gethostname(), datetime.now(UTC).isoformat(timespec="seconds"),
                   process_start(os.getpid()))


def lock_path(folder: Path, source_id: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in source_id) or "_"
    return folder / f"{safe}.lock"


class CrawlLock:
    """`lock.acquire()` -> True when this process now holds the source's lock (and `stale` names the
    dead holder it replaced, if the file named one); False when another process holds it (`holder`
    names it). `release()` when the crawl ends; a process that dies releases it anyway."""

    def __init__(self, folder: Path, source_id: str) -> None:
        self.path = lock_path(folder, source_id)
        self.source_id = source_id
        self.stale: Holder | None = None
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        previous = _read(fd)
        self.stale = previous if previous and previous.pid != os.getpid() else None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(Holder.me())).encode("utf-8"), 0)
        self._fd = fd
        return True

    @property
    def holder(self) -> Holder | None:
        """Who holds the lock now (None when nobody does)."""
        return current_holder(self.path.parent, self.source_id)

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)  # the file no longer names a holder once released
        os.close(self._fd)  # closing the descriptor releases the flock
        self._fd = None


def current_holder(folder: Path, source_id: str) -> Holder | None:
    """The process crawling the source now, as its lock file names it, or None when the file names
    nobody or a holder that is no longer running. Read without touching the flock, so that asking
    never makes a crawl starting at that instant find its lock busy."""
    try:
        fd = os.open(lock_path(folder, source_id), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        holder = _read(fd)
    finally:
        os.close(fd)
    return holder if holder is not None and holder.running() else None


def _read(fd: int) -> Holder | None:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "null")
        return Holder(**data) if isinstance(data, dict) else None
    except (ValueError, TypeError):
        return None
