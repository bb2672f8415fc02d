"""Reliability test helpers: a slow forum with validators served on 127.0.0.1, the crawl run as a real
child process (to be killed or interrupted), and folders that cannot be written (a full tmpfs as root,
where permissions do not stop writes; a read-only folder otherwise)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.crawlers.conftest import CrawlRun
from tests.crawlers.fixture_server import FixtureServer, Reply

LISTING_PAGES, THREADS_PER_PAGE, POSTS_PER_THREAD = 30, 5, 4
EXPECTED_POSTS = LISTING_PAGES * THREADS_PER_PAGE * POSTS_PER_THREAD
REGISTRY = """sources:
  - id: slow-forum
    name: slow forum
    platform: forum
    kind: html
    start_urls: ["{base}/list/1.html"]
    rate_limit: {{concurrency: 4, delay: 0}}
"""


class SlowForum:
    """A forum (listing pages -> threads -> posts) whose every page has an ETag and Last-Modified and
    answers 304 to a matching If-None-Match, a little slowly so that a crawl can be stopped midway."""

    def __init__(self, delay: float = 0.04) -> None:
        self.delay = delay
        self.routes = {f"/list/{n}.html": self for n in range(1, LISTING_PAGES + 1)}
        self.routes.update({f"/t/{t}.html": self for t in range(1, LISTING_PAGES * THREADS_PER_PAGE + 1)})

    def __call__(self, request) -> Reply:
        time.sleep(self.delay)
        validators = {"ETag": f'"{request.path}-v1"', "Last-Modified": "Sun, 01 Nov 2026 08:00:00 GMT"}
        if request.headers.get("if-none-match") == validators["ETag"]:
            return Reply(b"", status=304, headers=validators)
        number = int(request.path.rsplit("/", 1)[1].split(".")[0])
        if request.path.startswith("/list/"):
            threads = range((number - 1) * THREADS_PER_PAGE + 1, number * THREADS_PER_PAGE + 1)
            links = "".join(f'<li><a href="/t/{t}.html">Chủ đề {t}</a></li>' for t in threads)
            following = f'<a rel="next" href="/list/{number + 1}.html">Trang sau</a>' if number < LISTING_PAGES else ""
            return Reply(f"<html><body><ul class='threads'>{links}</ul>{following}</body></html>", headers=validators)
        posts = "".join(
            f'<article class="post" id="p{number}-{i}"><span class="post-author">thanh_vien_{i}</span>'
            f'<div class="post-body">Bài {i} của chủ đề {number}: các em chia sẻ kinh nghiệm học tập '
            f"và ôn thi cuối kỳ số {number * 10 + i}.</div></article>"
            for i in range(1, POSTS_PER_THREAD + 1))
        return Reply(f"<html><body><h1 class='thread-title'>Chủ đề {number}</h1>{posts}</body></html>",
                     headers=validators)


@pytest.fixture
def forum():
    site = SlowForum()
    with FixtureServer(site.routes) as server:
        yield server


class Crawler:
    """`safewatch crawl slow-forum` in a child process, into the test's indices and var folder."""

    def __init__(self, repo, trained_models: Path, tmp_path: Path, base_url: str, server=None) -> None:
        self.repo = repo
        self.server = server  # the FixtureServer: requests it answered, for tests that count them
        self.var = tmp_path / "var"
        self.runs = 0
        self.registry = registry = tmp_path / "sources.yml"
        registry.write_text(REGISTRY.format(base=base_url), encoding="utf-8")
        self.env = {**os.environ, "SAFEWATCH_SOURCES_FILE": str(registry), "SAFEWATCH_INDEX_PREFIX": repo.prefix,
                    "SAFEWATCH_MODEL_DIR": str(trained_models), "SAFEWATCH_VAR_DIR": str(self.var),
                    "SAFEWATCH_CRAWL_ALLOW_PRIVATE": FixtureServer.allowance()}

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        """The crawl (args: more options), its output into files (a pipe nobody reads while polling
        would stall it)."""
        self.runs += 1
        self.out = self.var.parent / f"crawl-{self.runs}.out"
        self.err = self.var.parent / f"crawl-{self.runs}.err"
        with self.out.open("w") as out, self.err.open("w") as err:
            return subprocess.Popen([sys.executable, "-m", "safewatch", "crawl", "slow-forum", *args],
                                    stdout=out, stderr=err, env={**self.env, **env})

    def finish(self, process: subprocess.Popen, timeout: float = 300) -> CrawlRun:
        process.wait(timeout=timeout)
        return CrawlRun(process.returncode, self.out.read_text(encoding="utf-8"),
                        self.err.read_text(encoding="utf-8"))

    def run(self, *args: str, timeout: float = 300, **env: str) -> CrawlRun:
        return self.finish(self.start(*args, **env), timeout)

    def stored(self) -> int:
        self.repo.refresh()
        return self.repo.count_posts()

    def wait_until_stored(self, process: subprocess.Popen, at_least: int, timeout: float = 240) -> int:
        """Polls the index until it holds at_least posts; the crawl must still be running then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert process.poll() is None, "the crawl ended before it could be stopped midway"
            count = self.stored()
            if count >= at_least:
                return count
            time.sleep(0.05)
        raise AssertionError(f"fewer than {at_least} posts stored after {timeout}s")


@pytest.fixture
def crawler(repo, trained_models, tmp_path, forum):
    return Crawler(repo, trained_models, tmp_path, forum.base_url, forum)


@contextlib.contextmanager
def unwritable(folder: Path):
    """The folder, made unwritable; yields a function that makes it writable again. As root (CI),
    where permissions do not stop writes, a small tmpfs mounted there and filled up (disk full);
    otherwise a folder without write permission."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield lambda: folder.chmod(0o700)
        finally:
            folder.chmod(0o700)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"running as root and cannot mount a tmpfs to fill up: {mounted.stderr.strip()}")
    filler = folder / "filler"
    try:
        with contextlib.suppress(OSError), filler.open("wb", buffering=0) as stream:
            while True:  # until the disk is full
                stream.write(b"\0" * 65536)
        yield lambda: filler.unlink()
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


