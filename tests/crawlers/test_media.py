"""Media of posts kept in the evidence store at crawl time: allowed images fetched politely and
stored, everything else recorded as skipped with its reason, posts indexed whatever happens to their
media, nothing fetched twice, and the UI's reader checking again what it returns."""

import json
import socket
import zipfile

from crawlers.evidence_verify import verify
from index.storage.evidence import EvidenceStore
from index.storage.media import plan, read_media, refusal, sniff
from safewatch.records import post_id_for
from tests.crawlers.fixture_server import FixtureServer, Reply

REGISTRY = """sources:
  - id: pictures
    name: a forum with pictures
    platform: forum
    kind: html
    start_urls: ["{base}/t/1.html"]
    rate_limit: {{concurrency: 4, delay: 0}}
"""
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
GIF = b"GIF89a\x01\x00\x01\x00" + bytes(50)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(60)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
MAX_BYTES = 20_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


DEAD = f"http://127.0.0.1:{_free_port()}"  # nothing listens there: the media server is down


def _post(number: int, images: list[str]) -> str:
    tags = "".join(f'<img src="{src}">' for src in images)
    return (f'<article class="post" id="p{number}"><div class="post-author"><a href="/members/u{number}.html">'
            f'u{number}</a></div><div class="post-body"><p>Bài viết số {number} có ảnh</p>{tags}</div>'
            f'<a class="post-permalink" href="#p{number}">#</a></article>')


def _unsized(body: bytes):
    """A reply without Content-Length (the size is only known while it arrives)."""
    def reply(request):
        handler = request.handler
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True
        return None
    return reply


