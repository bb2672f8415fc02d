"""Bounded, polite crawls (#13): link traps end at max_depth / max_pages, links keep to the source's
hosts, robots.txt is read per RFC 9309, Retry-After is waited out (or given up beyond the cap)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from crawlers.registry import SourceError, load_sources
from crawlers.retry_after import retry_after_seconds
from tests.crawlers.fixture_server import FixtureServer, Reply

REGISTRY = """sources:
  - id: trap
    name: a site with an endless calendar
    platform: web
    kind: html
    start_urls: ["{base}/cal?month=0"]
    rate_limit: {{concurrency: 4, delay: 0}}
{extra}"""
POST = '<article class="post" id="m{n}"><div class="post-body">Lịch tháng {n} của lớp</div></article>'
TEXT = "text/plain"


def calendar(request):
    """/cal?month=N links to the next month and to the same month next year: it never ends."""
    month = int(request.query.partition("=")[2] or 0)
    links = (f'<a class="thread-link" href="/cal?month={month + 1}">next</a>'
             f'<a class="thread-link" href="/cal?month={month + 12}">next year</a>')
    return Reply(f"<html><body>{POST.format(n=month)}<ul class='threads'>{links}</ul></body></html>")


def trap_server(**routes) -> FixtureServer:
    return FixtureServer({"/robots.txt": Reply("User-agent: *\nAllow: /\n", content_type=TEXT), "/cal": calendar,
                          **routes})


def pages_fetched(server: FixtureServer) -> list[str]:
    return [path for path in server.paths_requested() if path != "/robots.txt"]


def test_a_calendar_trap_stops_at_max_depth(run_crawl):
    with trap_server() as server:
        result = run_crawl(REGISTRY.format(base=server.base_url, extra="    max_depth: 3\n"), "trap")
    assert result.returncode == 0, result.output
    months = {int(path.rpartition("=")[2]) for path in pages_fetched(server)}
    # depth 0..3 along +1 and +12: every month reachable in three steps, nothing deeper
    assert months == {a + 12 * b for a in range(4) for b in range(4) if a + b <= 3}, sorted(months)
    assert "pages beyond max_depth ×" in result.stdout, result.output


def test_a_calendar_trap_stops_at_max_pages(run_crawl):
    with trap_server() as server:
        result = run_crawl(REGISTRY.format(base=server.base_url, extra="    max_pages: 7\n    max_depth: 100\n"),
                           "trap")
    assert result.returncode == 0, result.output
    assert len(pages_fetched(server)) == 7, pages_fetched(server)
    assert "page limit reached ×" in result.stdout, result.output


def test_html_links_keep_to_the_source_hosts_unless_it_lists_others(run_crawl):
    with FixtureServer({"/page": Reply(f"<html><body>{POST.format(n=1)}</body></html>")}) as other:
        def start(request):
            link = f'<a class="thread-link" href="{other.url("/page")}">elsewhere</a>'
            return Reply(f"<html><body>{POST.format(n=0)}<ul class='threads'>{link}</ul></body></html>")

        with trap_server(**{"/start": start}) as server:
            registry = REGISTRY.format(base=server.base_url, extra="").replace("/cal?month=0", "/start")
            # The other fixture server is also 127.0.0.1, on another port: its host name is the same,
            # so a source on "localhost" stands in for "a source's own host".
            local = registry.replace("http://127.0.0.1", "http://localhost")
            result = run_crawl(local, "trap", env={"SAFEWATCH_CRAWL_ALLOW_PRIVATE": FixtureServer.allowance()
                                                   + f",localhost:{server.host_port.rpartition(':')[2]}"})
            assert result.returncode == 0, result.output
            assert other.paths_requested() == [], other.paths_requested()
            assert "offsite links × 1" in result.stdout, result.output

            listed = local + "    allowed_hosts: [localhost, 127.0.0.1]\n"
            result = run_crawl(listed, "trap", env={"SAFEWATCH_CRAWL_ALLOW_PRIVATE": FixtureServer.allowance()
                                                    + f",localhost:{server.host_port.rpartition(':')[2]}"})
            assert result.returncode == 0, result.output
            assert "/page" in other.paths_requested(), result.output


@pytest.mark.parametrize("status", [500, 503])
def test_a_robots_txt_answering_5xx_disallows_the_host(run_crawl, status):
    with trap_server(**{"/robots.txt": Reply("oops", status=status, content_type=TEXT)}) as server:
        result = run_crawl(REGISTRY.format(base=server.base_url, extra=""), "trap")
    assert result.returncode == 0, result.output
    assert pages_fetched(server) == [], server.paths_requested()
    assert "robots.txt unavailable (5xx): disallowed × 1" in result.stdout, result.output


def test_an_unreachable_robots_txt_disallows_the_host(run_crawl):
    def hang_up(request):
        request.handler.close_connection = True
        request.handler.connection.close()  # no answer at all

    with trap_server(**{"/robots.txt": hang_up}) as server:
        result = run_crawl(REGISTRY.format(base=server.base_url, extra=""), "trap")
    assert result.returncode == 0, result.output
    assert pages_fetched(server) == [], server.paths_requested()
    assert "robots.txt unavailable (5xx): disallowed × 1" in result.stdout, result.output


def test_a_robots_txt_answering_4xx_allows_everything(run_crawl):
    with trap_server(**{"/robots.txt": Reply("gone", status=404, content_type=TEXT)}) as server:
        result = run_crawl(REGISTRY.format(base=server.base_url, extra="    max_depth: 1\n"), "trap")
    assert result.returncode == 0, result.output
    assert len(pages_fetched(server)) == 3, server.paths_requested()


def test_only_the_first_500_kib_of_robots_txt_are_rules(run_crawl):
    padding = "# " + "x" * 98 + "\n"
    robots = ("User-agent: *\nDisallow: /cal?month=12\n" + padding * 6000  # 600 KB, then one more rule
              + "Disallow: /cal?month=1\n")
    assert len(robots.encode()) > 512_000
    with trap_server(**{"/robots.txt": Reply(robots, content_type=TEXT)}) as server:
        result = run_crawl(REGISTRY.format(base=server.base_url, extra="    max_depth: 1\n"), "trap")
    assert result.returncode == 0, result.output
    fetched = pages_fetched(server)
    assert "/cal?month=12" not in fetched, fetched  # the rule before the limit applies
    assert "/cal?month=1" in fetched, fetched  # the rule after it is ignored
    assert "1 URLs refused by robots.txt" in result.stdout, result.output


def test_a_429_with_retry_after_is_waited_out_once(run_crawl):
    arrivals: list[float] = []
    lock = threading.Lock()

    def busy_then_fine(request):
        with lock:
            arrivals.append(time.monotonic())
            first = len(arrivals) == 1
        if first:
            return Reply("slow down", status=429, headers={"Retry-After": "2"}, content_type=TEXT)
        return Reply(f"<html><body>{POST.format(n=0)}</body></html>")

    with trap_server(**{"/cal": busy_then_fine}) as server:
        result = run_crawl(REGISTRY.format(base=server.base_url, extra=""), "trap")
    assert result.returncode == 0 and "1 posts collected" in result.stdout, result.output
    assert len(arrivals) == 2, arrivals  # exactly one retry
    assert arrivals[1] - arrivals[0] >= 2.0, arrivals
    assert "1 retry(ies) waited as the server asked" in result.stdout, result.output


@pytest.mark.parametrize("status", [429, 503])
def test_a_busy_answer_without_retry_after_backs_off_exponentially(run_crawl, status):
    arrivals: list[float] = []
    lock = threading.Lock()

    def busy_twice_then_fine(request):
        with lock:
            arrivals.append(time.monotonic())
            busy = len(arrivals) <= 2
        if busy:
            return Reply("busy", status=status, content_type=TEXT)  # no Retry-After
        return Reply(f"<html><body>{POST.format(n=0)}</body></html>")

    with trap_server(**{"/cal": busy_twice_then_fine}) as server:
        result = run_crawl(REGISTRY.format(base=server.base_url, extra=""), "trap",
                           env={"SAFEWATCH_RETRY_BACK_OFF": "1"})
    assert result.returncode == 0 and "1 posts collected" in result.stdout, result.output
    assert len(arrivals) == 3, arrivals
    assert arrivals[1] - arrivals[0] >= 1.0 and arrivals[2] - arrivals[1] >= 2.0, arrivals  # 1 s, then 2 s
    assert "2 retry(ies) after a 429/503 without Retry-After" in result.stdout, result.output


def test_a_retry_after_beyond_the_cap_is_not_waited_but_counted(run_crawl):
    with trap_server(**{"/cal": Reply("come back in an hour", status=429, headers={"Retry-After": "3600"},
                                      content_type=TEXT)}) as server:
        started = time.monotonic()
        result = run_crawl(REGISTRY.format(base=server.base_url, extra=""), "trap")
        took = time.monotonic() - started
    assert result.returncode == 0, result.output
    assert pages_fetched(server) == ["/cal?month=0"], server.paths_requested()  # asked once, not retried
    assert "pages given up: Retry-After over SAFEWATCH_MAX_RETRY_AFTER × 1" in result.stdout, result.output
    assert took < 60, took


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("30", now=now) == 30
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90
    assert retry_after_seconds(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0
    assert retry_after_seconds("soon", now=now) is None and retry_after_seconds(None) is None


SOURCE = """sources:
  - id: s1
    name: n
    platform: forum
    kind: {kind}
    start_urls: ["https://forum.example.vn/"]
{extra}"""


@pytest.mark.parametrize(("extra", "problem"), [
    ("    max_pages: 0\n", "field 'max_pages': a whole number, 1 or more (got 0)"),
    ("    max_depth: 2.5\n", "field 'max_depth': a whole number, 1 or more (got 2.5)"),
    ("    max_pages: true\n", "field 'max_pages': a whole number, 1 or more (got True)"),
    ("    allowed_hosts: [https://x.vn/]\n", "field 'allowed_hosts': 'https://x.vn/' is not a host name"),
    ("    allowed_hosts: {a: b}\n", "field 'allowed_hosts': expected a list of host names"),
])
def test_bad_bounds_are_refused_with_the_field_named(tmp_path, extra, problem):
    path = tmp_path / "sources.yml"
    path.write_text(SOURCE.format(kind="html", extra=extra), encoding="utf-8")
    with pytest.raises(SourceError, match="source 's1', " + problem.replace("(", r"\(").replace(")", r"\)")
                       .replace("?", r"\?").replace(".", r"\.")):
        load_sources(path)


@pytest.mark.parametrize(("kind", "depth", "hosts"), [
    ("html", 100, ("forum.example.vn",)), ("xenforo", 200, ("forum.example.vn",)), ("rss", 10, None),
    ("sitemap", 10, None),
])
def test_every_kind_has_safe_default_bounds(tmp_path, kind, depth, hosts):
    path = tmp_path / "sources.yml"
    path.write_text(SOURCE.format(kind=kind, extra=""), encoding="utf-8")
    source = load_sources(path)[0]
    assert (source.max_pages, source.depth_limit(), source.hosts()) == (5000, depth, hosts)
    path.write_text(SOURCE.format(kind=kind, extra="    max_pages: 20\n    max_depth: 4\n"
                                  "    allowed_hosts: [Forum.example.vn, cdn.example.vn]\n"), encoding="utf-8")
    source = load_sources(path)[0]
    assert (source.max_pages, source.depth_limit(), source.hosts()) == (20, 4, ("forum.example.vn", "cdn.example.vn"))
