"""Scope and kinds (#15) on real saved pages: `follow: false` keeps a crawl to its start pages (a
WordPress article whose "next" link leads to another article), json_api reads a single-object answer,
the Mastodon kind reads given status ids, and `safewatch sources try` prints what a source extracts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from crawlers.pages import json_api
from crawlers.pages import mastodon as api
from crawlers.registry import SourceError, load_sources
from crawlers.spiders.base import FOLLOW_OFF_STAT
from crawlers.spiders.html import HtmlSpider
from crawlers.spiders.mastodon import MastodonSpider
from safewatch.records import PostRecord
from tests.crawlers.fixture_server import FixtureServer, Reply

REAL = Path(__file__).parent / "sites" / "real"
WORDPRESS = (REAL / "newspaper" / "flavorwire-article.html").read_bytes()
ARTICLE = "http://flavorwire.com/495982/13-media-moments-from-2014-we-could-have-lived-without"
NEXT_ARTICLE = "http://flavorwire.com/496017/spirited-photos-of-authors-getting-boozy"
STATUS = (REAL / "mastodon_py" / "status.json").read_bytes()
STATUS_ID = "109440142467553266"
COMMENT_RULES = """    rules: {post: "article.fyre-comment-article", body: ".fyre-comment",
            author: ".fyre-comment-username"}
