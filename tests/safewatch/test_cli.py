import subprocess
import sys

import pytest

from safewatch.cli import build_parser


def test_help_lists_every_command():
    text = build_parser().format_help()
    for command in ("es", "index", "train", "classify", "crawl", "serve", "users", "demo"):
        assert command in text


@pytest.mark.parametrize("argv", [["es"], ["index"], ["crawl"], ["users"], ["demo"], ["classify"]])
def test_every_subcommand_has_help(argv):
    result = subprocess.run([sys.executable, "-m", "safewatch.cli", *argv, "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "usage: safewatch" in result.stdout


def test_es_status_reports_version(config):
    from index.connection import make_client
    version = make_client(config).info()["version"]["number"]
    result = subprocess.run([sys.executable, "-m", "safewatch.cli", "es", "status"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert f"Elasticsearch {version}" in result.stdout and version.startswith("8.")
    assert "status green" in result.stdout or "status yellow" in result.stdout


def test_unreachable_elasticsearch_gives_a_clear_message(tmp_path):
    import os
    env = {**os.environ, "SAFEWATCH_ES_URL": "http://127.0.0.1:9", "SAFEWATCH_ES_TIMEOUT": "1"}
    result = subprocess.run([sys.executable, "-m", "safewatch.cli", "index", "setup"], capture_output=True,
                            text=True, env=env)
    assert result.returncode == 1
    assert "Elasticsearch is not reachable" in result.stderr and "Traceback" not in result.stderr
