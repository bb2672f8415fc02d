"""Bulk ingest that loses nothing: per-document failures, a blocked index, a migration while
writes continue, and the node stopped and restarted in the middle of an ingest."""

import threading
from dataclasses import replace

import pytest

from index.node import launcher as embedded
from index.storage import schema
from index.storage.connection import make_client
from index.storage.ingest import Ingestor
from index.storage.repository import Repository
from safewatch.records import post_id_for


def docs(start, count, **extra):
    return [{"id": post_id_for(f"http://f.example/{n}"), "url": f"http://f.example/{n}", "text": f"bài {n}",
             "status": "collected", "collected_at": "2026-11-20T00:00:00+00:00", **extra}
            for n in range(start, start + count)]


def test_permanent_errors_are_reported_and_blocked_writes_are_spooled(repo, tmp_path):
    ingestor = Ingestor(repo, tmp_path / "spool")
    bad = docs(0, 1, not_in_mapping=True)
    result = ingestor.write(docs(1, 9) + bad)
    assert result.indexed == 9 and result.spooled == 0
    assert len(result.rejected) == 1 and "strict_dynamic_mapping" in str(result.rejected[0]["error"])

    concrete = schema.current_index(repo, next(s for s in schema.SPECS if s.name == "posts"))
    repo.client.indices.put_settings(index=concrete, settings={"index.blocks.write": True})
    try:
        result = ingestor.write(docs(100, 20))
        assert result.indexed == 0 and result.spooled == 20 and ingestor.pending() == 20
        assert ingestor.write(docs(200, 5)).spooled == 25  # new ones queue behind the old
    finally:
        repo.client.indices.put_settings(index=concrete, settings={"index.blocks.write": False})
    replayed = ingestor.replay()
    assert replayed.replayed == 25 and ingestor.pending() == 0
    assert ingestor.replay().replayed == 0  # idempotent: nothing left, nothing sent twice
    repo.refresh()
    assert repo.count_posts() == 9 + 25


def test_migration_while_writes_continue_loses_nothing(repo, tmp_path):
    ingestor = Ingestor(repo, tmp_path / "spool")
    ingestor.write(docs(0, 3000))
    posts = next(s for s in schema.SPECS if s.name == "posts")
    written, stop = [], threading.Event()

    def writer():
        start = 10_000
        while not stop.is_set():
            batch = docs(start, 50)
            ingestor.write(batch)
            written.extend(d["id"] for d in batch)
            start += 50

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        [migration] = schema.migrate(repo, specs=[posts], log=lambda message: None)
    finally:
        stop.set()
        thread.join()
    assert migration.new_index.endswith("-v2") and migration.documents >= 3000
    ingestor.replay()
    assert ingestor.pending() == 0
    repo.refresh()
    assert repo.count_posts() == 3000 + len(written) and written
    assert schema.current_index(repo, posts) == migration.new_index
    assert not repo.client.indices.exists(index=migration.old_index)


def test_setup_refuses_an_incompatible_change_and_migrate_applies_it(repo, monkeypatch):
    posts = next(s for s in schema.SPECS if s.name == "posts")
    changed = replace(posts, mappings={**posts.mappings, "properties": {
        **posts.mappings["properties"], "source": {"type": "text"}}})
    monkeypatch.setattr(schema, "SPECS", tuple(changed if s.name == "posts" else s for s in schema.SPECS))
    with pytest.raises(schema.SchemaOutdated, match="safewatch index migrate"):
        schema.setup(repo)
    assert [s.name for s in schema.needs_migration(repo)] == ["posts"]
    schema.migrate(repo, log=lambda message: None)
    assert schema.setup(repo) == [] and schema.needs_migration(repo) == []


def test_node_stopped_and_restarted_during_ingest(config, tmp_path):
    if not config.uses_embedded_es:
        pytest.skip("needs the embedded node")
    node = replace(config, var_dir=tmp_path / "var", embedded_es_port=config.embedded_es_port + 19,
                   embedded_es_heap="512m", es_request_timeout=5.0)
    quiet = {"log": lambda message: None}
    embedded.start(node, **quiet)
    try:
        repo = Repository(make_client(node), "ingest")
        repo.setup()
        ingestor = Ingestor(repo, tmp_path / "spool")
        for batch in range(4):
            assert ingestor.write(docs(batch * 100, 100)).indexed == 100
        embedded.stop(node, **quiet)
        for batch in range(4, 7):
            assert ingestor.write(docs(batch * 100, 100)).indexed == 0
            assert ingestor.pending() == (batch - 3) * 100
        embedded.start(node, **quiet)
        for batch in range(7, 10):
            ingestor.write(docs(batch * 100, 100))
        assert ingestor.pending() == 0
        repo.refresh()
        assert repo.count_posts() == 1000  # every post exactly once
    finally:
        embedded.stop(node, **quiet)