"""


def registry(tmp_path: Path, extra: str = "", start: str = ARTICLE) -> Path:
    path = tmp_path / "sources.yml"
    path.write_text(f"""sources:
  - id: flavorwire
    name: Flavorwire
    platform: web
    kind: html
    start_urls: ["{start}"]
{COMMENT_RULES}{extra}""", encoding="utf-8")
    return path


def spider_for(tmp_path: Path, extra: str = "") -> HtmlSpider:
    source = load_sources(registry(tmp_path, extra))[0]
    return HtmlSpider.from_crawler(get_crawler(HtmlSpider), source=source, start_urls=list(source.start_urls))


def test_a_wordpress_next_link_is_followed_unless_the_source_says_follow_false(tmp_path):
    page = HtmlResponse(ARTICLE, body=WORDPRESS, request=Request(ARTICLE))
    following = spider_for(tmp_path)
    out = list(following.parse(page))
    assert [o.url for o in out if isinstance(o, Request)] == [NEXT_ARTICLE]  # another article: the defect
    assert [r.author for r in out if isinstance(r, PostRecord)] == ["helenkdeleon", "HiddnApp"]

    reading_one = spider_for(tmp_path, "    follow: false\n")
    out = list(reading_one.parse(page))
    assert not [o for o in out if isinstance(o, Request)]
    assert [r.author for r in out if isinstance(r, PostRecord)] == ["helenkdeleon", "HiddnApp"]
    assert reading_one.crawler.stats.get_value(FOLLOW_OFF_STAT) == 1  # counted for the crawl summary


@pytest.mark.parametrize("value", ["no", 0, "false", [False]])
def test_follow_must_be_true_or_false(tmp_path, value):
    with pytest.raises(SourceError, match=r"source 'flavorwire', field 'follow': write true or false"):
        load_sources(registry(tmp_path, f"    follow: {json.dumps(value)}\n"))


def test_follow_false_keeps_a_feeds_entries_but_not_a_next_page():
    """`listed` content (a feed's entries) is still read; a page's next page is not."""
    from crawlers.registry import Source
    from crawlers.spiders.json_api import JsonApiSpider
    source = Source("api", "API", "web", "json_api", ("https://api.example/p",), follow=False,
                    options={"items": "data", "fields": {"url": "link", "text": "body"}, "next": "next"})
    spider = JsonApiSpider.from_crawler(get_crawler(JsonApiSpider), source=source, start_urls=["https://api.example/p"])
    body = json.dumps({"data": [{"link": "https://api.example/1", "body": "một bài"}],
                       "next": "https://api.example/p?page=2"})
    out = list(spider.parse(TextResponse("https://api.example/p", body=body.encode(), encoding="utf-8")))
    assert [type(o).__name__ for o in out] == ["PostRecord"]
    assert spider.crawler.stats.get_value(FOLLOW_OFF_STAT) == 1


def test_json_api_reads_a_single_object_answer_as_one_item():
    """The real answer of GET /api/v1/statuses/:id (a Mastodon server, recorded by Mastodon.py) read
    through a json_api field mapping: one object, one item (it used to give no records)."""
    options = json_api.validate_options({"fields": {"url": "url", "text": "content", "author": "account.acct",
                                                    "published_at": "created_at"}, "text_is_html": True})
    url = f"http://localhost:3000/api/v1/statuses/{STATUS_ID}"
    page = json_api.read_page(TextResponse(url, body=STATUS, encoding="utf-8"), source="s", platform="p",
                              options=options)
    assert [(r.url, r.text, r.author) for r in page.records] == [
        (f"http://localhost:3000/@mastodonpy_test/{STATUS_ID}", "Toot!", "mastodonpy_test")]
    nested = json_api.validate_options({**options, "items": "data"})
    wrapped = json.dumps({"data": json.loads(STATUS)}).encode()
    assert len(json_api.read_page(TextResponse(url, body=wrapped, encoding="utf-8"), source="s", platform="p",
                                  options=nested).records) == 1


def test_mastodon_statuses_option_is_checked():
    assert api.validate_options({"timeline": "statuses", "statuses": [STATUS_ID, int(STATUS_ID)]})["statuses"] == [
        STATUS_ID]
    for bad in ({"timeline": "statuses"}, {"timeline": "statuses", "statuses": []},
                {"timeline": "statuses", "statuses": ["../admin"]}, {"statuses": [STATUS_ID]}):
        with pytest.raises(ValueError, match="option 'statuses'"):
            api.validate_options(bad)


def test_the_mastodon_kind_reads_given_status_ids():
    from crawlers.registry import Source
    source = Source("masto", "M", "mastodon", "mastodon", ("http://localhost:3000",),
                    options={"timeline": "statuses", "statuses": [STATUS_ID, "42"]})
    spider = MastodonSpider(source=source, start_urls=["http://localhost:3000"])
    requests = list(spider.start_requests())
    assert [r.url for r in requests] == [f"http://localhost:3000/api/v1/statuses/{STATUS_ID}",
                                         "http://localhost:3000/api/v1/statuses/42"]
    answer = TextResponse(requests[0].url, body=STATUS, encoding="utf-8", request=requests[0])
    records = list(requests[0].callback(answer))
    assert [(r.url, r.text, r.author, r.kind) for r in records] == [
        (f"http://localhost:3000/@mastodonpy_test/{STATUS_ID}", "Toot!", "mastodonpy_test", "mastodon")]
    gone = TextResponse(requests[1].url, status=404, body=b'{"error":"Record not found"}', encoding="utf-8")
    assert list(requests[1].callback(gone)) == []


def sources_try(tmp_path: Path, *args: str, registry_path: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SAFEWATCH_SOURCES_FILE": str(registry_path or registry(tmp_path)),
           "SAFEWATCH_VAR_DIR": str(tmp_path / "var"), "SAFEWATCH_CRAWL_ALLOW_PRIVATE": FixtureServer.allowance()}
    return subprocess.run([sys.executable, "-m", "safewatch", "sources", "try", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_sources_try_file_prints_each_post_and_the_links_a_crawl_would_follow(tmp_path):
    saved = REAL / "newspaper" / "flavorwire-article.html"
    result = sources_try(tmp_path, "flavorwire", "--file", str(saved))
    assert result.returncode == 0, result.stderr
    assert f"flavorwire (html) {ARTICLE}: HTTP 200, 2 post(s), 1 link(s) a crawl would follow" in result.stdout
    assert "post 1\n" in result.stdout and "  author     helenkdeleon\n" in result.stdout
    assert "  author     HiddnApp\n" in result.stdout and "The Fappening was an awful phenomenon" in result.stdout
    assert f"links a crawl would follow:\n  {NEXT_ARTICLE}" in result.stdout

    no_posts = registry(tmp_path, "").read_text().replace("article.fyre-comment-article", "div.no-such-block")
    (tmp_path / "none.yml").write_text(no_posts, encoding="utf-8")
    result = sources_try(tmp_path, "flavorwire", "--file", str(saved), registry_path=tmp_path / "none.yml")
    assert result.returncode == 1 and "0 post(s)" in result.stdout and "No post found" in result.stdout


def test_sources_try_url_fetches_through_the_crawl_rules_and_indexes_nothing(tmp_path):
    routes = {"/article": Reply(WORDPRESS.decode()),
              "/robots.txt": Reply("User-agent: *\nDisallow: /private\n", content_type="text/plain")}
    with FixtureServer(routes) as server:
        result = sources_try(tmp_path, "flavorwire", "--url", server.url("/article"))
        assert result.returncode == 0, result.stderr
        assert "2 post(s)" in result.stdout and "HiddnApp" in result.stdout
        refused = sources_try(tmp_path, "flavorwire", "--url", server.url("/private/x"))
        assert refused.returncode == 3 and "robots.txt" in refused.stderr, refused.stderr
        assert "/private/x" not in server.paths_requested()
    private = subprocess.run([sys.executable, "-m", "safewatch", "sources", "try", "flavorwire", "--url",
                              "http://10.1.2.3/a"], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "SAFEWATCH_SOURCES_FILE": str(registry(tmp_path)),
                                  "SAFEWATCH_VAR_DIR": str(tmp_path / "var")})
    assert private.returncode == 3 and "only the public web" in private.stderr, private.stderr
    assert not (tmp_path / "var" / "evidence").exists()  # nothing kept


@pytest.mark.parametrize("args, code, message", [
    (("nobody", "--file", "x.html"), 2, "No source 'nobody'"),
    (("flavorwire", "--url", "ftp://example.vn/a"), 2, "is not an http(s) URL"),
    (("flavorwire", "--file", "/no/such/page.html"), 3, "Cannot read /no/such/page.html"),
])
def test_sources_try_bad_input_gets_one_line_and_an_exit_code(tmp_path, args, code, message):
    result = sources_try(tmp_path, *args)
    assert result.returncode == code and message in result.stderr, (result.returncode, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1
