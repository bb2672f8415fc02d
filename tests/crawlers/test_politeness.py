"""Politeness: the identifying user agent, and the registry's per-host delay between requests."""

import time

from tests.crawlers.fixture_server import FixtureServer, Reply

REGISTRY = """sources:
  - id: slow-forum
    name: a forum that asks for slow crawling
    platform: forum
    kind: html
    start_urls: ["{base}/index.html"]
    rate_limit: {{concurrency: 1, delay: 0.5}}
"""
POST = '<article class="post" id="p{n}"><div class="post-body">Bài số {n} về chuyến dã ngoại</div></article>'


def test_user_agent_and_per_host_delay_are_honoured(run_crawl):
    times: list[float] = []

    def page(n):
        def reply(request):
            times.append(time.monotonic())
            return Reply(f"<html><body><h1 class='thread-title'>T{n}</h1>{POST.format(n=n)}</body></html>")
        return reply

    links = "".join(f'<a class="thread-link" href="/t/{n}.html">{n}</a>' for n in range(5))
    routes = {"/robots.txt": Reply("User-agent: *\nAllow: /\n", content_type="text/plain"),
              "/index.html": Reply(f"<html><body><ul class='threads'>{links}</ul></body></html>")}
    routes.update({f"/t/{n}.html": page(n) for n in range(5)})
    with FixtureServer(routes) as server:
        result = run_crawl(REGISTRY.format(base=server.base_url), "slow-forum")
    assert result.returncode == 0 and "5 posts collected" in result.stdout, result.output
    agents = {headers.get("user-agent") for _, _, headers in server.requests}
    assert len(agents) == 1 and agents.pop().startswith("SafeWatchBot/")
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    # Scrapy spreads the delay over 0.5-1.5 times the configured 0.5 s; never two requests at once.
    assert len(gaps) == 4 and min(gaps) >= 0.2, gaps


def test_robots_txt_holds_for_requests_that_start_together(run_crawl):
    """Several requests to a new host wait together for its robots.txt; every one must obey it
    (Scrapy 2.19 let all but the first through: crawlers.middlewares.SharedRobotsTxtMiddleware)."""
    urls = ", ".join(f'"{{base}}/private/{n}.html"' for n in range(6)) + ', "{base}/ok.html"'
    registry = REGISTRY.replace('["{base}/index.html"]', f"[{urls}]").replace("concurrency: 1, delay: 0.5",
                                                                             "concurrency: 8, delay: 0")
    routes = {"/robots.txt": Reply("User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
              "/ok.html": Reply(f"<html><body>{POST.format(n=1)}</body></html>")}
    routes.update({f"/private/{n}.html": Reply(f"<html><body>{POST.format(n=n)}</body></html>") for n in range(6)})
    with FixtureServer(routes) as server:
        result = run_crawl(registry.format(base=server.base_url), "slow-forum")
    assert result.returncode == 0, result.output
    assert not [path for path in server.paths_requested() if path.startswith("/private/")]
    assert "6 URLs refused by robots.txt" in result.stdout, result.output
