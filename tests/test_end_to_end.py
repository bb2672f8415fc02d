"""Demo site -> crawl -> classify -> index -> the UI queue -> a reviewer confirms -> Elasticsearch;
a second crawl adds no duplicates and keeps the decision."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from markupsafe import escape

from index.casework.accounts import create_user
from safewatch.records import post_id_for

LABELS = json.loads((Path(__file__).parent / "fixtures" / "demo_labels.json").read_text())
pytestmark = pytest.mark.e2e


def crawl(config, url, kind="html"):
    env = {**os.environ, "SAFEWATCH_INDEX_PREFIX": config.index_prefix,
           "SAFEWATCH_MODEL_DIR": str(config.models_path),
           "SAFEWATCH_CRAWL_ALLOW_PRIVATE": urlsplit(url).netloc}  # the demo site, and nothing else
    if config.es_url:
        env["SAFEWATCH_ES_URL"] = config.es_url
    command = [sys.executable, "-m", "safewatch", "crawl", "--url", url, "--kind", kind,
               "--source", "demo-forum", "--delay", "0"]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def test_demo_site_to_reviewer_decision(config, repo, trained_models, demo_site):
    config = replace(config, index_prefix=repo.prefix)
    result = crawl(config, f"{demo_site.base_url}/index.html")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "200 posts collected" in result.stdout and "0 not indexed" in result.stdout
    repo.refresh()
    assert repo.count_posts() == len(LABELS) == 200

    statuses = {path: repo.get_post(post_id_for(demo_site.base_url + path)).source["status"]
                for path in LABELS}
    harmful = [path for path, labels in LABELS.items() if labels]
    safe = [path for path, labels in LABELS.items() if not labels]
    caught = sum(statuses[p] == "flagged" for p in harmful) / len(harmful)
    false_alarms = sum(statuses[p] == "flagged" for p in safe) / len(safe)
    print(f"demo: {caught:.0%} of harmful posts flagged, {false_alarms:.0%} of safe posts flagged")
    # Measured at this commit: 100% and 30% (the demo's safe posts include many warnings and
    # police news, the hardest negatives). The classifier issue tightens the second figure.
    assert caught >= 0.9 and false_alarms <= 0.35

    # The reviewer's day: the queue shows the most urgent post, they take it and confirm it.
    from review_ui import create_app
    app = create_app(config, {"TESTING": True, "WTF_CSRF_ENABLED": False})
    create_user(repo, "reviewer1", "a-long-password", ["reviewer"], actor="test")
    client = app.test_client()
    client.post("/login", data={"username": "reviewer1", "password": "a-long-password"})
    top = repo.review_queue(size=1)[0]
    assert str(escape(top["text"][:40])) in client.get("/queue").get_data(as_text=True)  # escaped, as every post
    response = client.post("/queue/next")
    assert response.headers["Location"].endswith(f"/posts/{top['id']}")
    client.post(f"/posts/{top['id']}/decision", data={"action": "confirm", "categories": top["labels"]})
    decided = repo.get_post(top["id"]).source
    assert decided["status"] == "confirmed" and decided["reviewer"] == "reviewer1" and decided["reviewed_at"]

    # Crawling again (forum and feed) changes nothing: same documents, decision kept.
    assert crawl(config, f"{demo_site.base_url}/index.html").returncode == 0
    assert crawl(config, f"{demo_site.base_url}/feed.xml", kind="rss").returncode == 0
    repo.refresh()
    assert repo.count_posts() == 200
    assert repo.get_post(top["id"]).source["status"] == "confirmed"


def test_robots_txt_is_obeyed(config, repo, trained_models, demo_site):
    config = replace(config, index_prefix=repo.prefix)
    result = crawl(config, f"{demo_site.base_url}/private/secret.html")
    assert "1 URLs refused by robots.txt" in result.stdout
    repo.refresh()
    assert repo.count_posts() == 0


def test_demo_serves_until_sigterm_then_exits_cleanly(config, repo, trained_models):
    """`safewatch demo` ends with the review UI served by waitress; a service manager's SIGTERM (or
    Ctrl-C) stops it within seconds, although its crawl ran Twisted in the same process."""
    import signal
    import socket
    import time
    import urllib.request

    ports = []
    for _ in range(2):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
    env = {**os.environ, "SAFEWATCH_INDEX_PREFIX": repo.prefix, "SAFEWATCH_MODEL_DIR": str(config.models_path),
           "SAFEWATCH_UI_PORT": str(ports[0]), "SAFEWATCH_DEMO_SITE_PORT": str(ports[1]),
           "SAFEWATCH_SECRET_KEY": "test-secret-key-not-for-production"}
    if config.es_url:
        env["SAFEWATCH_ES_URL"] = config.es_url
    demo = subprocess.Popen([sys.executable, "-m", "safewatch", "demo"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ports[0]}/login", timeout=5) as response:
                    assert response.headers["Server"] == "SafeWatch"
                    break
            except OSError:
                assert demo.poll() is None and time.monotonic() < deadline, demo.stderr.read()
                time.sleep(0.5)
        started = time.monotonic()
        demo.send_signal(signal.SIGTERM)
        out, err = demo.communicate(timeout=20)
        assert time.monotonic() - started < 10, "the demo ignored SIGTERM"
        assert demo.returncode == 0, out[-2000:] + err[-2000:]
        assert "Review UI stopped." in out
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