class GatedForum(SlowForum):
    """The slow forum, whose thread pages after the first `open_threads` wait until `gate` is set: the
    test can stop the world midway (a crawl holding unwritten posts), break something, then go on."""

    def __init__(self, open_threads: int) -> None:
        super().__init__(delay=0.01)
        self.open_threads = open_threads
        self.gate = threading.Event()
        self.served = 0
        self.lock = threading.Lock()

    def __call__(self, request) -> Reply:
        if request.path.startswith("/t/"):
            with self.lock:
                self.served += 1
                waits = self.served > self.open_threads
            if waits:
                self.gate.wait(timeout=300)
        return super().__call__(request)


@pytest.fixture
def gated_forum():
    site = GatedForum(open_threads=55)  # 220 posts read: one batch of 200 written, 20 held, then the gate
    with FixtureServer(site.routes) as server:
        site.base_url = server.base_url
        yield site
        site.gate.set()  # no request left waiting when the server stops


@pytest.fixture
def node(tmp_path):
    """An embedded node of the test's own (tests/reliability/own_node.py), var in tmp_path/var."""
    from tests.reliability.own_node import own_node
    with own_node(tmp_path / "var") as started:
        yield started


@pytest.fixture
def node_crawler(node, trained_models, tmp_path, gated_forum):
    """A Crawler writing to the test's own node, into the same var folder as the node's."""
    from index.storage.connection import make_client
    from index.storage.repository import Repository
    repo = Repository(make_client(node.config), f"swrel-{uuid.uuid4().hex[:8]}")
    repo.setup()
    crawler = Crawler(repo, trained_models, tmp_path, gated_forum.base_url)
    crawler.env.pop("SAFEWATCH_ES_URL", None)
    crawler.env.update(node.env)
    yield crawler
    repo.client.close()
