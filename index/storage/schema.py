"""Index administration: create the indices behind their aliases, detect schema changes, migrate.

(Documents are read and written through index.storage.repository; this module only manages indices.)

Every concrete index carries a fingerprint of the mappings and analysis it was built with in its
mapping's _meta. `setup()` creates what is missing and applies additive mapping changes in place;
a change Elasticsearch cannot apply in place (an analyzer, a field type) needs `migrate()`:

  1. create <alias>-v<N+1> with the new schema;
  2. block writes on the old index (writers get a 403 and spool or retry: nothing is lost);
  3. copy every document (scroll + bulk, ids kept) once every write the old index accepted is
     applied, and again if its write position moved meanwhile (a write in flight when the block
     arrived lands late);
  4. check the counts match;
  5. move the alias to the new index in one atomic call, then remove the old index.
On any failure before step 5, the old index is unblocked and the new one removed.

`migrate()` then fills derived fields that posts stored before them lack (index/storage/search_text.py: the
normalised search text), writing only those fields.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from elasticsearch import BadRequestError, Elasticsearch, helpers

from index.storage import search_text
from index.storage.mappings import ANALYSIS, SPECS, IndexSpec
from safewatch.errors import SafeWatchError


class IndexHost(Protocol):
    """What schema needs of a store: its Elasticsearch client and its index prefix (a Repository is one;
    schema never imports the repository, which calls it from `setup()`)."""

    client: Elasticsearch
    prefix: str


class SchemaOutdated(SafeWatchError):
    pass


@dataclass(frozen=True)
class Migration:
    alias: str
    old_index: str
    new_index: str
    documents: int


def fingerprint(spec: IndexSpec) -> str:
    body = json.dumps({"analysis": ANALYSIS, "mappings": spec.mappings}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _analysis_fingerprint() -> str:
    return hashlib.sha256(json.dumps(ANALYSIS, sort_keys=True).encode()).hexdigest()[:16]


def _mappings(spec: IndexSpec, lineage: str) -> dict:
    return {**spec.mappings, "_meta": {"schema": fingerprint(spec), "analysis": _analysis_fingerprint(),
                                       "lineage": lineage}}


def _body(spec: IndexSpec, repo: IndexHost, *, with_alias: bool, lineage: str) -> dict:
    body = spec.body(repo.prefix)
    body["mappings"] = _mappings(spec, lineage)
    if not with_alias:
        body.pop("aliases")
    return body


def current_index(repo: IndexHost, spec: IndexSpec) -> str | None:
    alias = spec.alias(repo.prefix)
    if not repo.client.indices.exists_alias(name=alias):
        return None
    return next(iter(repo.client.indices.get_alias(name=alias)))


def _meta(repo: IndexHost, index: str) -> dict:
    return repo.client.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})


def lineage(repo: IndexHost, index: str) -> str:
    """What stays the same when an index is migrated (its documents are copied) and changes when it
    is created anew: crawl state is kept per lineage. An index made before lineages existed is
    named by its concrete name and uuid, as its crawl state was."""
    found = _meta(repo, index).get("lineage")
    if found:
        return found
    uuid_ = repo.client.indices.get_settings(index=index)[index]["settings"]["index"]["uuid"]
    return f"{index}-{uuid_}"


def _new_lineage(spec: IndexSpec, repo: IndexHost) -> str:
    return f"{spec.concrete(repo.prefix)}-{uuid.uuid4().hex}"


def setup(repo: IndexHost) -> list[str]:
    """Create missing indices; apply additive changes. Raises SchemaOutdated when a migration is
    needed. Safe to run on every start."""
    created = []
    for spec in SPECS:
        index = current_index(repo, spec)
        if index is None:
            try:
                repo.client.indices.create(index=spec.concrete(repo.prefix),
                                           **_body(spec, repo, with_alias=True, lineage=_new_lineage(spec, repo)))
                created.append(spec.concrete(repo.prefix))
            except BadRequestError as error:
                if error.error != "resource_already_exists_exception":  # another process was first
                    raise
            continue
        meta = _meta(repo, index)
        if meta.get("schema") == fingerprint(spec):
            continue
        if meta.get("analysis") != _analysis_fingerprint():
            raise SchemaOutdated(f"{spec.alias(repo.prefix)}: text analysis changed; run `safewatch index migrate`.")
        try:
            repo.client.indices.put_mapping(index=index, **_mappings(spec, lineage(repo, index)))
        except BadRequestError as error:
            raise SchemaOutdated(f"{spec.alias(repo.prefix)}: mapping changed in a way Elasticsearch cannot apply "
                                 f"in place ({error.message}); run `safewatch index migrate`.") from None
    return created


def needs_migration(repo: IndexHost) -> list[IndexSpec]:
    outdated = []
    for spec in SPECS:
        index = current_index(repo, spec)
        if index is not None and _meta(repo, index).get("schema") != fingerprint(spec):
            outdated.append(spec)
    return outdated


def migrate(repo: IndexHost, *, specs: list[IndexSpec] | None = None,
            log: Callable[[str], None] = print) -> list[Migration]:
    done = []
    for spec in specs if specs is not None else needs_migration(repo):
        done.append(_migrate_one(repo, spec, log))
    for spec in SPECS:  # anything still missing
        if current_index(repo, spec) is None:
            setup(repo)
            break
    search_text.backfill(repo, log=log)
    return done


def _copy(client, source: str, target: str) -> None:
    """Copy every document (ids kept; a second pass overwrites with the latest version). Nothing
    else writes to the target: the alias still points at the source."""
    _, errors = helpers.bulk(client, (
        {"_op_type": "index", "_index": target, "_id": hit["_id"], "_source": hit["_source"]}
        for hit in helpers.scan(client, index=source, size=1000, preserve_order=False)
    ), chunk_size=1000, raise_on_error=False, stats_only=False)
    failed = errors if isinstance(errors, list) else []  # stats_only=False: the failed items
    if failed:
        raise SchemaOutdated(f"copying {source} to {target} failed for {len(failed)} document(s): "
                             f"{next(iter(failed[0].values())).get('error')}")


def _settled_position(client, index: str, *, timeout: float = 30.0) -> tuple:
    """The index's write position (max sequence number per shard copy), once every operation it
    accepted has been applied (local checkpoint caught up)."""
    deadline = time.monotonic() + timeout
    while True:
        stats = client.indices.stats(index=index, level="shards")["indices"][index]["shards"]
        copies = [(shard, c["seq_no"]["max_seq_no"], c["seq_no"]["local_checkpoint"])
                  for shard, shard_copies in sorted(stats.items()) for c in shard_copies]
        if all(max_seq == checkpoint for _, max_seq, checkpoint in copies) or time.monotonic() > deadline:
            return tuple((shard, max_seq) for shard, max_seq, _ in copies)
        time.sleep(0.1)


def _migrate_one(repo: IndexHost, spec: IndexSpec, log: Callable[[str], None]) -> Migration:
    client = repo.client
    alias = spec.alias(repo.prefix)
    old = current_index(repo, spec)
    if old is None:
        raise SchemaOutdated(f"{alias} does not exist; run `safewatch index setup`.")
    match = re.search(r"-v(\d+)$", old)
    new = f"{alias}-v{int(match.group(1)) + 1 if match else spec.version + 1}"
    log(f"{alias}: {old} -> {new}")
    client.indices.create(index=new, **_body(spec, repo, with_alias=False, lineage=lineage(repo, old)))
    client.indices.put_settings(index=old, settings={"index.blocks.write": True})
    try:
        # A write already past the block check when the block arrived can still land (a create or an
        # update). Wait until every write the old index accepted is applied, copy, and copy again
        # if its write position moved meanwhile: the copy always holds the latest version.
        for _ in range(5):
            position = _settled_position(client, old)
            client.indices.refresh(index=old)
            expected = client.count(index=old)["count"]
            _copy(client, old, new)
            if _settled_position(client, old) == position:
                break
        else:
            raise SchemaOutdated(f"{alias}: the old index kept changing while blocked; nothing was switched.")
        client.indices.refresh(index=new)
        actual = client.count(index=new)["count"]
        if actual != expected:
            raise SchemaOutdated(f"{alias}: copied {actual} of {expected} documents; "
                                 "the old index is kept and unblocked.")
        client.indices.update_aliases(actions=[
            {"remove": {"index": old, "alias": alias}},
            {"add": {"index": new, "alias": alias, "is_write_index": True}},
        ])
    except BaseException:
        client.indices.put_settings(index=old, settings={"index.blocks.write": False})
        client.indices.delete(index=new, ignore_unavailable=True)
        raise
    client.indices.delete(index=old)
    log(f"{alias}: {actual} documents moved; alias now on {new}")
    return Migration(alias, old, new, actual)
