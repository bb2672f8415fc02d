"""The fetch of addresses reported in tips (crawlers/tip_fetch.py, `safewatch tips fetch`), against the demo
site served by a real HTTP server on 127.0.0.1 (which logs every request): a reachable address becomes a
scored post with its evidence, linked to the tip and put before a reviewer; an address the crawler may not
or cannot fetch (a private address not allowed, robots.txt, 404) is recorded with its reason and the tip
stays a tip; every address is fetched once only."""

from __future__ import annotations

from pathlib import Path

from crawlers.address_policy import NEUTRAL_REASON
from index.casework import tips
from index.casework.tips import TipIntake
from safewatch.records import post_id_for
from tests.crawlers.fixture_server import FixtureServer

DEMO_SITE = Path(__file__).resolve().parents[2] / "crawlers" / "demo_site"
THREAD = "/threads/121-pod-vape-gia-hoc-sinh.html"  # sells vapes to pupils: the model flags it
PRIVATE = "/private/secret.html"  # robots.txt: Disallow: /private/
MISSING = "/threads/999-khong-co.html"


def _fetch(run_crawl, server):
    return run_crawl("sources: []\n", "fetch", command="tips", env={"SAFEWATCH_CRAWL_ALLOW_PRIVATE": server.host_port})


def test_reported_addresses_are_fetched_once_scored_linked_or_recorded_with_their_reason(run_crawl, repo):
    with FixtureServer(site=DEMO_SITE) as demo:
        reachable, refused_by_robots, missing = demo.url(THREAD), demo.url(PRIVATE), demo.url(MISSING)
        # Another port of this machine: a private address the allowance does not cover.
        inside = f"http://127.0.0.1:{demo.httpd.server_address[1] + 1}/admin"
        both = tips.file_tip(repo, TipIntake("web", (reachable, refused_by_robots, missing), "bán pod cho học sinh"))
        private = tips.file_tip(repo, TipIntake("phone", (inside,), "trang nội bộ", entered_by="lan"))
        repo.refresh()

        result = _fetch(run_crawl, demo)
        assert result.returncode == 0, result.output
        requested = demo.paths_requested()
        assert requested.count(THREAD) == 1 and requested.count(MISSING) == 1
        assert PRIVATE not in requested  # robots.txt refused it before any request
        assert f"{both.tip['reference']}: " in result.stdout and f"{private.tip['reference']}: " in result.stdout

        # The reachable address: a post scored by the classifier, its page kept as evidence, linked.
        post_id = post_id_for(reachable)
        post = repo.get_post(post_id).source
        assert post["source"] == "tips" and post["url"] == reachable
        assert "pod" in post["text"].lower() and post["scores"] and post["status"] == "flagged"
        assert "drugs" in post["labels"]
        assert len(post["evidence"]["sha256"]) == 64 and post["evidence"]["id"]
        tip = tips.get_tip(repo, both.tip["id"])
        assert tip["post_ids"] == [post_id] and tip["fetch_pending"] is False
        assert tip["status"] == "received"  # fetched, still waiting for a handler's triage
        states = {entry["url"]: entry for entry in tip["fetches"]}
        assert states[reachable]["state"] == "fetched" and states[reachable]["post_id"] == post_id
        assert states[refused_by_robots]["state"] == "refused"
        assert "robots.txt" in states[refused_by_robots]["reason"]
        assert states[missing]["state"] == "unreachable" and "404" in states[missing]["reason"]
        assert repo.posts_by_ids([post_id_for(missing), post_id_for(refused_by_robots)]) == []
        actions = [event["action"] for event in tips.events(repo, both.tip["id"])]
        assert actions == ["tip_received", "tip_post_linked", "tip_fetched"]

        # The private address: refused with the neutral reason, never requested, the tip stays a tip.
        kept = tips.get_tip(repo, private.tip["id"])
        assert kept["fetches"] == [{**kept["fetches"][0], "url": inside, "state": "refused", "reason": NEUTRAL_REASON}]
        assert kept["post_ids"] == [] and kept["status"] == "received" and kept["fetch_pending"] is False

        # Once only: a second run finds nothing to fetch and asks the site for nothing.
        before = len(demo.requests)
        again = _fetch(run_crawl, demo)
        assert again.returncode == 0, again.output
        assert "No reported address waits for its fetch." in again.stdout
        assert len(demo.requests) == before
        assert [e["action"] for e in tips.events(repo, both.tip["id"])] == actions


def test_the_scheduler_fetches_reported_addresses_in_its_round(run_crawl, repo):
    with FixtureServer(site=DEMO_SITE) as demo:
        filed = tips.file_tip(repo, TipIntake("web", (demo.url(THREAD),), "bán pod cho học sinh"))
        repo.refresh()
        result = run_crawl("sources: []\n", "--once", command="scheduler",
                           env={"SAFEWATCH_CRAWL_ALLOW_PRIVATE": demo.host_port})
        assert result.returncode == 0, result.output
        assert "fetching the addresses reported in tips" in result.stdout, result.output
        assert "tip fetch ended (exit 0)" in result.stdout
        assert demo.paths_requested().count(THREAD) == 1
        tip = tips.get_tip(repo, filed.tip["id"])
        assert tip["post_ids"] == [post_id_for(demo.url(THREAD))] and tip["fetch_pending"] is False