def test_audit_events_and_posts_have_separate_spools(config, repo, tmp_path):
    """An audit event spooled while the events index refuses writes is never read by the replay
    of posts (which sent it as a post, saw it rejected and deleted it) and reaches the events index
    once it can; an older version's audit spool among the posts is moved to the audit spool."""
    from index.storage.connection import open_repository
    config = replace(config, index_prefix=repo.prefix, var_dir=tmp_path)
    legacy = config.spool_path / "events.jsonl"
    legacy.parent.mkdir(parents=True)
    legacy.write_text('{"id": "legacy-event-1", "document": {"action": "note", "actor": "lan", '
                      '"at": "2026-11-20T00:00:00+00:00"}}\n', encoding="utf-8")
    audited = open_repository(config)
    assert not legacy.exists() and (config.audit_spool_path / "events.jsonl").is_file()

    events_index = schema.current_index(repo, next(s for s in schema.SPECS if s.name == "events"))
    posts_index = schema.current_index(repo, next(s for s in schema.SPECS if s.name == "posts"))
    for index in (events_index, posts_index):
        repo.client.indices.put_settings(index=index, settings={"index.blocks.write": True})
    try:
        audited.append_event({"action": "note", "actor": "lan", "post_id": "p-during-crawl"})
        ingestor = Ingestor(audited, config.spool_path)
        assert ingestor.write(docs(300, 3)).spooled == 3
    finally:
        for index in (events_index, posts_index):
            repo.client.indices.put_settings(index=index, settings={"index.blocks.write": False})
    replayed = ingestor.replay()
    assert replayed.replayed == 3 and replayed.rejected == [] and ingestor.pending() == 0
    assert audited.replay_events() == 2
    repo.refresh()
    assert [e["actor"] for e in repo.events_for("p-during-crawl")] == ["lan"]
    assert repo.client.exists(index=repo.events, id="legacy-event-1")


def test_a_flood_stage_block_spools_at_once_and_says_why(repo, tmp_path):
    """The block Elasticsearch sets at the flood-stage disk watermark (read-only-allow-delete):
    posts go to the spool without in-line retries, the result says the disk is full, and they are
    written once the block is lifted. A node whose disk is not full lifts such a block by itself
    (its disk monitor runs every 10 s), so the block is set right before the write, and set again
    in the rare case the monitor lifted it in between."""
    import time

    from index.storage.ingest import WAITING_REASONS
    ingestor = Ingestor(repo, tmp_path / "spool")
    concrete = schema.current_index(repo, next(s for s in schema.SPECS if s.name == "posts"))
    for attempt in range(3):
        repo.client.indices.put_settings(index=concrete, settings={"index.blocks.read_only_allow_delete": True})
        try:
            started = time.monotonic()
            result = ingestor.write(docs(400 + 10 * attempt, 10))
            seconds = time.monotonic() - started
        finally:
            repo.client.indices.put_settings(index=concrete, settings={"index.blocks.read_only_allow_delete": None})
        if result.spooled:
            break
    assert seconds < 3  # no back-off on a block that retrying cannot lift
    assert result.spooled == 10 and result.waiting_because == "disk_full"
    assert "flood-stage watermark" in WAITING_REASONS[result.waiting_because]
    assert ingestor.replay().replayed == 10 and ingestor.pending() == 0


def test_the_embedded_node_keeps_disk_watermarks(config, tmp_path):
    from index.node.launcher import NodePaths, _write_node_config
    node = replace(config, var_dir=tmp_path, embedded_es_disk_watermarks=("2gb", "1gb", "300mb"))
    paths = NodePaths.for_config(node)
    _write_node_config(node, paths)
    written = (paths.config / "elasticsearch.yml").read_text()
    assert "threshold_enabled: true" in written and "watermark.flood_stage: 300mb" in written
    assert "watermark.low: 2gb" in written and "watermark.high: 1gb" in written
