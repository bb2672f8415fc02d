"""Bad input, all in one crawl of a misbehaving site: each case gives a clear log line and a counter
in the summary, nothing crashes, and only whole posts reach the index."""

import re

from tests.crawlers import hostile_site

REGISTRY = """sources:
  - id: hostile
    name: hostile forum
    platform: forum
    kind: html
    start_urls: ["{base}/index.html"]
    rate_limit: {{concurrency: 8, delay: 0}}
  - id: feed-empty
    name: empty feed
    platform: news
    kind: rss
    start_urls: ["{base}/feed-empty.xml"]
    rate_limit: {{concurrency: 8, delay: 0}}
  - id: feed-html
    name: a feed that is a web page
    platform: news
    kind: rss
    start_urls: ["{base}/feed-html.xml"]
    rate_limit: {{concurrency: 8, delay: 0}}
"""


def test_a_misbehaving_site_is_survived_counted_and_explained(run_crawl, repo):
    with hostile_site.server() as server:
        result = run_crawl(REGISTRY.format(base=server.base_url), "hostile", "feed-empty", "feed-html",
                           env={"SAFEWATCH_DOWNLOAD_TIMEOUT": "1.5", "SAFEWATCH_MAX_PAGE_BYTES": str(1024 * 1024)})
    assert result.returncode == 0, result.output
    out, err = result.stdout, result.stderr
    assert "5 posts collected" in out, result.output
    for label in ("time-outs ×", "pages over the size limit × 1",
                  "compressed pages too large when unpacked (bombs) × 1", "redirect loops × 1",
                  "redirects to a malformed address × 1",
                  "pages with a wrong charset (read as UTF-8) × 1", "pages with invalid UTF-8 (bytes replaced) × 1",
                  "feeds with no entries (empty, or not a feed) × 2", "HTTP 502 answers × 1",
                  "requests given up after retries ×"):
        assert label in out, (label, out)
    for line in ("redirect loop:", "redirect to a malformed address:",
                 "declares iso-8859-1 but is UTF-8", "invalid UTF-8 in", "not a feed",
                 "with no entries"):
        assert line in err, (line, err)
    assert "Traceback" not in result.output

    documents = {hit["_source"]["url"].split("/")[-1]: hit["_source"]
                 for hit in repo.client.search(index=repo.posts, size=50)["hits"]["hits"]}
    assert set(documents) == {"good.html#p1", "malformed.html#p1", "no-charset.html#p1",
                              "latin1-declared.html#p1", "invalid-utf8.html#p1"}
    assert "Đà Lạt" in documents["latin1-declared.html#p1"]["text"]  # not "Ä\x90Ã\xa0 Láº¡t"
    assert "Đà Lạt" in documents["no-charset.html#p1"]["text"]
    assert "\ufffd" in documents["invalid-utf8.html#p1"]["text"]
    assert "vẫn đọc được" in documents["malformed.html#p1"]["text"]
    for document in documents.values():  # whole records only
        assert document["text"].strip() and document["content_hash"] and document["evidence"]["sha256"]
        assert document["status"] in ("collected", "flagged") and "scores" in document


def test_a_model_that_cannot_load_stops_the_crawl_before_any_fetch(run_crawl, trained_models, tmp_path):
    """A damaged model: one line saying why, exit code 1, and not a single request to the site
    (before, each source fetched its pages and the crawl ended "0 pages", exit 0, after 40 lines)."""
    import shutil

    from classifier.artefacts import current_path
    models = tmp_path / "damaged-models"
    shutil.copytree(trained_models, models, symlinks=True)
    folder = current_path(models)
    for file in folder.iterdir():
        if file.is_file() and file.name != "metadata.json":
            file.write_bytes(b"not the model that was trained")
    with hostile_site.server() as server:
        result = run_crawl(REGISTRY.format(base=server.base_url), "hostile", env={"SAFEWATCH_MODEL_DIR": str(models)})
        assert server.requests == []
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "model" in errors[0].lower(), result.stderr


def test_a_blocked_index_spools_the_posts_and_says_why(run_crawl, repo):
    """Elasticsearch refusing writes (a write block, as during a migration; a full disk's flood-stage
    block goes the same way, tests/index/storage/test_ingest.py): the crawl keeps every post in the spool,
    says why in its summary, and `index replay` writes them once the block is lifted."""
    from index.storage import schema
    posts_index = schema.current_index(repo, next(s for s in schema.SPECS if s.name == "posts"))
    with hostile_site.server() as server:
        repo.client.indices.put_settings(index=posts_index, settings={"index.blocks.write": True})
        try:
            blocked = run_crawl(REGISTRY.format(base=server.base_url), "hostile",
                                env={"SAFEWATCH_DOWNLOAD_TIMEOUT": "1.5"})
        finally:
            repo.client.indices.put_settings(index=posts_index, settings={"index.blocks.write": False})
        kept = re.search(r"(\d+) post\(s\) kept in the spool, nothing lost: the index is blocked for writes",
                         blocked.stdout)
        assert kept and int(kept.group(1)) >= 5, blocked.output
        assert repo.count_posts() == 0
        replayed = run_crawl(REGISTRY.format(base=server.base_url), command="index", args=("replay",))
    assert replayed.returncode == 0, replayed.output
    assert " 0 still pending, 0 rejected" in replayed.stdout
    assert repo.count_posts() == int(kept.group(1))
