"""Whether a process runs: the one answer shared by the crawl locks and the node launcher."""

import os
import subprocess
import sys
import time

from safewatch.processes import pid_alive, process_start


def test_a_running_process_is_alive_and_an_ended_one_is_not_even_before_it_is_collected():
    assert pid_alive(os.getpid()) and process_start(os.getpid()) is not None
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while process_start(child.pid) is not None and time.monotonic() < deadline:
        time.sleep(0.05)  # exited but not collected: a zombie
    assert not pid_alive(child.pid)  # the pid still exists (signal 0 answers), the process does not
    child.wait()
    assert not pid_alive(child.pid) and process_start(child.pid) is None


def test_another_users_process_counts_as_running():
    assert pid_alive(1)  # init: signal 0 may be refused (PermissionError) or allowed; either way it runs
