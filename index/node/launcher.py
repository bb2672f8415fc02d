"""The embedded Elasticsearch node: build it from Maven Central, start, stop, report.

Used only when SAFEWATCH_ES_URL is not set. `index/node/server/pom.xml` pins the real Elasticsearch 8
server and its Netty module; `build()` runs Maven and lays the jars out as an Elasticsearch home
under var/elasticsearch/ (git-ignored). `start()` launches one node bound to 127.0.0.1 in its own
process group, waits until the cluster answers, and writes a pid file; `stop()` sends SIGTERM and
waits for a clean shutdown.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from safewatch.config import PROJECT_ROOT, Config
from safewatch.errors import SafeWatchError
from safewatch.processes import pid_alive

SERVER_PROJECT = PROJECT_ROOT / "index" / "node" / "server"
NETTY_MODULE = "transport-netty4"
EXTRAS_MODULE = "safewatch-extras"
LAUNCHER_CLASS = "org.safewatch.esnode.NodeLauncher"


class EmbeddedNodeError(SafeWatchError):
    """The embedded node could not be built, started or stopped; the message says why."""


@dataclass(frozen=True)
class NodePaths:
    home: Path

    @classmethod
    def for_config(cls, config: Config) -> NodePaths:
        return cls(config.var_dir / "elasticsearch")

    @property
    def lib(self) -> Path:
        return self.home / "lib"

    @property
    def launcher(self) -> Path:
        return self.home / "launcher"

    @property
    def modules(self) -> Path:
        return self.home / "modules"

    @property
    def config(self) -> Path:
        return self.home / "config"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def pid_file(self) -> Path:
        return self.home / "node.pid"

    @property
    def console_log(self) -> Path:
        return self.logs / "node-console.log"

    @property
    def stamp(self) -> Path:
        return self.home / "build.stamp"


def _source_fingerprint() -> str:
    files = [SERVER_PROJECT / "pom.xml", *sorted((SERVER_PROJECT / "src").rglob("*.java")),
             *sorted((SERVER_PROJECT / "modules").rglob("*"))]
    return ";".join(f"{p.relative_to(SERVER_PROJECT)}:{p.stat().st_mtime_ns}:{p.stat().st_size}"
                    for p in files if p.is_file())


def is_built(paths: NodePaths) -> bool:
    return paths.stamp.is_file() and paths.stamp.read_text() == _source_fingerprint()


def build(config: Config, *, force: bool = False, log=print) -> NodePaths:
    """Resolve the server with Maven and lay out the node's home. Idempotent; skips when current."""
    paths = NodePaths.for_config(config)
    if is_built(paths) and not force:
        return paths
    mvn = shutil.which("mvn")
    if mvn is None:
        raise EmbeddedNodeError("Maven (mvn) is not installed; install it or set SAFEWATCH_ES_URL.")
    log("Resolving Elasticsearch from Maven Central (index/node/server/pom.xml)…")
    result = subprocess.run([mvn, "-q", "-B", "-f", str(SERVER_PROJECT / "pom.xml"), "clean", "package"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise EmbeddedNodeError("Maven could not build the embedded node:\n"
                                + (result.stdout + result.stderr)[-4000:])
    target = SERVER_PROJECT / "target"
    for folder in (paths.lib, paths.launcher, paths.modules):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    for jar in (target / "lib").glob("*.jar"):
        shutil.copy2(jar, paths.lib)
    shutil.copy2(target / "safewatch-esnode.jar", paths.launcher)

    netty = paths.modules / NETTY_MODULE
    shutil.copytree(target / "modules" / NETTY_MODULE, netty)
    netty_jar = next(netty.glob(f"{NETTY_MODULE}-*.jar"))
    with zipfile.ZipFile(netty_jar) as jar:
        descriptor = jar.read(f"META-INF/es-plugins/{NETTY_MODULE}/plugin-descriptor.properties")
    (netty / "plugin-descriptor.properties").write_bytes(descriptor)

    extras = paths.modules / EXTRAS_MODULE
    shutil.copytree(SERVER_PROJECT / "modules" / EXTRAS_MODULE, extras)
    shutil.copy2(target / "safewatch-esnode-extras.jar", extras)

    (paths.home / "plugins").mkdir(exist_ok=True)
    paths.stamp.write_text(_source_fingerprint())
    log(f"Embedded Elasticsearch laid out in {paths.home}")
    return paths


def _write_node_config(config: Config, paths: NodePaths) -> None:
    for folder in (paths.config, paths.data, paths.logs, paths.home / "tmp"):
        folder.mkdir(parents=True, exist_ok=True)
    low, high, flood = config.embedded_es_disk_watermarks
    (paths.config / "elasticsearch.yml").write_text(
        "# Written by `safewatch es start`; edits are overwritten.\n"
        "cluster.name: safewatch\n"
        "node.name: safewatch-node\n"
        f"path.data: {paths.data}\n"
        f"path.logs: {paths.logs}\n"
        "network.host: 127.0.0.1\n"
        f"http.port: {config.embedded_es_port}\n"
        f"transport.port: {config.embedded_es_port + 100}\n"
        "discovery.type: single-node\n"
        # Disk watermarks (SAFEWATCH_ES_DISK_WATERMARKS): at the flood stage the node blocks writes
        # to the indices (writers spool, nothing is lost) instead of failing them when the disk is
        # full; the block lifts by itself once space is freed. Checked every 10 s (the least), not every 30 s.
        "cluster.routing.allocation.disk.threshold_enabled: true\n"
        f"cluster.routing.allocation.disk.watermark.low: {low}\n"
        f"cluster.routing.allocation.disk.watermark.high: {high}\n"
        f"cluster.routing.allocation.disk.watermark.flood_stage: {flood}\n"
        "cluster.info.update.interval: 10s\n"
        # Nothing phones home: the node has no geoip, ML or telemetry modules at all.
    )
    (paths.config / "log4j2.properties").write_text(
        "status = error\n"
        "appender.console.type = Console\n"
        "appender.console.name = console\n"
        "appender.console.layout.type = PatternLayout\n"
        "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}][%node_name]%marker %m%n\n"
        "rootLogger.level = info\n"
        "rootLogger.appenderRef.console.ref = console\n"
        "logger.deprecation.name = org.elasticsearch.deprecation\n"
        "logger.deprecation.level = error\n"
    )


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    java = Path(java_home) / "bin" / "java" if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise EmbeddedNodeError("Java 17+ is required for the embedded Elasticsearch node (java not found).")
    return str(java)


def read_pid(paths: NodePaths) -> int | None:
    """The pid of the node SafeWatch started, if it still runs (a stale pid file is ignored)."""
    try:
        pid = int(paths.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if pid_alive(pid) and _is_node(pid) else None


def _is_node(pid: int) -> bool:
    try:
        return LAUNCHER_CLASS.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust the pid file


def http_ready(config: Config, timeout: float = 2.0) -> bool:
    url = f"http://127.0.0.1:{config.embedded_es_port}/_cluster/health?wait_for_status=yellow&timeout=1s"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200 and response.headers.get("X-elastic-product") == "Elasticsearch"
    except (urllib.error.URLError, OSError):
        return False


def start(config: Config, *, timeout: float = 180.0, log=print) -> int:
    """Start the node unless it already runs; return its pid once the cluster answers."""
    paths = NodePaths.for_config(config)
    pid = read_pid(paths)
    if pid and http_ready(config):
        log(f"Elasticsearch already running (pid {pid}) on {config.es_address}")
        return pid
    if pid is None and http_ready(config):
        raise EmbeddedNodeError(
            f"Port {config.embedded_es_port} is already served by another Elasticsearch that SafeWatch did "
            "not start. Stop it, set SAFEWATCH_ES_PORT to a free port, or point SAFEWATCH_ES_URL at it.")
    build(config, log=log)
    _write_node_config(config, paths)
    heap = config.embedded_es_heap
    command = [
        _java(), f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-Dfile.encoding=UTF-8",
        f"-Djava.io.tmpdir={paths.home / 'tmp'}", "-Dlog4j2.formatMsgNoLookups=true",
        "-XX:+HeapDumpOnOutOfMemoryError", f"-XX:HeapDumpPath={paths.logs}",
        "--module-path", str(paths.lib), "--add-modules=jdk.net", "--add-modules=ALL-MODULE-PATH",
        "-cp", str(paths.launcher / "safewatch-esnode.jar"), LAUNCHER_CLASS, str(paths.home),
    ]
    log(f"Starting Elasticsearch on {config.es_address} (heap {heap}, data in {paths.data})…")
    pid = _spawn_detached(command, cwd=paths.home, log_file=paths.console_log)
    paths.pid_file.write_text(str(pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        exit_code = _exit_code(pid)
        if exit_code is not None:
            paths.pid_file.unlink(missing_ok=True)
            raise EmbeddedNodeError(f"Elasticsearch exited with code {exit_code}:\n" + _tail(paths.console_log))
        if http_ready(config):
            log(f"Elasticsearch is up (pid {pid}).")
            return pid
        time.sleep(0.5)
    raise EmbeddedNodeError(f"Elasticsearch did not answer within {timeout:.0f}s:\n" + _tail(paths.console_log))


def _spawn_detached(command: list[str], *, cwd: Path, log_file: Path) -> int:
    """Start the node in its own session, output appended to log_file. No Popen object is kept:
    the node outlives the command that started it."""
    file_actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log_file), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    previous = os.getcwd()
    os.chdir(cwd)  # posix_spawn has no cwd argument
    try:
        return os.posix_spawn(command[0], command, os.environ, file_actions=file_actions, setsid=True)
    finally:
        os.chdir(previous)


def _exit_code(pid: int) -> int | None:
    """The exit code if our child `pid` has ended (reaping it), None while it runs."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child (started by another command): ask the kernel
        return None if pid_alive(pid) else 0
    return os.waitstatus_to_exitcode(status) if done else None


def stop(config: Config, *, timeout: float = 60.0, log=print) -> bool:
    """Stop the node SafeWatch started; True if one was running."""
    paths = NodePaths.for_config(config)
    pid = read_pid(paths)
    if pid is None:
        paths.pid_file.unlink(missing_ok=True)
        log("Elasticsearch is not running.")
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _exit_code(pid) is not None or not pid_alive(pid):
            break
        time.sleep(0.3)
    else:
        log(f"Elasticsearch (pid {pid}) did not stop within {timeout:.0f}s; killing it.")
        os.kill(pid, signal.SIGKILL)
        _exit_code(pid)
    paths.pid_file.unlink(missing_ok=True)
    log(f"Elasticsearch (pid {pid}) stopped.")
    return True


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no console output)"
