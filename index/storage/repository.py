"""The one module that talks to Elasticsearch: setup, posts, events, users.

Everything else (crawler pipelines, the lifecycle, the UI, the command line) calls these functions
and never builds an Elasticsearch request itself.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError, TransportError, helpers

from index.storage import origin, schema, search_text
from index.storage.queries import (
    FACETS,
    NORMALIZED_FIELD,
    SearchRequest,
    chart_bars,
    near_duplicates_body,
    queue_body,
    removed_like_body,
    search_body,
)
from safewatch import near_duplicates
from safewatch.errors import SafeWatchError
from safewatch.statuses import DECIDED_STATUSES

MAX_VERSIONS = 10  # earlier texts kept per post

# Fields a re-crawl may refresh; review fields (status, reviewer…) are never touched by a crawl.
CRAWL_FIELDS = ("url", "canonical_url", "thread_url", "source", "platform", "kind", "language", "author", "title",
                "text", "published_at", "collected_at", "content_hash", "scores", "labels", "rule_hits",
                "explanations", "max_score", "priority", "model_version", "context", "disclosure", "author_url",
                "parent_url", "media_urls", "engagement", "boosted_by", "quotes", "signature", "content_warning",
                "evidence", NORMALIZED_FIELD,
                near_duplicates.SIGNATURE_FIELD, near_duplicates.BANDS_FIELD)
NEAR_DUPLICATE_CANDIDATES = 50  # posts sharing a band key whose signatures are compared, most shared bands first


class PostNotFound(SafeWatchError, LookupError):
    def __str__(self) -> str:
        return f"No post with id {self.args[0]!r}."


class NoticeNotFound(SafeWatchError, LookupError):
    def __str__(self) -> str:
        return f"No notice with id {self.args[0]!r}."


class IndexBusy(SafeWatchError):
    """Writes are blocked for a moment (a migration is copying the index)."""



class VersionConflict(RuntimeError):
    """Someone else changed the document since it was read."""


@dataclass
class StoredDoc:
    """A document as read, with the version needed to write it back only if unchanged."""
    id: str
    source: dict
    seq_no: int
    primary_term: int




@dataclass
class SearchResult:
    total: int
    hits: list[dict]
    facets: dict[str, list[tuple[str, int]]]
    next_after: list | None  # pass as SearchRequest.search_after for the next page
    # Hits per day (or per `days_per_bar` days when the result spans many), days in Vietnam: [(day, count)]
    per_day: list[tuple[str, int]] = field(default_factory=list)
    days_per_bar: int = 1


@dataclass
class BulkResult:
    ok: int = 0  # written or confirmed unchanged
    errors: list[dict] = field(default_factory=list)
    ok_ids: set[str] = field(default_factory=set)
    created: int = 0
    updated: int = 0  # the text changed: the earlier text is kept in previous_versions
    unchanged: int = 0  # same text as stored: nothing written
    refreshed: int = 0  # same text, new classifier output written
    # What the posts that were already stored had recorded of their media (read for the update
    # anyway): the crawl's media fetcher goes on from it without reading the posts back.
    stored_media: dict[str, list] = field(default_factory=dict)


def _now() -> str:
    return datetime.now(UTC).isoformat()


# Searches see a write that was not refreshed at once within the refresh interval (1 s); this leaves room.
RECENT_SECONDS = 5.0


def _seconds_since(moment: str) -> float:
    try:
        return (datetime.now(UTC) - datetime.fromisoformat(moment)).total_seconds()
    except (TypeError, ValueError):
        return 0.0  # unreadable: treat as recent (refresh, then read)


class Repository:
    """Single-document writes (notices, users, releases, most events) refresh at once, so the next page
    a person opens shows them; they are few. Bulk ingest does not, and neither do a reviewer's claim
    and decision (the busiest writes, made by every reviewer every minute or two): who holds what is
    read by id (get_hold), pages that count or list decisions (reports, case timelines, notice
    candidates) call `catch_up()` before they read; anything read by id is current anyway."""

    def __init__(self, client: Elasticsearch, prefix: str, *, spool_dir: Path | None = None) -> None:
        self.client = client
        self.prefix = prefix
        # Where audit events wait when Elasticsearch cannot take them (see append_event).
        self.spool_dir = spool_dir

    def alias(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    @property
    def posts(self) -> str:
        return self.alias("posts")

    @property
    def events(self) -> str:
        return self.alias("events")

    @property
    def users(self) -> str:
        return self.alias("users")

    @property
    def notices(self) -> str:
        return self.alias("notices")

    @property
    def saved_searches(self) -> str:
        return self.alias("saved_searches")

    # ---- setup -------------------------------------------------------------------------------

    def setup(self) -> list[str]:
        """Create missing indices behind their aliases (see index.storage.schema); safe on every start."""
        return schema.setup(self)

    def drop_all(self) -> None:
        """Delete every index of this prefix (the tests' own indices and the benchmarks')."""
        names = list(self.client.indices.get(index=f"{self.prefix}-*", expand_wildcards="all"))
        for name in names:
            self.client.indices.delete(index=name)

    def refresh(self) -> None:
        self.client.indices.refresh(index=f"{self.prefix}-*")

    def catch_up(self) -> None:
        """Make every write so far visible to searches of posts, events and notices (before counting
        or listing what was just decided). Cheap when nothing is pending."""
        self.client.indices.refresh(index=[self.posts, self.events, self.notices])

    # ---- posts -------------------------------------------------------------------------------

    def bulk_upsert_posts(self, documents: Iterable[dict], *, chunk_size: int = 500, threads: int = 1) -> BulkResult:
        """Insert new posts; for posts already stored, update only the crawl fields (never status,
        review or notices). Per-document errors are returned, never dropped.

        New posts are the common case, so each goes first as a cheap `create`. For those that already
        exist (409), the stored version is read: the same text and scores -> nothing is written; an
        edited text -> updated, the earlier text kept in previous_versions (last MAX_VERSIONS).

        Every post written here gets its near-duplicate fields (safewatch.near_duplicates) unless the
        document brings them; a stored post that lacks them gets them even when nothing else changed."""
        documents = [dict(doc) for doc in documents]
        near_duplicates.add_fields(documents)
        search_text.add_fields(documents)
        by_id = {doc["id"]: doc for doc in documents}

        def creates() -> Iterator[dict]:
            for doc in documents:
                post_id = doc["id"]
                source = {k: v for k, v in doc.items() if k != "id"}
                # A new post starts with the model's categories; a reviewer's decision replaces them.
                yield {"_op_type": "create", "_index": self.posts, "_id": post_id,
                       "_source": {"categories": source.get("labels", []), **source, "post_id": post_id}}

        result, existing = BulkResult(), []
        for ok, item in self._bulk(creates(), chunk_size, threads):
            detail = next(iter(item.values()))
            if ok:
                result.ok += 1
                result.created += 1
                result.ok_ids.add(detail.get("_id"))
            elif detail.get("status") == 409 and detail.get("_id") in by_id:
                existing.append(by_id[detail["_id"]])
            else:
                result.errors.append(item)
        updates = list(self._changes(existing, result))
        for ok, item in self._bulk(iter(updates), chunk_size, threads):
            if ok:
                result.ok += 1
                result.ok_ids.add(next(iter(item.values())).get("_id"))
            else:
                result.errors.append(item)
        return result

    def _changes(self, documents: list[dict], result: BulkResult) -> Iterator[dict]:
        """Update actions for stored posts whose text or scores changed; counts the rest unchanged."""
        stored = {}
        for start in range(0, len(documents), 1000):
            ids = [d["id"] for d in documents[start:start + 1000]]
            response = self.client.mget(index=self.posts, ids=ids,
                                        source_includes=["text", "content_hash", "collected_at", "scores",
                                                         "previous_versions", "evidence", "media", NORMALIZED_FIELD,
                                                         near_duplicates.SIGNATURE_FIELD])
            stored.update({d["_id"]: d["_source"] for d in response["docs"] if d.get("found")})
        for doc in documents:
            before = stored.get(doc["id"], {})
            if before.get("media"):
                result.stored_media[doc["id"]] = before["media"]
            fields = {k: doc[k] for k in CRAWL_FIELDS if k in doc}
            if doc.get("content_hash") and before.get("content_hash") == doc["content_hash"]:
                if "scores" not in doc or before.get("scores") == doc["scores"]:
                    result.unchanged += 1
                    missing = _missing_near_duplicate_fields(before, doc)
                    if before.get(NORMALIZED_FIELD) is None and NORMALIZED_FIELD in doc:  # stored before it existed
                        missing[NORMALIZED_FIELD] = doc[NORMALIZED_FIELD]
                    if missing:  # stored before near-duplicates existed (or by an older scheme)
                        yield {"_op_type": "update", "_index": self.posts, "_id": doc["id"], "retry_on_conflict": 3,
                               "doc": missing}
                    else:
                        result.ok += 1
                        result.ok_ids.add(doc["id"])
                    continue
                result.refreshed += 1
                fields.pop("collected_at", None)  # the text was not collected again in a new form
                fields.pop("evidence", None)  # the first capture of this text stays its evidence
            elif before:
                result.updated += 1
                fields["previous_versions"] = [*(before.get("previous_versions") or []), {
                    "text": before.get("text"), "content_hash": before.get("content_hash"),
                    "collected_at": before.get("collected_at"), "evidence": before.get("evidence")}][-MAX_VERSIONS:]
            yield {"_op_type": "update", "_index": self.posts, "_id": doc["id"], "retry_on_conflict": 3,
                   "doc": fields}

    def _bulk(self, actions: Iterator[dict], chunk_size: int, threads: int):
        if threads > 1:  # overlaps building requests with Elasticsearch's work; no retry on 429
            return helpers.parallel_bulk(self.client, actions, thread_count=threads, chunk_size=chunk_size,
                                         raise_on_error=False, raise_on_exception=False)
        # retries throttled (429) chunks briefly (0.5 s, then 1 s): a longer wait is the caller's
        # choice (the Ingestor retries, then spools), and a flood-stage block (also a 429) must not
        # hold a crawl for half a minute per batch
        return helpers.streaming_bulk(self.client, actions, chunk_size=chunk_size, raise_on_error=False,
                                      raise_on_exception=False, max_retries=2, initial_backoff=0.5)

    def get_post(self, post_id: str) -> StoredDoc:
        return self._get(self.posts, post_id, PostNotFound)

    def replace_post(self, stored: StoredDoc, source: dict, *, refresh: bool = True) -> StoredDoc:
        """Write `source` only if the post is unchanged since `stored` was read; returns what was written.
        `refresh` False: searches see it within a second (see the class's note)."""
        return self._replace(self.posts, stored, source, refresh=refresh)

    def post_fields(self, post_ids: list[str], fields: list[str]) -> dict[str, dict]:
        """{post id: {field: value}} of the stored posts among `post_ids` (missing ones left out)."""
        if not post_ids:
            return {}
        response = self.client.mget(index=self.posts, ids=post_ids, source_includes=fields)
        return {d["_id"]: d.get("_source", {}) for d in response["docs"] if d.get("found")}

    def posts_by_ids(self, post_ids: list[str]) -> list[dict]:
        response = self.client.mget(index=self.posts, ids=post_ids)
        return [{"id": d["_id"], **d["_source"]} for d in response["docs"] if d.get("found")]

    def _get(self, index: str, doc_id: str, missing: type[Exception]) -> StoredDoc:
        try:
            hit = self.client.get(index=index, id=doc_id)
        except NotFoundError:
            raise missing(doc_id) from None
        return StoredDoc(hit["_id"], hit["_source"], hit["_seq_no"], hit["_primary_term"])

    def _replace(self, index: str, stored: StoredDoc, source: dict, *, refresh: bool = True) -> StoredDoc:
        try:
            written = self.client.index(index=index, id=stored.id, document=source, if_seq_no=stored.seq_no,
                                        if_primary_term=stored.primary_term, refresh=refresh)
        except ConflictError:
            raise VersionConflict(stored.id) from None
        except ApiError as error:
            if error.meta.status == 403 and "cluster_block" in str(error.error):
                raise IndexBusy("The index is being migrated; nothing was changed. Try again in a minute.") from None
            raise
        return StoredDoc(stored.id, source, written["_seq_no"], written["_primary_term"])

    def count_posts(self, **filters: str) -> int:
        return self.client.count(index=self.posts, query=_filters(filters))["count"]

    def review_queue(self, *, now: str | None = None, size: int = 50, reviewer: str | None = None,
                     exclude: list[str] | None = None) -> list[dict]:
        """Flagged posts and expired claims, most urgent first (see queries.queue_body); with
        `reviewer`, also the posts that reviewer holds; without the posts whose ids are in `exclude`."""
        body = queue_body(now=now or _now(), reviewer=reviewer, size=size, exclude=exclude)
        response = self.client.search(index=self.posts, **body)
        return [_hit(h) for h in response["hits"]["hits"]]

    def posts_held_by(self, reviewer: str, *, now: str) -> list[dict]:
        """The posts `reviewer` has claimed and whose claim has not expired (index/casework/lifecycle.py keeps
        it to one), newest claim first."""
        response = self.client.search(index=self.posts, size=10,
                                      source_includes=["status", "claimed_by", "claim_expires_at"],
                                      query={"bool": {"filter": [{"term": {"status": "in_review"}},
                                                                 {"term": {"claimed_by": reviewer}},
                                                                 {"range": {"claim_expires_at": {"gt": now}}}]}},
                                      sort=[{"claim_expires_at": "desc"}])
        return [_hit(h) for h in response["hits"]["hits"]]

    def stored_posts(self, post_ids: list[str]) -> dict[str, StoredDoc]:
        """The posts as stored now (read by id, so current even before a refresh), with their versions;
        ids not found are left out."""
        if not post_ids:
            return {}
        response = self.client.mget(index=self.posts, ids=post_ids)
        return {d["_id"]: StoredDoc(d["_id"], d["_source"], d["_seq_no"], d["_primary_term"])
                for d in response["docs"] if d.get("found")}

    # ---- holds: the post each reviewer holds (index/casework/lifecycle.py) ---------------------

    def get_hold(self, reviewer: str) -> StoredDoc | None:
        """The reviewer's hold record (read by id: current at once), or None when they never held a post."""
        try:
            hit = self.client.get(index=self.alias("holds"), id=reviewer)
        except NotFoundError:
            return None
        return StoredDoc(hit["_id"], hit["_source"], hit["_seq_no"], hit["_primary_term"])

    def put_hold(self, reviewer: str, post_id: str, *, claimed_at: str, expected: StoredDoc | None,
                 force: bool = False) -> StoredDoc:
        """Point the reviewer's hold record at `post_id`, only if it is unchanged since `expected` was read
        (None: only if there is none yet); VersionConflict otherwise. `force`: whatever it held.
        Read by id only, so never refreshed."""
        index, source = self.alias("holds"), {"post_id": post_id, "claimed_at": claimed_at}
        if force:
            written = self.client.index(index=index, id=reviewer, document=source, refresh=False)
            return StoredDoc(reviewer, source, written["_seq_no"], written["_primary_term"])
        if expected is None:
            try:
                written = self.client.create(index=index, id=reviewer, document=source, refresh=False)
            except ConflictError:
                raise VersionConflict(reviewer) from None
            return StoredDoc(reviewer, source, written["_seq_no"], written["_primary_term"])
        return self._replace(index, expected, source, refresh=False)

    def review_queue_page(self, body: dict) -> dict:
        """One page of the review queue as index/storage/review_queue.py builds it (hits and facets)."""
        return self.client.search(index=self.posts, **body).body

    def search_posts(self, request: SearchRequest) -> SearchResult:
        """Search typed by a person: no query syntax, diacritics optional, filters, facets, and
        deep pagination with search_after."""
        response = self.client.search(index=self.posts, **search_body(request))
        hits = response["hits"]["hits"]
        facets = {name: [(b["key"], b["doc_count"]) for b in response["aggregations"][name]["buckets"]]
                  for name in FACETS} if request.facets else {}
        next_after = hits[-1]["sort"] if len(hits) == request.size else None
        per_day, days_per_bar = chart_bars(response.get("aggregations", {}))
        return SearchResult(response["hits"]["total"]["value"], [_hit(h) for h in hits], facets, next_after,
                            per_day, days_per_bar)

    def related_posts(self, post_id: str, post: dict, *, size: int = 10) -> dict[str, list[dict]]:
        """Context for a reviewer, in one request: other posts of the same thread, of the same author
        (on the same platform), posts with exactly the same text elsewhere (copies, re-posts), and
        near-duplicates: nearly the same text (a word changed, diacritics removed, another phone
        number), best first, each with its estimated `similarity` (0-1, at least
        near_duplicates.THRESHOLD); the exact copies are only in same_text. A post stored before
        near-duplicates existed is compared by its text (its candidates need the fields)."""
        fields = ["url", "text", "author", "status", "labels", "published_at", "collected_at", "source"]
        wanted = {"thread": {"term": {"thread_url": post.get("thread_url")}} if post.get("thread_url") else None,
                  "author": {"bool": {"filter": [{"term": {"author": post["author"]}}, *(
                      [{"term": {"platform": post["platform"]}}] if post.get("platform") else [])]}}
                  if post.get("author") else None,
                  "same_text": {"term": {"content_hash": post["content_hash"]}} if post.get("content_hash") else None}
        searches: list[dict] = []
        names: list[str] = []
        for name, query in wanted.items():
            if query is not None:
                names.append(name)
                searches += [{"index": self.posts}, {"query": {"bool": {"filter": [query], "must_not": [
                    {"ids": {"values": [post_id]}}]}}, "size": size, "_source": fields,
                    "sort": [{"collected_at": {"order": "desc", "unmapped_type": "date"}}]}]
        signature = _signature_of(post)
        if signature is not None:
            names.append("near_duplicates")
            searches += [{"index": self.posts}, near_duplicates_body(
                post_id, post.get("content_hash"), near_duplicates.band_keys(signature), fields,
                size=NEAR_DUPLICATE_CANDIDATES)]
        related: dict[str, list[dict]] = {name: [] for name in [*wanted, "near_duplicates"]}
        if searches:
            for name, response in zip(names, self.client.msearch(searches=searches)["responses"], strict=True):
                hits = [_hit(hit) for hit in response.get("hits", {}).get("hits", [])]
                related[name] = near_duplicates.confirmed(signature, hits, size) if name == "near_duplicates" \
                    else hits
        return related

    def removed_like(self, posts: list[dict], fields: list[str], *, size: int = 20) -> list[list[dict]]:
        """For each post ({id, content_hash, minhash}), the removed posts with the same text or a
        near-duplicate candidate (confirm with safewatch.near_duplicates), in one request."""
        searches: list[dict] = []
        for post in posts:
            signature = near_duplicates.decode(post.get(near_duplicates.SIGNATURE_FIELD))
            keys = near_duplicates.band_keys(signature) if signature is not None else []
            searches += [{"index": self.posts}, removed_like_body(post["id"], post.get("content_hash"), keys, fields,
                                                                  size=size)]
        if not searches:
            return []
        return [[_hit(hit) for hit in response.get("hits", {}).get("hits", [])]
                for response in self.client.msearch(searches=searches)["responses"]]

    def count_matches(self, requests: list[SearchRequest]) -> list[int]:
        """How many posts each search matches, in one request (no documents, no facets)."""
        if not requests:
            return []
        searches: list[dict] = []
        for request in requests:
            searches += [{"index": self.posts}, {"query": search_body(request)["query"], "size": 0,
                                                 "track_total_hits": True}]
        return [response.get("hits", {}).get("total", {}).get("value", 0)
                for response in self.client.msearch(searches=searches)["responses"]]

    def aggregate(self, index: str, query: dict, aggs: dict) -> dict:
        """Counts and aggregations only (no documents)."""
        return self.client.search(index=index, query=query, aggs=aggs or None, size=0, track_total_hits=True).body

    def scan_posts(self, query: dict, *, fields: list[str], sort: list[dict], limit: int) -> list[dict]:
        """All matching posts (up to `limit`), in `sort` order."""
        rows: list[dict] = []
        for page in self.iter_post_pages(query, fields=fields, sort=sort, page_size=min(1000, limit)):
            rows.extend(page[:limit - len(rows)])
            if len(rows) >= limit:
                break
        return rows

    def iter_post_pages(self, query: dict, *, fields: list[str], sort: list[dict] | None = None,
                        page_size: int = 1000) -> Iterator[list[dict]]:
        """Matching posts page by page, paged with search_after (no deep-paging limit)."""
        after = None
        sort = [*(sort or []), {"post_id": "asc"}]
        while True:
            response = self.client.search(index=self.posts, query=query, source_includes=fields, sort=sort,
                                          size=page_size, search_after=after)
            hits = response["hits"]["hits"]
            if hits:
                yield [{"id": h["_id"], **h["_source"]} for h in hits]
            if len(hits) < page_size:
                return
            after = hits[-1]["sort"]

    def bulk_update_posts(self, updates: list[tuple[str, dict]]) -> BulkResult:
        """Partial updates of fields that are not the status (the lifecycle owns the status)."""
        if any("status" in fields for _, fields in updates):
            raise ValueError("status changes go through index.casework.lifecycle")
        result = BulkResult()
        actions = ({"_op_type": "update", "_index": self.posts, "_id": post_id, "doc": fields, "retry_on_conflict": 3}
                   for post_id, fields in updates)
        for ok, item in self._bulk(actions, 500, 1):
            if ok:
                result.ok += 1
            else:
                result.errors.append(item)
        return result

    # ---- events (append-only) -----------------------------------------------------------------

    def append_event(self, event: dict, *, refresh: bool = True, event_id: str | None = None) -> str:
        """Append to the audit trail. The change it records has already been written, so the event
        must not be lost: if Elasticsearch cannot take it now, it waits in the spool (replay_events).
        `refresh` False: searches see it within a second (see the class's note). `event_id`: chosen
        beforehand (new_event_id), when the change it records names it."""
        event_id = event_id or new_event_id()
        # Where the request came from (set by the review UI for the request it handles) wins over the
        # caller's request_id: a client cannot choose what the trail records as the server's id.
        document = {"at": _now(), **event, **origin.current_fields()}
        try:
            self.client.create(index=self.events, id=event_id, document=document, refresh=refresh)
        except (TransportError, ApiError) as error:
            status = getattr(getattr(error, "meta", None), "status", None)
            if self.spool_dir is None or (status is not None and status not in (403, 429) and status < 500):
                raise
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            with (self.spool_dir / "events.jsonl").open("a", encoding="utf-8") as stream:
                stream.write(json.dumps({"id": event_id, "document": document}, ensure_ascii=False) + "\n")
        return event_id

    def replay_events(self) -> int:
        """Write spooled audit events (idempotent: an event already there is skipped)."""
        path = self.spool_dir / "events.jsonl" if self.spool_dir else None
        if path is None or not path.exists():
            return 0
        pending = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        written = 0
        for position, item in enumerate(pending):
            try:
                self.client.create(index=self.events, id=item["id"], document=item["document"])
            except ConflictError:
                pass  # written by an earlier replay
            except (TransportError, ApiError):
                remaining = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in pending[position:])
                path.with_suffix(".part").write_text(remaining, encoding="utf-8")
                path.with_suffix(".part").replace(path)
                return written
            written += 1
        path.unlink()
        return written

    def search_events(self, query: dict, *, sort: list[dict], size: int, offset: int = 0,
                      search_after: list | None = None, aggs: dict | None = None) -> dict:
        """A page of audit events (index/storage/audit_log.py builds the query): the raw response."""
        return self.client.search(index=self.events, query=query, sort=sort, size=size, from_=offset or None,
                                  search_after=search_after, aggs=aggs, track_total_hits=True).body

    def scan_events(self, query: dict, *, sort: list[dict]) -> Iterator[dict]:
        """Every audit event `query` selects, in `sort` order (a scroll: no result window)."""
        for hit in helpers.scan(self.client, index=self.events, query={"query": query, "sort": sort}, size=1000,
                                preserve_order=True):
            yield hit["_source"]

    def events_for(self, post_id: str, *, current: dict | None = None) -> list[dict]:
        """The post's audit events, oldest first, a change made a moment ago included. Claims and
        decisions are not refreshed at once: given `current` (the post as the caller just read it by
        id), the event of its last status change is read by id when the search does not have it yet,
        and the events are refreshed only for a post decided in the last few seconds (a referral to
        investigation is a second event of the decision). Without `current`, they are refreshed."""
        changed = (current or {}).get("status_changed_at")
        if current is None or (current.get("status") in DECIDED_STATUSES and changed
                               and _seconds_since(changed) < RECENT_SECONDS):
            self.client.indices.refresh(index=self.events)
        response = self.client.search(index=self.events, query={"term": {"post_id": post_id}},
                                      sort=[{"at": "asc"}], size=1000)
        hits = response["hits"]["hits"]
        latest = (current or {}).get("status_event_id")
        if latest and all(hit["_id"] != latest for hit in hits):
            try:
                hits.append(self.client.get(index=self.events, id=latest))
            except NotFoundError:
                pass  # spooled (Elasticsearch refused it): it appears once replayed
        return [hit["_source"] for hit in hits]

    # ---- notices -----------------------------------------------------------------------------

    def create_notice(self, notice_id: str, document: dict) -> None:
        self.client.create(index=self.notices, id=notice_id, document=document, refresh=True)

    def get_notice(self, notice_id: str) -> StoredDoc:
        return self._get(self.notices, notice_id, NoticeNotFound)

    def replace_notice(self, stored: StoredDoc, source: dict) -> StoredDoc:
        return self._replace(self.notices, stored, source)

    def find_notices(self, *, statuses: tuple[str, ...] = (), deadline_before: str | None = None,
                     post_id: str | None = None, size: int = 1000) -> list[dict]:
        filters: list[dict] = []
        if statuses:
            filters.append({"terms": {"status": list(statuses)}})
        if deadline_before:
            filters.append({"range": {"deadline": {"lt": deadline_before}}})
        if post_id:
            filters.append({"term": {"post_ids": post_id}})
        response = self.client.search(index=self.notices, query={"bool": {"filter": filters}}, size=size,
                                      sort=[{"deadline": {"order": "asc", "missing": "_last"}},
                                            {"created_at": "asc"}])
        return [{"id": h["_id"], **h["_source"]} for h in response["hits"]["hits"]]

    def scan_notices(self, query: dict, *, limit: int = 10_000) -> list[dict]:
        """Notices matching `query` (up to `limit`), oldest sending first; for reports."""
        response = self.client.search(index=self.notices, query=query, size=limit,
                                      sort=[{"sent_at": {"order": "asc", "missing": "_last"}}, {"created_at": "asc"}])
        return [{"id": h["_id"], **h["_source"]} for h in response["hits"]["hits"]]

    def next_in_sequence(self, name: str, *, attempts: int = 20) -> int:
        """The next number of a named sequence; concurrent callers never get the same one."""
        index = self.alias("counters")
        for _ in range(attempts):
            try:
                hit = self.client.get(index=index, id=name)
            except NotFoundError:
                try:
                    self.client.create(index=index, id=name, document={"value": 1}, refresh=True)
                    return 1
                except ConflictError:
                    continue
            value = hit["_source"]["value"] + 1
            try:
                self.client.index(index=index, id=name, document={"value": value}, if_seq_no=hit["_seq_no"],
                                  if_primary_term=hit["_primary_term"], refresh=True)
                return value
            except ConflictError:
                continue
        raise VersionConflict(name)

    # ---- users -------------------------------------------------------------------------------

    def get_user(self, username: str) -> dict | None:
        try:
            return self.client.get(index=self.users, id=username)["_source"]
        except NotFoundError:
            return None

    def put_user(self, user: dict, *, create: bool) -> None:
        if create:
            self.client.create(index=self.users, id=user["username"], document=user, refresh=True)
        else:
            self.client.index(index=self.users, id=user["username"], document=user, refresh=True)

    def update_user(self, username: str, change: Callable[[dict | None], dict | None]) -> tuple[dict | None, bool]:
        return self.update_document("users", username, change, refresh=True)

    def list_users(self) -> list[dict]:
        response = self.client.search(index=self.users, size=1000, sort=[{"username": "asc"}])
        return [h["_source"] for h in response["hits"]["hits"]]

    def update_document(self, name: str, doc_id: str, change: Callable[[dict | None], dict | None], *,
                        refresh: bool = False, attempts: int = 200) -> tuple[dict | None, bool]:
        """Read, change and write one document of index `name` so that concurrent changes all count:
        `change` gets the stored source (None when there is none) and returns the new source, or None
        to write nothing; when someone else wrote in between, it is called again on the fresh copy.
        Returns (the source now stored, whether this call wrote it)."""
        index = self.alias(name)
        for attempt in range(attempts):
            try:
                hit = self.client.get(index=index, id=doc_id)
                current, version = hit["_source"], {"if_seq_no": hit["_seq_no"],
                                                    "if_primary_term": hit["_primary_term"]}
            except NotFoundError:
                current, version = None, None
            updated = change(current)
            if updated is None:
                return current, False
            try:
                if version is None:
                    self.client.create(index=index, id=doc_id, document=updated, refresh=refresh)
                else:
                    self.client.index(index=index, id=doc_id, document=updated, refresh=refresh, **version)
                return updated, True
            except ConflictError:
                time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 20)))  # spread the retries out
        raise VersionConflict(f"{name}/{doc_id}")

    def get_document(self, name: str, doc_id: str) -> dict | None:
        try:
            return self.client.get(index=self.alias(name), id=doc_id)["_source"]
        except NotFoundError:
            return None

    def put_document(self, name: str, doc_id: str, document: dict) -> None:
        self.client.index(index=self.alias(name), id=doc_id, document=document)

    def delete_document(self, name: str, doc_id: str) -> None:
        try:
            self.client.delete(index=self.alias(name), id=doc_id)
        except NotFoundError:
            pass

    # ---- report narratives (index.casework.report_narratives) -------------------------------------------

    def get_report_narrative(self, narrative_id: str) -> dict | None:
        return self.get_document("report_narratives", narrative_id)

    def update_report_narrative(self, narrative_id: str,
                                change: Callable[[dict | None], dict | None]) -> tuple[dict | None, bool]:
        """Read, change and write a report's narrative (see update_document); visible at once."""
        return self.update_document("report_narratives", narrative_id, change, refresh=True)

    # ---- documents of any index by name (tips, partners) ----------------------------------------------

    def get_stored(self, name: str, doc_id: str, missing: type[Exception]) -> StoredDoc:
        """One document of index `name` with its version (for `replace_stored`); `missing` when absent."""
        return self._get(self.alias(name), doc_id, missing)

    def replace_stored(self, name: str, stored: StoredDoc, source: dict) -> StoredDoc:
        """Write `source` only if the document is unchanged since `stored` was read (VersionConflict)."""
        return self._replace(self.alias(name), stored, source)

    def create_document(self, name: str, doc_id: str, document: dict) -> None:
        """A new document, visible at once; a ConflictError when the id is taken."""
        self.client.create(index=self.alias(name), id=doc_id, document=document, refresh=True)

    def search_documents(self, name: str, query: dict, *, sort: list[dict] | None = None, size: int = 1000,
                         source_excludes: list[str] | None = None) -> list[dict]:
        """Documents of index `name` matching `query`, each with its "id"."""
        response = self.client.search(index=self.alias(name), query=query, sort=sort, size=size,
                                      source_excludes=source_excludes)
        return [{"id": h["_id"], **h["_source"]} for h in response["hits"]["hits"]]

    # ---- saved searches ----------------------------------------------------------------------

    def get_saved_search(self, search_id: str) -> dict | None:
        try:
            return self.client.get(index=self.saved_searches, id=search_id)["_source"]
        except NotFoundError:
            return None

    def put_saved_search(self, search: dict) -> None:
        self.client.index(index=self.saved_searches, id=search["search_id"], document=search, refresh=True)

    def delete_saved_search(self, search_id: str) -> bool:
        try:
            self.client.delete(index=self.saved_searches, id=search_id, refresh=True)
        except NotFoundError:
            return False
        return True

    def saved_searches_of(self, username: str, *, size: int = 1000) -> list[dict]:
        response = self.client.search(index=self.saved_searches, query={"term": {"username": username}},
                                      size=size, sort=[{"name": "asc"}, {"search_id": "asc"}])
        return [h["_source"] for h in response["hits"]["hits"]]


    # ---- cases (written through update_document; index/casework/cases.py) --------------------------------

    def search_cases(self, query: dict, *, sort: list[dict], size: int = 100,
                     fields: list[str] | None = None) -> list[dict]:
        """Cases matching `query` (index/casework/cases.py builds it), in `sort` order."""
        response = self.client.search(index=self.alias("cases"), query=query, sort=sort, size=size,
                                      source_includes=fields, track_total_hits=False)
        return [{"id": h["_id"], **h["_source"]} for h in response["hits"]["hits"]]


def _missing_near_duplicate_fields(stored: dict, document: dict) -> dict:
    """The near-duplicate fields to write on a stored post that lacks them (or has an older scheme's)."""
    signature = document.get(near_duplicates.SIGNATURE_FIELD)
    if signature is None or near_duplicates.is_current(stored.get(near_duplicates.SIGNATURE_FIELD)):
        return {}
    return {near_duplicates.SIGNATURE_FIELD: signature,
            near_duplicates.BANDS_FIELD: document.get(near_duplicates.BANDS_FIELD)}


def _signature_of(post: dict):
    """The post's stored signature, or one computed from its text (posts stored before there were any)."""
    stored = near_duplicates.decode(post.get(near_duplicates.SIGNATURE_FIELD))
    if stored is not None or not post.get("text"):
        return stored
    return near_duplicates.signatures([post["text"]])[0]


def new_event_id() -> str:
    return str(uuid.uuid4())


def _hit(hit: dict) -> dict:
    return {"id": hit["_id"], **hit["_source"], "highlight": hit.get("highlight", {})}


def _filters(filters: dict[str, str]) -> dict:
    return {"bool": {"filter": [{"term": {k: v}} for k, v in filters.items()]}}
