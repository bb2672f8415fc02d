"""One crawl per source at a time: the lock is held across processes, freed when its holder dies
however it dies, and a holder named in the file that no longer runs (dead, a zombie, or its pid
reused) is recognised as stale."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

from crawlers.crawl_lock import CrawlLock, Holder, current_holder, lock_path
from safewatch.processes import process_start

HOLD = """import sys, time
from pathlib import Path
from crawlers.crawl_lock import CrawlLock
lock = CrawlLock(Path(sys.argv[1]), "forum-a")
print("held" if lock.acquire() else "busy", flush=True)
time.sleep(60)
"""


def holding_process(folder) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_lock_held_by_another_process_is_refused_and_freed_when_it_is_killed(tmp_path):
    holder_process = holding_process(tmp_path)
    try:
        lock = CrawlLock(tmp_path, "forum-a")
        assert lock.acquire() is False
        holder = current_holder(tmp_path, "forum-a")
        assert holder is not None and holder.pid == holder_process.pid and holder.running()
        assert lock.holder == holder and f"pid {holder_process.pid}" in holder.describe()
        assert CrawlLock(tmp_path, "forum-b").acquire() is True  # other sources are free
    finally:
        holder_process.send_signal(signal.SIGKILL)
        holder_process.wait()
        holder_process.stdout.close()
    # SIGKILL: no clean-up ran, the file still names the dead holder, yet nothing waits for it.
    assert current_holder(tmp_path, "forum-a") is None
    lock = CrawlLock(tmp_path, "forum-a")
    assert lock.acquire() is True
    assert lock.stale is not None and lock.stale.pid == holder_process.pid and not lock.stale.running()
    assert current_holder(tmp_path, "forum-a").pid == os.getpid()
    lock.release()
    assert current_holder(tmp_path, "forum-a") is None and lock_path(tmp_path, "forum-a").read_text() == ""


def test_a_second_lock_in_the_same_process_is_refused_too(tmp_path):
    first, second = CrawlLock(tmp_path, "forum-a"), CrawlLock(tmp_path, "forum-a")
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_a_reused_pid_or_a_zombie_does_not_hold_the_lock():
    me = Holder.me()
    assert me.running() and me.process_start == process_start(os.getpid())
    assert not replace(me, process_start=me.process_start + 1).running()  # same pid, another process
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    while process_start(child.pid) is not None:  # exited but not reaped: a zombie
        time.sleep(0.05)
    assert os.path.exists(f"/proc/{child.pid}")
    assert not Holder(child.pid, me.host, me.since, me.process_start).running()
    child.wait()
    assert Holder(123, "another-host", me.since).running()  # cannot tell from here: assumed running


def test_a_lock_file_naming_a_dead_process_is_free(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    path = lock_path(tmp_path, "forum-a")
    path.write_text(f'{{"pid": {child.pid}, "host": "{Holder.me().host}", "since": "2026-01-01T00:00:00"}}')
    assert current_holder(tmp_path, "forum-a") is None
    path.write_text("not json")
    assert current_holder(tmp_path, "forum-a") is None
