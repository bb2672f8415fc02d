"""Child processes the scheduler supervises (crawls, re-checks): each in its own process group, so a
Ctrl-C at the terminal reaches the scheduler alone and the child gets exactly one stop signal (a
second one makes Scrapy stop without flushing); and on Linux asked to receive SIGTERM when the
scheduler dies (PR_SET_PDEATHSIG), so a SIGKILLed scheduler leaves no crawl running unsupervised."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec function that asks the kernel for SIGTERM when the parent dies, or None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork: nothing to load after
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request was made: stop at once
            os._exit(143)

    return preexec


def spawn(command: list[str]) -> subprocess.Popen:
    """Starts the command as a supervised child; its output goes where the scheduler's goes."""
    return subprocess.Popen(command, start_new_session=True, preexec_fn=_parent_death_signal())


def stop(processes: list[subprocess.Popen], grace: float) -> None:
    """SIGTERM to each (the crawl stores what it holds and exits 130), SIGKILL to those still running
    after `grace` seconds; returns once every one has exited."""
    for process in processes:
        if process.poll() is None:
            try:
                process.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(p.poll() is None for p in processes):
        time.sleep(0.1)
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()
