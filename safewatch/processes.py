"""Whether a process runs, for the crawl locks (crawlers/crawl_lock.py) and the embedded node's
launcher (index/node/launcher.py): one answer for both, zombies included."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def process_start(pid: int) -> int | None:
    """When the process started (clock ticks since boot, /proc/<pid>/stat field 22); None when there is
    no such process, or it is a zombie (it has exited), or /proc cannot tell (not Linux)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name, in parentheses, may hold spaces
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def pid_alive(pid: int) -> bool:
    """The process exists and has not exited: a zombie (ended, its exit code not yet collected by its
    parent) is not alive. Without /proc (not Linux) the signal-0 test alone decides."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    if not PROC.is_dir():
        return True
    return process_start(pid) is not None
