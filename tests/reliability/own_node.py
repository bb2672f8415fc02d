"""An embedded Elasticsearch node of the test's own, to fill up or kill: its own var folder and free
port, its data folder on a small tmpfs, the jars of the node already built for the test session
(never built nor downloaded again here). The shared node of the session is never touched."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from index.node import launcher as embedded
from safewatch.config import PROJECT_ROOT, Config

HEAP = "384m"  # two nodes fit beside the shared one
DATA_MB = 64  # the tmpfs of the node's data
WATERMARKS = "30mb,20mb,10mb"  # free space: low, high, flood stage (SAFEWATCH_ES_DISK_WATERMARKS)
LAID_OUT = ("lib", "launcher", "modules", "plugins")


def built_home() -> Path | None:
    """A node home that `safewatch es build` laid out: this checkout's var (CI: `make setup` built it),
    or, in a git worktree, the main checkout's."""
    candidates = [Config.from_env().var_dir / "elasticsearch"]
    common = subprocess.run(["git", "rev-parse", "--git-common-dir"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True)
    if common.returncode == 0:
        candidates.append((PROJECT_ROOT / common.stdout.strip()).resolve().parent / "var" / "elasticsearch")
    return next((home for home in candidates if (home / "launcher" / "safewatch-esnode.jar").is_file()
                 and any((home / "lib").glob("elasticsearch-8*.jar"))), None)


def free_port() -> int:
    """A free HTTP port whose transport port (+100, as index/node/launcher.py uses) is free too."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + 100 > 65535:
            continue
        with socket.socket() as transport:
            try:
                transport.bind(("127.0.0.1", port + 100))
            except OSError:
                continue
        return port
    raise RuntimeError("no free pair of ports")


class OwnNode:
    """The node's settings as environment variables (for `safewatch` child processes) and as a Config."""

    def __init__(self, var: Path, port: int) -> None:
        self.var = var
        self.env = {"SAFEWATCH_VAR_DIR": str(var), "SAFEWATCH_ES_PORT": str(port), "SAFEWATCH_ES_HEAP": HEAP,
                    "SAFEWATCH_ES_DISK_WATERMARKS": WATERMARKS}
        self.config = Config.from_env(self.env)  # these settings only: no SAFEWATCH_ES_URL, embedded
        self.paths = embedded.NodePaths.for_config(self.config)
        self.pid: int | None = None

    def lay_out(self, built: Path) -> None:
        """The built jars, linked (not copied) into this node's home; its build stamp made current."""
        self.paths.home.mkdir(parents=True, exist_ok=True)
        for name in LAID_OUT:
            (self.paths.home / name).symlink_to(built / name, target_is_directory=True)
        self.paths.stamp.write_text(embedded._source_fingerprint())

    def start(self) -> None:
        self.pid = embedded.start(self.config, log=lambda message: None, timeout=180)

    def kill(self) -> None:
        """SIGKILL, as a crash or the kernel's OOM killer would; the dead process is reaped."""
        os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.pid = None

    def stop(self) -> None:
        embedded.stop(self.config, log=lambda message: None, timeout=60)

    def fill_disk(self, leave_bytes: int) -> Path:
        """A file that leaves only leave_bytes free on the node's data tmpfs."""
        filler = self.paths.data / "filler"
        stat = os.statvfs(self.paths.data)
        size = stat.f_bavail * stat.f_frsize - leave_bytes
        with filler.open("wb") as stream:
            for _ in range(size // (1 << 20)):
                stream.write(b"\0" * (1 << 20))
            stream.write(b"\0" * (size % (1 << 20)))
        return filler


def wait_for(condition, timeout: float, what: str, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout:.0f}s: {what}")


@contextlib.contextmanager
def own_node(var: Path):
    """Starts the node on a free port, its data on a DATA_MB tmpfs; stops it and unmounts afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs for the node's data (CI runs as root)")
    built = built_home()
    if built is None:
        pytest.skip("the embedded node is not built (`safewatch es build`); no jars to start a node of our own")
    node = OwnNode(var, free_port())
    node.lay_out(built)
    node.paths.data.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DATA_MB}m", "tmpfs", str(node.paths.data)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs for the node's data: {mounted.stderr.strip()}")
    try:
        node.start()
        yield node
    finally:
        try:
            if node.pid is not None or embedded.read_pid(node.paths):
                node.stop()
        finally:
            subprocess.run(["umount", "-l", str(node.paths.data)], check=False)
