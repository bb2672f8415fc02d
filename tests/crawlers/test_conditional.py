"""Conditional requests: a feed that did not change is answered 304 and costs nothing; a changed one
is read again (an edited entry keeps its earlier text); a fresh index never inherits validators."""

from tests.crawlers.fixture_server import FixtureServer, Reply

REGISTRY = """sources:
  - id: news-feed
    name: news feed
    platform: news
    kind: rss
    start_urls: ["{base}/rss.xml"]
    rate_limit: {{concurrency: 1, delay: 0}}
"""
ITEM = "<item><title>{n}</title><link>{base}/a/{n}</link><description>{text}</description></item>"


class VersionedFeed:
    """An RSS feed with an ETag and Last-Modified that answers 304 to a matching request."""

    def __init__(self) -> None:
        self.version = 1
        self.texts = {1: "Trường tổ chức ngày hội đọc sách", 2: "Cảnh báo trò thử thách nguy hiểm",
                      3: "Kết quả giải bóng đá học sinh"}
        self.base = ""

    def __call__(self, request):
        etag = f'"v{self.version}"'
        last_modified = f"Sun, 0{self.version} Nov 2026 08:00:00 GMT"
        if request.headers.get("if-none-match") == etag:
            return Reply(b"", status=304, headers={"ETag": etag, "Last-Modified": last_modified})
        items = "".join(ITEM.format(n=n, base=self.base, text=text) for n, text in self.texts.items())
        return Reply(f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}'
                     "</channel></rss>", headers={"ETag": etag, "Last-Modified": last_modified},
                     content_type="application/rss+xml; charset=utf-8")


def test_unchanged_feed_costs_a_304_and_changes_are_read(run_crawl, repo):
    feed = VersionedFeed()
    with FixtureServer({"/rss.xml": feed}) as server:
        feed.base = server.base_url
        registry = REGISTRY.format(base=server.base_url)
        first = run_crawl(registry, "news-feed")
        assert first.returncode == 0 and "3 posts collected" in first.stdout, first.output
        assert "if-none-match" not in server.requests[-1][2]

        second = run_crawl(registry, "news-feed")
        assert second.returncode == 0, second.output
        assert server.requests[-1][2]["if-none-match"] == '"v1"'
        assert "if-modified-since" in server.requests[-1][2]
        assert "1 page(s) not modified since the last crawl" in second.stdout and "0 posts collected" in second.stdout

        feed.version, feed.texts[2] = 2, "Cảnh báo trò thử thách nguy hiểm (đã cập nhật)"
        third = run_crawl(registry, "news-feed")
        assert "1 edited since the last crawl, 2 unchanged" in third.stdout, third.output
        assert repo.count_posts() == 3

        repo.drop_all()  # a rebuilt index: the crawl state of the old one does not apply
        repo.setup()
        fourth = run_crawl(registry, "news-feed")
        assert "if-none-match" not in server.requests[-1][2] and "3 new" in fourth.stdout, fourth.output


def test_a_migrated_index_keeps_its_crawl_state_and_a_rebuilt_one_does_not(repo, tmp_path):
    """`safewatch index migrate` copies every post, so the pages' validators stay valid (before, every
    source was fetched again in full afterwards); an index dropped and created anew starts afresh."""
    from crawlers.state import CrawlState
    from index.storage import schema
    state = CrawlState.for_repository(tmp_path, repo)
    state.remember("http://f.example/rss.xml", '"v1"', None, "2026-12-07T00:00:00+00:00")
    state.close()
    posts = next(spec for spec in schema.SPECS if spec.name == "posts")
    before = schema.current_index(repo, posts)
    schema.migrate(repo, specs=[posts], log=lambda message: None)
    assert schema.current_index(repo, posts) != before
    migrated = CrawlState.for_repository(tmp_path, repo)
    assert migrated.validators("http://f.example/rss.xml") == ('"v1"', None)
    migrated.close()
    repo.drop_all()
    repo.setup()
    rebuilt = CrawlState.for_repository(tmp_path, repo)
    assert rebuilt.validators("http://f.example/rss.xml") == (None, None)
    rebuilt.close()
