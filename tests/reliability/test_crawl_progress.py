"""Nothing collected is lost (#13): a crawl killed or interrupted midway, or stopped by a write on
disk that fails, marks no page as seen, so the next crawl fetches every page whose posts were not
stored. Real crawls in child processes, against a slow forum with ETag/Last-Modified on 127.0.0.1."""

from __future__ import annotations

import signal

from tests.reliability.conftest import EXPECTED_POSTS, unwritable


def _crawl_twice_more(crawler) -> None:
    """After a failed crawl: the next one stores every post, the one after adds none (its pages answer
    304, every post present exactly once)."""
    second = crawler.run()
    assert second.returncode == 0, second.output
    assert crawler.stored() == EXPECTED_POSTS, second.output
    third = crawler.run()
    assert third.returncode == 0 and "not modified since the last crawl" in third.stdout, third.output
    assert crawler.stored() == EXPECTED_POSTS  # ids are the posts' addresses: a count that matches has no double


def test_a_killed_crawl_loses_nothing(crawler):
    process = crawler.start()
    stored = crawler.wait_until_stored(process, EXPECTED_POSTS // 3)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert stored < EXPECTED_POSTS
    _crawl_twice_more(crawler)


def test_an_interrupted_crawl_says_so_and_loses_nothing(crawler):
    process = crawler.start()
    crawler.wait_until_stored(process, EXPECTED_POSTS // 3)
    process.send_signal(signal.SIGINT)
    interrupted = crawler.finish(process, timeout=120)
    assert interrupted.returncode == 130, interrupted.output
    assert "Crawl interrupted" in interrupted.stdout, interrupted.output
    assert "no page is marked as seen before its posts are stored" in interrupted.stdout, interrupted.output
    assert crawler.stored() < EXPECTED_POSTS
    _crawl_twice_more(crawler)


def test_an_unwritable_evidence_folder_stops_the_crawl(crawler, tmp_path):
    evidence = tmp_path / "evidence"
    with unwritable(evidence) as make_writable:
        failed = crawler.run(SAFEWATCH_EVIDENCE_DIR=str(evidence))
        assert failed.returncode == 3, failed.output
        errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and str(evidence) in errors[0] and "cannot write evidence" in errors[0], failed.stderr
        assert "Crawl stopped by a storage failure" in failed.stdout, failed.output
        assert crawler.stored() < EXPECTED_POSTS  # posts without their evidence are never indexed
        make_writable()
        crawler.env["SAFEWATCH_EVIDENCE_DIR"] = str(evidence)
        _crawl_twice_more(crawler)


def test_a_full_spool_while_elasticsearch_refuses_writes_stops_the_crawl(crawler):
    repo, spool = crawler.repo, crawler.var / "spool"
    with unwritable(spool) as make_writable:
        repo.client.indices.put_settings(index=repo.posts, settings={"index.blocks.write": True})
        try:
            failed = crawler.run()
        finally:
            repo.client.indices.put_settings(index=repo.posts, settings={"index.blocks.write": False})
        assert failed.returncode == 3, failed.output
        errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and str(spool) in errors[0] and "the spool" in errors[0], failed.stderr
        assert crawler.stored() == 0
        make_writable()
        _crawl_twice_more(crawler)
