"""An interrupted crawl resumes where it stopped (#13, item 1): the frontier is kept on disk while a
source is crawled (crawlers/frontier_scheduler.py). A crawl killed (SIGKILL) or interrupted (SIGINT)
midway leaves it; the next run fetches the pages still waiting and none of the pages done (whose posts
were stored before they counted as done), and every post is stored exactly once. A clean end removes
it; `--fresh` or a changed source discards it. Real crawls in child processes against the slow forum."""

from __future__ import annotations

import signal

import pytest

from crawlers.frontier import Frontier, job_folder
from tests.reliability.conftest import EXPECTED_POSTS, LISTING_PAGES, POSTS_PER_THREAD, THREADS_PER_PAGE

FULL_CRAWL_PAGES = LISTING_PAGES + LISTING_PAGES * THREADS_PER_PAGE


def _pages(crawler, since: int = 0) -> list[str]:
    """Paths of the forum's pages the server answered (robots.txt left out), from request number `since`."""
    return [path for method, path, headers in crawler.server.requests[since:] if path != "/robots.txt"]


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _job(crawler):
    return job_folder(crawler.var, crawler.repo.prefix, "slow-forum")


def _stop_midway(crawler, how: signal.Signals, *args: str):
    """Starts a crawl, stops it with `how` once a third of the posts are stored; returns the run (or
    None when killed), the pages done and waiting in its saved frontier."""
    process = crawler.start(*args)
    # More than one batch of the pipeline (200 posts, EXPECTED_POSTS // 3): the pages of the first batch
    # are marked done right after it is written, so stopping after the second leaves some done for sure.
    crawler.wait_until_stored(process, EXPECTED_POSTS // 3 + 1)
    process.send_signal(how)
    if how == signal.SIGKILL:
        process.wait(timeout=30)
        stopped = None
    else:
        stopped = crawler.finish(process, timeout=120)
    assert Frontier.exists(_job(crawler)), "a stopped crawl keeps its frontier"
    frontier = Frontier(_job(crawler))
    try:
        done, waiting = frontier.urls(done=True), frontier.urls(done=False)
    finally:
        frontier.close()
    return stopped, done, waiting


def _thread_posts_stored(crawler, url: str) -> int:
    crawler.repo.refresh()
    return crawler.repo.count_posts(thread_url=url)


def _resume_and_check(crawler, done: list[str], waiting: list[str]) -> None:
    """Every page done before the stop had all its posts stored; the next run fetches exactly the
    pages waiting (none done), stores every post once, ends cleanly and removes the frontier."""
    assert done and waiting, (len(done), len(waiting))
    for url in done:
        if "/t/" in url:  # a thread page counts as done only once its posts are stored
            assert _thread_posts_stored(crawler, url) == POSTS_PER_THREAD, url
    before = len(crawler.server.requests)
    resumed = crawler.run()
    assert resumed.returncode == 0, resumed.output
    assert f"resumed an interrupted crawl: {len(waiting)} requests waiting" in resumed.stdout, resumed.output
    fetched = _pages(crawler, before)
    assert not {_path(url) for url in done} & set(fetched), "a page done was fetched again"
    assert {_path(url) for url in waiting} <= set(fetched), "a page waiting was not fetched"
    # Each page once over the two runs: done in the first, or fetched (or found and fetched) by the second.
    assert len(done) + len(fetched) == len(set(fetched)) + len(done) == FULL_CRAWL_PAGES, fetched
    assert crawler.stored() == EXPECTED_POSTS  # ids are the posts' addresses: a count that matches has no double
    assert not _job(crawler).exists(), "a crawl that ended cleanly removes its frontier"


def test_a_killed_crawl_resumes_where_it_stopped(crawler):
    stopped, done, waiting = _stop_midway(crawler, signal.SIGKILL)
    assert crawler.stored() < EXPECTED_POSTS
    _resume_and_check(crawler, done, waiting)


def test_an_interrupted_crawl_flushes_and_resumes_where_it_stopped(crawler):
    stopped, done, waiting = _stop_midway(crawler, signal.SIGINT)
    assert stopped.returncode == 130, stopped.output
    assert f"the next crawl resumes where this one stopped ({len(waiting)} requests waiting in " \
           f"{_job(crawler)}" in stopped.stdout, stopped.output
    # Ctrl-C flushes what it holds: every page processed before the stop is done, its posts stored.
    assert crawler.stored() == sum(POSTS_PER_THREAD for url in done if "/t/" in url)
    _resume_and_check(crawler, done, waiting)


def test_a_clean_crawl_leaves_no_frontier_and_the_next_crawl_is_fresh(crawler):
    first = crawler.run()
    assert first.returncode == 0 and "resumed" not in first.stdout, first.output
    assert len(_pages(crawler)) == FULL_CRAWL_PAGES
    assert not _job(crawler).exists() and _job(crawler).parent.is_dir()
    before = len(crawler.server.requests)
    second = crawler.run()
    assert second.returncode == 0 and "resumed" not in second.stdout, second.output
    # Started afresh: the start page asked again in full, the pages below it answer 304 (conditional requests).
    first_listing = {"/list/1.html", "/list/2.html", *(f"/t/{t}.html" for t in range(1, THREADS_PER_PAGE + 1))}
    assert set(_pages(crawler, before)) == first_listing, _pages(crawler, before)
    assert f"{len(first_listing) - 1} page(s) not modified since the last crawl" in second.stdout, second.output
    assert crawler.stored() == EXPECTED_POSTS


@pytest.mark.parametrize("change", ["--fresh", "start URLs"])
def test_fresh_or_a_changed_source_starts_over(crawler, change):
    stopped, done, waiting = _stop_midway(crawler, signal.SIGKILL)
    args: tuple[str, ...] = ()
    if change == "--fresh":
        args, expected = ("--fresh",), "fresh crawl asked for"
    else:
        base = crawler.server.base_url
        crawler.registry.write_text(crawler.registry.read_text(encoding="utf-8").replace(
            f'"{base}/list/1.html"', f'"{base}/list/1.html", "{base}/list/2.html"'), encoding="utf-8")
        expected = "the source's kind or start URLs changed"
    before = len(crawler.server.requests)
    again = crawler.run(*args)
    assert again.returncode == 0, again.output
    warnings = [line for line in again.stderr.splitlines() if expected in line]
    assert len(warnings) == 1 and f"({len(waiting)} requests waiting) is discarded" in warnings[0], again.stderr
    assert "resumed" not in again.stdout, again.output
    assert len(set(_pages(crawler, before))) == FULL_CRAWL_PAGES  # done pages fetched again: a fresh start
    assert crawler.stored() == EXPECTED_POSTS
    assert not _job(crawler).exists()
