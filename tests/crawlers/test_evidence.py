"""Evidence: every collected post references the capture it was read from; a capture exports to a
zip that verifies offline, and any change to the zip or the store is caught."""

import gzip
import json
import zipfile
from urllib.parse import urlsplit

import pytest

from crawlers.evidence_verify import verify
from index.storage.evidence import EvidenceError, EvidenceStore, export

FEED = """sources:
  - id: demo-feed
    name: demo feed
    platform: forum
    kind: rss
    start_urls: ["{base}/feed.xml"]
    rate_limit: {{concurrency: 1, delay: 0}}
"""


def test_store_keeps_raw_bodies_once_and_detects_tampering(tmp_path):
    store = EvidenceStore(tmp_path)
    first = store.save(requested_url="http://a.example/x", final_url="http://a.example/y", status=200,
                       headers={"Content-Type": "text/html"}, body=b"<p>xin ch\xc3\xa0o</p>",
                       redirects=["http://a.example/x"])
    second = store.save(requested_url="http://a.example/y", final_url="http://a.example/y", status=200,
                        headers={}, body=b"<p>xin ch\xc3\xa0o</p>")
    assert first.id != second.id and first.sha256 == second.sha256
    assert len(list((tmp_path / "bodies").rglob("*.gz"))) == 1  # same content stored once
    capture, body = store.load(first.id)
    assert body == b"<p>xin ch\xc3\xa0o</p>" and capture.redirects == ["http://a.example/x"]
    [stored] = (tmp_path / "bodies").rglob("*.gz")
    stored.write_bytes(gzip.compress(b"<p>altered</p>"))
    with pytest.raises(EvidenceError, match="no longer matches its SHA-256"):
        store.load(first.id)
    with pytest.raises(EvidenceError, match="not a capture id"):
        store.load("../../etc/passwd")


def test_crawled_posts_reference_their_capture_and_export_verifies(run_crawl, repo, demo_site, tmp_path):
    result = run_crawl(FEED.format(base=demo_site.base_url), "demo-feed",
                       env={"SAFEWATCH_CRAWL_ALLOW_PRIVATE": urlsplit(demo_site.base_url).netloc})
    assert result.returncode == 0, result.output
    hits = repo.client.search(index=repo.posts, size=100)["hits"]["hits"]
    assert len(hits) == 40
    captures = {hit["_source"]["evidence"]["id"] for hit in hits}
    assert len(captures) == 1  # one feed response, forty posts read from it
    post = hits[0]["_source"]
    assert post["evidence"]["url"] == f"{demo_site.base_url}/feed.xml" and len(post["evidence"]["sha256"]) == 64

    out = tmp_path / "evidence.zip"
    exported = run_crawl(FEED.format(base=demo_site.base_url), "export", hits[0]["_id"], "--out", str(out),
                         "--by", "lan", command="evidence")
    assert exported.returncode == 0, exported.output
    assert "1 capture(s)" in exported.stdout and "manifest SHA-256" in exported.stdout
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        body = archive.read("capture-1/response.xml")
        manifest = json.loads(archive.read("manifest.json"))
    assert {"manifest.json", "post.json", "capture-1/capture.json", "capture-1/response.xml"} <= names
    assert b"<rss" in body and manifest["exported_by"] == "lan" and manifest["post_id"] == hits[0]["_id"]
    events = [e for e in repo.events_for(hits[0]["_id"]) if e["action"] == "evidence_exported"]
    assert events and events[0]["actor"] == "lan"

    checked = run_crawl("sources: []\n", "verify", str(out), command="evidence")
    assert checked.returncode == 0 and "intact" in checked.stdout, checked.output
    assert verify(out) == []


def test_an_altered_or_extended_zip_fails_verification(tmp_path):
    store = EvidenceStore(tmp_path / "store")
    capture = store.save(requested_url="http://a.example/t", final_url="http://a.example/t", status=200,
                         headers={"Content-Type": "text/html; charset=utf-8"}, body="<p>bán pod</p>".encode())
    post = {"post_id": "p1", "url": "http://a.example/t#1", "text": "bán pod", "content_hash": "abc",
            "evidence": capture.reference()}
    original = tmp_path / "e.zip"
    export(store, post, original)
    assert verify(original) == []

    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(altered, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, b"<p>something else</p>" if name.endswith("response.html") else data)
        target.writestr("extra.txt", b"added later")
    problems = verify(altered)
    assert any("response.html: SHA-256 differs" in p for p in problems)
    assert any("extra.txt: not listed" in p for p in problems)
    assert verify(tmp_path / "missing.zip")[0].endswith("not a readable zip ([Errno 2] No such file or directory: "
                                                         f"'{tmp_path / 'missing.zip'}').")
    with pytest.raises(EvidenceError, match="has no capture"):
        export(store, {"post_id": "p2"}, tmp_path / "none.zip")
