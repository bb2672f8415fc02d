"""Nothing collected is lost when Elasticsearch fails under a crawl (#13): a node of the test's own
(its data on a small tmpfs) whose disk fills up past the flood stage, or which is killed (SIGKILL),
midway through a real `safewatch crawl`. The crawl ends in bounded time, says the posts wait in the
spool and why, exits 0 (everything fetched was stored: indexed or spooled); once the node is back,
`safewatch index replay` writes every post: none lost, none doubled."""

from __future__ import annotations

import subprocess
import sys
import time

from index.storage.ingest import WAITING_REASONS
from tests.reliability.conftest import EXPECTED_POSTS
from tests.reliability.own_node import wait_for

FIRST_BATCH = 200  # the pipeline writes posts 200 at a time; the gate holds the rest of the crawl
CRAWL_SECONDS = 150  # a crawl that outlasts this hangs on Elasticsearch


def _posts_index_blocked(repo) -> bool:
    settings = repo.client.indices.get_settings(index=repo.posts, flat_settings=True)
    return any(index.get("settings", {}).get("index.blocks.read_only_allow_delete") == "true"
               for index in settings.body.values())


def _stored_posts(repo) -> list[str]:
    repo.refresh()
    response = repo.client.search(index=repo.posts, size=EXPECTED_POSTS + 100, source_includes=["url"],
                                  query={"match_all": {}})
    return [hit["_source"]["url"] for hit in response["hits"]["hits"]]


def _replay(crawler) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "safewatch", "index", "replay"], env=crawler.env,
                          capture_output=True, text=True, timeout=120)


def _spooled(crawler) -> int:
    spool = crawler.var / "spool" / crawler.repo.prefix
    return sum(len(path.read_text(encoding="utf-8").splitlines()) for path in spool.glob("*.jsonl"))


def _every_post_once(crawler) -> None:
    replayed = _replay(crawler)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "0 still pending, 0 rejected" in replayed.stdout, replayed.stdout
    urls = _stored_posts(crawler.repo)
    assert len(set(urls)) == EXPECTED_POSTS, f"{EXPECTED_POSTS - len(set(urls))} post(s) lost"
    assert len(urls) == EXPECTED_POSTS, f"{len(urls) - len(set(urls))} post(s) stored twice"
    assert _spooled(crawler) == 0


def _warned_once(crawler, run, reason: str) -> None:
    """One line on stderr when the first posts go to the spool, and no line per failed attempt."""
    warnings = [line for line in run.stderr.splitlines() if line.startswith("  warning:")]
    spool = crawler.var / "spool" / crawler.repo.prefix
    assert warnings == [f"  warning: Elasticsearch cannot take posts now, they wait in the spool ({spool}), "
                        f"nothing is lost: {WAITING_REASONS[reason]}"], run.stderr


def _crawl_past_the_gate(crawler, gated_forum, process) -> tuple:
    gated_forum.gate.set()
    started = time.monotonic()
    run = crawler.finish(process, timeout=CRAWL_SECONDS)
    return run, time.monotonic() - started


def test_a_full_node_disk_blocks_writes_the_crawl_spools_and_replay_loses_nothing(node, node_crawler, gated_forum):
    crawler, repo = node_crawler, node_crawler.repo
    process = crawler.start(SAFEWATCH_DOWNLOAD_TIMEOUT="240")  # thread pages wait at the gate meanwhile
    crawler.wait_until_stored(process, FIRST_BATCH)
    filler = node.fill_disk(leave_bytes=5 << 20)  # past the flood stage (10 MB free)
    wait_for(lambda: _posts_index_blocked(repo), 90, "the node blocks writes at the flood stage")

    run, seconds = _crawl_past_the_gate(crawler, gated_forum, process)
    assert run.returncode == 0, run.output  # spooled is stored: nothing fetched was lost
    assert "kept in the spool, nothing lost: Elasticsearch's disk is nearly full (flood-stage watermark)" \
        in run.stdout, run.output
    assert "`safewatch index replay`" in run.stdout
    _warned_once(crawler, run, "disk_full")
    assert FIRST_BATCH <= len(_stored_posts(repo)) < EXPECTED_POSTS
    assert _spooled(crawler) == EXPECTED_POSTS - len(_stored_posts(repo)), run.output
    assert seconds < 90, f"the crawl took {seconds:.0f}s after the gate: it waited on a blocked node"

    waiting = _replay(crawler)  # too early: the disk is still full, the posts stay where they are
    assert waiting.returncode == 1, waiting.stdout + waiting.stderr
    assert "Still waiting: Elasticsearch's disk is nearly full" in waiting.stdout, waiting.stdout
    assert _spooled(crawler) == EXPECTED_POSTS - len(_stored_posts(repo))

    filler.unlink()  # space freed: the node lifts the block by itself (Elasticsearch 7.4+)
    wait_for(lambda: not _posts_index_blocked(repo), 90, "the node lifts the block once space is freed")
    _every_post_once(crawler)


def test_a_node_killed_mid_crawl_the_crawl_spools_and_replay_loses_nothing(node, node_crawler, gated_forum):
    crawler = node_crawler
    process = crawler.start()
    crawler.wait_until_stored(process, FIRST_BATCH)
    node.kill()

    run, seconds = _crawl_past_the_gate(crawler, gated_forum, process)
    assert run.returncode == 0, run.output
    assert "kept in the spool, nothing lost: Elasticsearch is not reachable" in run.stdout, run.output
    _warned_once(crawler, run, "unreachable")
    assert _spooled(crawler) == EXPECTED_POSTS - FIRST_BATCH, run.output
    assert seconds < 90, f"the crawl took {seconds:.0f}s after the node died"

    waiting = _replay(crawler)  # too early: the node is down, the posts stay where they are
    assert waiting.returncode == 1, waiting.stdout + waiting.stderr
    assert "Still waiting: Elasticsearch is not reachable" in waiting.stdout, waiting.stdout
    assert _spooled(crawler) == EXPECTED_POSTS - FIRST_BATCH

    node.start()  # its data survived: acknowledged writes are on disk (translog)
    assert len(_stored_posts(crawler.repo)) == FIRST_BATCH
    _every_post_once(crawler)