def _site() -> dict:
    page = "".join([
        _post(1, ["/img/a.jpg", "/img/b.png", "/img/c.svg", "/img/fake.jpg"]),
        _post(2, ["/img/big.jpg", "/img/big-unsized.jpg", "/img/missing.jpg", "/private/p.jpg"]),
        _post(3, ["/img/a.jpg", "/img/d.gif", "/img/e.webp", "/img/f.jpg", "/img/g.jpg"]),
        _post(4, [f"{DEAD}/x.jpg"]),
        _post(5, ["data:image/png;base64,iVBORw0KGgo="]),
    ])
    return {
        "/robots.txt": Reply("User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        "/t/1.html": Reply(f"<html><body><h1 class='thread-title'>Ảnh</h1>{page}</body></html>"),
        "/img/a.jpg": Reply(JPEG, content_type="image/jpeg"),
        "/img/b.png": Reply(PNG, content_type="image/png"),
        "/img/c.svg": Reply(SVG, content_type="image/svg+xml"),
        "/img/fake.jpg": Reply("<html><script>alert(1)</script></html>", content_type="image/jpeg"),
        "/img/big.jpg": Reply(JPEG * 30, content_type="image/jpeg"),
        "/img/big-unsized.jpg": _unsized(JPEG * 30),
        "/img/d.gif": Reply(GIF, content_type="image/gif"),
        "/img/e.webp": Reply(WEBP, content_type="image/webp"),
        "/img/f.jpg": Reply(JPEG[:-2] + b"f", content_type="image/jpeg; charset=binary"),
        "/img/g.jpg": Reply(JPEG + b"g", content_type="image/jpeg"),
        "/private/p.jpg": Reply(JPEG, content_type="image/jpeg"),
    }


def _media(repo, server, number: int) -> list[dict]:
    return repo.get_post(post_id_for(server.url(f"/t/1.html#p{number}"))).source.get("media")


def test_checks_of_a_fetched_body():
    assert [sniff(body) for body in (JPEG, PNG, GIF, WEBP, SVG, b"")] == [
        "image/jpeg", "image/png", "image/gif", "image/webp", None, None]
    assert refusal("image/jpeg", JPEG, MAX_BYTES) is None
    assert refusal("image/png", JPEG, MAX_BYTES) is None  # mislabelled but an allowed image: kept as what it is
    assert "not kept" in refusal("image/svg+xml", SVG, MAX_BYTES)
    assert "not kept" in refusal("", JPEG, MAX_BYTES)
    assert "not an image" in refusal("image/jpeg", b"<html>", MAX_BYTES)
    assert "larger than 100 bytes" in refusal("image/jpeg", JPEG, 100)
    fetch, settled = plan(["http://a/1", "http://a/2", "http://a/1", "ftp://a/3", "http://a/4", "http://a/v.MP4",
                           "http://a/5"],
                          [{"url": "http://a/2", "skipped": "HTTP 503", "retry": True},
                           {"url": "http://a/4", "capture_id": "x"}], limit=5)
    assert fetch == ["http://a/1", "http://a/2"]
    assert [(e["url"], e["skipped"]) for e in settled] == [("ftp://a/3", "not a web address"),
                                                          ("http://a/v.MP4", "a video (only images are kept)"),
                                                          ("http://a/5", "only the first 5 media of a post are kept")]


def test_media_are_fetched_checked_and_kept_once(run_crawl, repo, tmp_path):
    with FixtureServer(_site()) as server:
        # The dead media server is allowed too: this is about a server that is down, not a refused address.
        env = {"SAFEWATCH_MAX_MEDIA_BYTES": str(MAX_BYTES),
               "SAFEWATCH_CRAWL_ALLOW_PRIVATE": f"{server.host_port},{DEAD.removeprefix('http://')}"}
        result = run_crawl(REGISTRY.format(base=server.base_url), "pictures", env=env)
        assert result.returncode == 0, result.output
        assert "5 posts collected" in result.stdout, result.output
        assert "5 media kept in the evidence store, 7 skipped" in result.stdout, result.output
        first_requests = sorted(p for p in server.paths_requested() if p.startswith(("/img/", "/private/")))

        again = run_crawl(REGISTRY.format(base=server.base_url), "pictures", env=env)
        assert again.returncode == 0, again.output
        second_requests = sorted(p for p in server.paths_requested() if p.startswith(("/img/", "/private/")))

    # robots.txt holds for media; an image linked by two posts is fetched once; nothing is fetched again.
    assert "/private/p.jpg" not in first_requests and first_requests.count("/img/a.jpg") == 1
    assert "/img/c.svg" in first_requests and second_requests == first_requests

    store = EvidenceStore(tmp_path / "var" / "evidence")
    one = _media(repo, server, 1)
    assert [entry["url"].rsplit("/", 1)[1] for entry in one] == ["a.jpg", "b.png", "c.svg", "fake.jpg"]
    assert one[0]["content_type"] == "image/jpeg" and one[0]["bytes"] == len(JPEG) and len(one[0]["sha256"]) == 64
    assert one[1]["content_type"] == "image/png" and one[1]["captured_at"]
    assert "image/svg+xml is not kept" in one[2]["skipped"] and not one[2]["retry"]
    assert "not an image" in one[3]["skipped"]

    two = {entry["url"].rsplit("/", 1)[1]: entry for entry in _media(repo, server, 2)}
    assert two["big.jpg"]["skipped"] == f"larger than {MAX_BYTES:,} bytes"
    assert two["big-unsized.jpg"]["skipped"] == f"larger than {MAX_BYTES:,} bytes"
    assert two["missing.jpg"]["skipped"] == "HTTP 404" and not two["missing.jpg"]["retry"]
    assert two["p.jpg"]["skipped"] == "disallowed by robots.txt"

    three = _media(repo, server, 3)
    assert [e.get("content_type") for e in three[:4]] == ["image/jpeg", "image/gif", "image/webp", "image/jpeg"]
    assert three[0]["capture_id"] == one[0]["capture_id"]  # the shared image: one capture
    assert three[4]["skipped"] == "only the first 4 media of a post are kept"

    [down] = _media(repo, server, 4)  # indexed although its media server is down; tried again next time
    assert down["retry"] is True and down["skipped"].startswith("not fetched (")
    assert _media(repo, server, 5) is None  # inline data: no address to fetch (it is in the page's capture)

    # What the UI reads: the bytes from the evidence store, checked again; nothing for what was not kept.
    post = repo.get_post(post_id_for(server.url("/t/1.html#p1"))).source
    item = read_media(store, post, 0)
    assert item.body == JPEG and item.content_type == "image/jpeg" and item.url.endswith("/img/a.jpg")
    assert read_media(store, post, 1).content_type == "image/png"
    assert [read_media(store, post, n) for n in (2, 3, 4, -1)] == [None, None, None, None]
    forged = {**post, "media": [{**post["media"][0], "content_type": "image/svg+xml"},
                                {**post["media"][1], "content_type": "image/jpeg"},
                                {**post["media"][0], "capture_id": "../../etc/passwd"}]}
    assert [read_media(store, forged, n) for n in range(3)] == [None, None, None]

    out = tmp_path / "p1.zip"
    exported = run_crawl("sources: []\n", "export", post_id_for(server.url("/t/1.html#p1")), "--out", str(out),
                         command="evidence")
    assert exported.returncode == 0 and "2 media item(s)" in exported.stdout, exported.output
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read("media-1/response.jpg") == JPEG and archive.read("media-2/response.png") == PNG
        assert "minhash" not in json.loads(archive.read("post.json"))
    assert [m["url"].rsplit("/", 1)[1] for m in manifest["media"]] == ["a.jpg", "b.png"]
    assert verify(out) == []
