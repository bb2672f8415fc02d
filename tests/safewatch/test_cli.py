import subprocess
import sys

import pytest

from safewatch.commands.cli import build_parser
from tests.actors import LAN


def test_help_lists_every_command():
    text = build_parser().format_help()
    for command in ("es", "index", "train", "classify", "crawl", "serve", "users", "demo"):
        assert command in text


@pytest.mark.parametrize("argv", [["es"], ["index"], ["crawl"], ["users"], ["demo"], ["classify"]])
def test_every_subcommand_has_help(argv):
    result = subprocess.run([sys.executable, "-m", "safewatch", *argv, "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "usage: safewatch" in result.stdout


def test_es_status_reports_version(config):
    from index.storage.connection import make_client
    version = make_client(config).info()["version"]["number"]
    result = subprocess.run([sys.executable, "-m", "safewatch", "es", "status"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert f"Elasticsearch {version}" in result.stdout and version.startswith("8.")
    assert "status green" in result.stdout or "status yellow" in result.stdout


def test_unreachable_elasticsearch_gives_a_clear_message(tmp_path):
    import os
    env = {**os.environ, "SAFEWATCH_ES_URL": "http://127.0.0.1:9", "SAFEWATCH_ES_TIMEOUT": "1"}
    result = subprocess.run([sys.executable, "-m", "safewatch", "index", "setup"], capture_output=True,
                            text=True, env=env)
    assert result.returncode == 1
    assert "Elasticsearch is not reachable" in result.stderr and "Traceback" not in result.stderr


def test_users_password_obeys_the_password_rule(config, repo):
    import os

    from index.casework.accounts import authenticate, create_user
    create_user(repo, "lan", "correct-horse-battery", ["reviewer"], actor="test")
    env = {**os.environ, "SAFEWATCH_INDEX_PREFIX": repo.prefix}
    run = [sys.executable, "-m", "safewatch", "users", "password", "lan"]
    for weak in ("short-pass", "qwertyuiop123"):  # too short; on the list of common passwords
        refused = subprocess.run(run, input=weak + "\n", capture_output=True, text=True, env=env)
        assert refused.returncode == 1 and refused.stderr.startswith("error: ") and "Traceback" not in refused.stderr
    assert authenticate(repo, "lan", "correct-horse-battery")  # unchanged
    accepted = subprocess.run(run, input="violet-kettle-harbour\n", capture_output=True, text=True, env=env)
    assert accepted.returncode == 0, accepted.stderr
    assert authenticate(repo, "lan", "violet-kettle-harbour")
    generated = subprocess.run([*run, "--generate"], capture_output=True, text=True, env=env)
    password = generated.stdout.split("(shown once): ")[1].split()[0]
    assert not set(password) & set("0Oo1lIi") and authenticate(repo, "lan", password)
    assert subprocess.run([*run, "--help"], capture_output=True, text=True).returncode == 0
    missing = subprocess.run([*run[:-1], "nobody", "--generate"], capture_output=True, text=True, env=env)
    assert missing.returncode == 1 and "No user 'nobody'" in missing.stderr


def test_notices_overdue_and_report_commands(config, repo):
    import os
    from datetime import UTC, datetime, timedelta

    from index.casework import lifecycle, notices
    from index.casework.notices import NoticeDraft
    from safewatch.records import post_id_for

    url = "http://f.example/late"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": "x", "status": "flagged",
                             "labels": ["scam"], "collected_at": datetime.now(UTC).isoformat()}])
    earlier = datetime.now(UTC) - timedelta(hours=30)
    lifecycle.claim(repo, post_id_for(url), reviewer="lan", now=earlier)
    lifecycle.decide(repo, post_id_for(url), reviewer="lan", confirm=True, categories=["scam"], now=earlier)
    notice = notices.draft(repo, NoticeDraft("warning", "poster", "kiet9x", (post_id_for(url),)), actor=LAN,
                           now=earlier)
    notices.send(repo, notice["notice_id"], channel="phone", actor=LAN, now=earlier)
    env = {**os.environ, "SAFEWATCH_INDEX_PREFIX": repo.prefix}
    run = [sys.executable, "-m", "safewatch"]
    listed = subprocess.run([*run, "notices", "overdue", "--mark"], capture_output=True, text=True, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "Marked 1 notice(s) overdue" in listed.stdout and notice["reference"] in listed.stdout
    assert "(6 h late)" in listed.stdout
    assert repo.get_post(post_id_for(url)).source["status"] == "overdue"
    report = subprocess.run([*run, "report", "--period", "month"], capture_output=True, text=True, env=env)
    assert report.returncode == 0, report.stderr
    assert "collected" in report.stdout and "overdue_notices" in report.stdout and "resolution_rate" in report.stdout


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("stop_signal", ["SIGTERM", "SIGINT"])
def test_serve_runs_a_production_server_and_stops_promptly(config, repo, stop_signal):
    """`safewatch serve` answers through waitress (not the development server) and stops within
    seconds on SIGTERM (a service manager) or SIGINT (Ctrl-C), with exit code 0."""
    import os
    import signal
    import time
    import urllib.request

    port = _free_port()
    env = {**os.environ, "SAFEWATCH_INDEX_PREFIX": repo.prefix, "SAFEWATCH_UI_THREADS": "3",
           "SAFEWATCH_SECRET_KEY": "test-secret-key-not-for-production"}
    server = subprocess.Popen([sys.executable, "-m", "safewatch", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    assert response.status == 200 and response.headers["Server"] == "SafeWatch"
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.2)
        started = time.monotonic()
        server.send_signal(getattr(signal, stop_signal))
        out, err = server.communicate(timeout=15)
        assert server.returncode == 0, err
        assert time.monotonic() - started < 10
        assert "3 threads" in out and "Review UI stopped." in out and "Traceback" not in err
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_account_changes_from_the_command_line_are_audited(config, repo):
    """Each `safewatch users …` change goes through index.casework.accounts and leaves an event naming cli:<os user>."""
    import getpass
    import os
    env = {**os.environ, "SAFEWATCH_INDEX_PREFIX": repo.prefix}
    run = [sys.executable, "-m", "safewatch", "users"]
    steps = [(["add", "thu", "--role", "reviewer"], "user_created"), (["disable", "thu"], "user_disabled"),
             (["enable", "thu"], "user_enabled"), (["password", "thu", "--generate"], "password_reset"),
             (["roles", "thu", "--role", "supervisor", "--role", "reviewer"], "roles_changed")]
    for argv, action in steps:
        result = subprocess.run([*run, *argv], capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
        repo.refresh()
        found = repo.client.search(index=repo.events, query={"term": {"action": action}})["hits"]["hits"]
        assert [(h["_source"]["actor"], h["_source"]["details"]["username"]) for h in found] == [
            (f"cli:{getpass.getuser()}", "thu")], action
    assert repo.get_user("thu")["roles"] == ["reviewer", "supervisor"]
    missing = subprocess.run([*run, "disable", "nobody"], capture_output=True, text=True, env=env)
    assert missing.returncode == 1 and missing.stderr.strip() == "error: No user 'nobody'."


@pytest.mark.parametrize("action", ["add", "disable", "enable", "password", "roles"])
def test_every_users_command_has_help(action):
    result = subprocess.run([sys.executable, "-m", "safewatch", "users", action, "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "usage: safewatch users" in result.stdout
