"""Real crawls against real servers on 127.0.0.1: links, redirects, images and re-checks that lead
off the public web are never fetched; the crawl summary counts them by reason; the page's other
links are still crawled. Only the crawled site's own host:port is allowed."""

import socket

from crawlers.address_policy import NEUTRAL_REASON
from safewatch.records import post_id_for
from tests.crawlers.fixture_server import FixtureServer, Reply
from tests.crawlers.test_recheck import under_notice

REGISTRY = """sources:
  - id: lure
    name: a forum whose pages point inwards
    platform: forum
    kind: html
    start_urls: ["{base}/forum.html"]
    # The names of this machine count as the source's own site here, so that it is the address check,
    # not the offsite rule of the html kind, that refuses them (literal addresses meet the address
    # check first in any case).
    allowed_hosts: ["127.0.0.1", "localhost", "2130706433", "0177.0.0.1"]
    rate_limit: {{concurrency: 4, delay: 0}}
"""
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300) + b"\xff\xd9"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _thread(number: int, image: str = "") -> Reply:
    return Reply(f'<html><body><h1 class="thread-title">Chủ đề {number}</h1><article class="post" id="p{number}">'
                 f'<div class="post-author">u{number}</div><div class="post-body"><p>Bài số {number}: ai bán '
                 f'pod giá rẻ cho học sinh không, ib mình</p>{image}</div></article></body></html>')


def test_links_redirects_and_images_off_the_public_web_are_not_fetched(run_crawl, repo):
    closed = _closed_port()
    with FixtureServer({"/": Reply("internal"), "/img.jpg": Reply(JPEG, content_type="image/jpeg")}) as inside:
        port = inside.httpd.server_address[1]
        links = ["/t/1.html", "file:///etc/passwd", "javascript:void(0)", "mailto:a@b.vn",
                 f"http://127.0.0.1:{port}/a", f"http://[::1]:{port}/b", f"http://2130706433:{port}/c",
                 f"http://0177.0.0.1:{port}/d", f"http://localhost:{port}/e", "/out", "/t/2.html"]
        listing = "".join(f'<li><a href="{link}">{n}</a></li>' for n, link in enumerate(links))
        images = (f'<img src="http://127.0.0.1:{port}/img.jpg"><img src="http://127.0.0.1:{closed}/img.jpg">'
                  f'<img src="file:///etc/passwd">')
        site = {"/forum.html": Reply(f'<html><body><ul class="threads">{listing}</ul></body></html>'),
                "/out": Reply("", status=302, headers={"Location": f"http://127.0.0.1:{port}/f"}),
                "/t/1.html": _thread(1, images), "/t/2.html": _thread(2)}
        with FixtureServer(site) as forum:
            result = run_crawl(REGISTRY.format(base=forum.base_url), "lure",
                               env={"SAFEWATCH_CRAWL_ALLOW_PRIVATE": forum.host_port})
            assert result.returncode == 0, result.output
            assert inside.requests == [], inside.requests  # nothing reached the inside server, not even robots.txt
            # refused links, a javascript: and a mailto: link drop nothing: the last thread is crawled too
            assert "2 posts collected" in result.stdout, result.output
            assert {"/t/1.html", "/t/2.html", "/out"} <= set(forum.paths_requested())
    # 127.0.0.1, [::1], 2130706433, 0177.0.0.1, localhost, the redirect's target, two images
    assert "refused_private_address × 8" in result.stdout, result.output
    assert "skipped_bad_link × 3" in result.stdout, result.output  # file:, javascript:, mailto:
    assert "IgnoreRequest" not in result.stdout, result.output
    media = repo.get_post(post_id_for(forum.url("/t/1.html#p1"))).source["media"]
    # an open port and a closed one look the same: neither was asked
    assert [entry["skipped"] for entry in media] == [NEUTRAL_REASON, NEUTRAL_REASON]  # file: is no media address
    assert not any(entry.get("retry") for entry in media)


def test_a_recheck_of_an_internal_address_stores_nothing_from_it(run_crawl, repo):
    secret = '{"_source": {"password_hash": "$2b$12$secret"}}'
    with FixtureServer({"/safewatch-users/_search": Reply(secret, content_type="application/json")}) as node:
        node_post = under_notice(repo, node.url("/safewatch-users/_search"))
        file_post = under_notice(repo, "file:///etc/passwd")
        result = run_crawl("sources: []\n", args=("--all",), command="recheck",
                           env={"SAFEWATCH_CRAWL_ALLOW_PRIVATE": ""})
        assert result.returncode == 0, result.output
        assert node.requests == []
    assert "2 could not be checked" in result.stdout, result.output
    for post_id in (node_post, file_post):
        post = repo.get_post(post_id).source
        assert post["last_check"] == "unreachable" and post["status"] != "removed"
        [check] = [e for e in repo.events_for(post_id) if e["action"] == "recheck"]
        assert check["reason"] == NEUTRAL_REASON and check["details"]["evidence"] is None
        assert "secret" not in str(check) and "root:" not in str(check)


def test_an_unreadable_allowance_stops_the_crawl_with_one_line(run_crawl):
    result = run_crawl(REGISTRY.format(base="http://example.invalid"), "lure",
                       env={"SAFEWATCH_CRAWL_ALLOW_PRIVATE": "http://127.0.0.1:1/x"})
    assert result.returncode == 1, result.output
    assert "error: SAFEWATCH_CRAWL_ALLOW_PRIVATE: cannot read" in result.stderr and "Traceback" not in result.output
