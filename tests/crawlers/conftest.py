"""Crawler test helpers: run `safewatch crawl` in a child process (Scrapy's reactor runs once per
process) against a registry written for the test, into the test's own indices."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.crawlers.fixture_server import FixtureServer


@dataclass
class CrawlRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_crawl(repo, trained_models, tmp_path):
    """run_crawl(registry_yaml, "source-id", ..., args=[...], env={...}) -> CrawlRun.
    The crawl writes into `repo`'s indices and keeps its state (spool, evidence, crawl state) under
    tmp_path/var, shared by the runs of one test. The fixture servers running at the time (and only
    they) are allowed through SAFEWATCH_CRAWL_ALLOW_PRIVATE, unless `env` sets it."""

    def run(registry_yaml: str, *ids: str, args: tuple[str, ...] = (), env: dict | None = None,
            command: str = "crawl", timeout: float = 300) -> CrawlRun:
        registry = tmp_path / "sources.yml"
        registry.write_text(registry_yaml, encoding="utf-8")
        full_env = {**os.environ, "SAFEWATCH_SOURCES_FILE": str(registry), "SAFEWATCH_INDEX_PREFIX": repo.prefix,
                    "SAFEWATCH_MODEL_DIR": str(trained_models), "SAFEWATCH_VAR_DIR": str(tmp_path / "var"),
                    "SAFEWATCH_CRAWL_ALLOW_PRIVATE": FixtureServer.allowance(), **(env or {})}
        result = subprocess.run([sys.executable, "-m", "safewatch", command, *ids, *args],
                                capture_output=True, text=True, env=full_env, timeout=timeout)
        repo.refresh()
        return CrawlRun(result.returncode, result.stdout, result.stderr)

    return run


def read_fixture(*parts: str) -> bytes:
    return Path(__file__).parent.joinpath("sites", *parts).read_bytes()
