"""Benchmark of the index on the embedded node (or SAFEWATCH_ES_URL): bulk ingest against one
request per document, then queue, search and report latency on a large index.

    .venv/bin/python bench/index.py [--posts 1000000] [--bulk 200000] [--single 2000] [--keep]

Not a test: it prints figures and their ratios to a baseline measured in the same run.
Targets (issue 3, 2-core machine): bulk >= 5,000 docs/s and >= 15x one-at-a-time; p95 < 100 ms for
queue and search, < 300 ms for reports.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.corpus import load_seed  # noqa: E402
from index.casework.periods import period  # noqa: E402
from index.casework.reports import figures  # noqa: E402
from index.node import launcher as embedded
from index.storage.connection import open_repository  # noqa: E402
from index.storage.queries import SearchRequest  # noqa: E402
from safewatch import near_duplicates  # noqa: E402
from safewatch.config import Config  # noqa: E402
from safewatch.records import content_hash, post_id_for  # noqa: E402
from safewatch.taxonomy import BY_CODE, CODES  # noqa: E402

PLATFORMS = ("forum", "facebook", "tiktok", "news", "mastodon")
SOURCES = tuple(f"source-{n}" for n in range(40))
STATUSES = ("collected",) * 12 + ("flagged",) * 4 + ("dismissed", "confirmed", "takedown_requested", "removed")
QUERIES = ("ma tuy", "ma túy", "cá độ bóng đá", "nap the free fire", "việc nhẹ lương cao", "ib zalo",
           "bắt nạt", "hoc sinh", "kẹo", "lua dao")


def posts(count: int, seed: int = 7):
    """Realistic posts: seed-corpus sentences combined, with metadata spread like a unit's data."""
    rng = random.Random(seed)
    examples = load_seed()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(count):
        first, second = rng.choice(examples), rng.choice(examples)
        text = first.text if rng.random() < 0.6 else f"{first.text}\n{second.text}"
        labels = list(first.labels)
        scores = {code: round(rng.random() * (0.9 if code in labels else 0.05), 4) for code in CODES}
        status = rng.choice(STATUSES) if labels else "collected"
        collected = start + timedelta(seconds=rng.randrange(330 * 86400))
        url = f"https://{rng.choice(PLATFORMS)}.example/t/{n // 10}#post-{n}"
        doc = {"id": post_id_for(url), "url": url, "canonical_url": url, "source": rng.choice(SOURCES),
               "platform": rng.choice(PLATFORMS), "kind": "forum", "author": f"user{rng.randrange(50_000)}",
               "text": text, "published_at": collected.isoformat(), "collected_at": collected.isoformat(),
               "content_hash": content_hash(text), "scores": scores, "labels": labels,
               "max_score": max(scores.values()), "status": status,
               "priority": max((BY_CODE[c].severity * scores[c] for c in labels), default=0.0)}
        if status == "removed":
            doc["removed_at"] = (collected + timedelta(hours=rng.randrange(1, 72))).isoformat()
        yield doc


def timed(label: str, function, repeat: int) -> list[float]:
    function()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000, help="size of the index for query latency")
    parser.add_argument("--bulk", type=int, default=200_000, help="posts in the timed bulk ingest")
    parser.add_argument("--single", type=int, default=2_000, help="posts indexed one request each (baseline)")
    parser.add_argument("--threads", type=int, default=2, help="bulk requests in flight")
    parser.add_argument("--chunk", type=int, default=1000, help="posts per bulk request")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark indices")
    args = parser.parse_args()

    config = replace(Config.from_env(), index_prefix=f"bench-{uuid.uuid4().hex[:6]}")
    if config.uses_embedded_es:
        embedded.start(config, log=lambda message: None)
    repo = open_repository(config)
    repo.setup()
    # Elasticsearch caches aggregation-only results per shard: measure the work, not the cache.
    repo.client.indices.put_settings(index=f"{repo.prefix}-*", settings={"index.requests.cache.enable": False})
    print(f"Benchmark on {repo.client.info()['version']['number']} at {config.es_address}, prefix {repo.prefix}")
    generator = posts(args.posts + args.single)
    try:
        single = [next(generator) for _ in range(args.single)]
        started = time.perf_counter()
        for doc in single:  # the same document as the ingest path writes, near-duplicate fields included
            doc = dict(doc)
            near_duplicates.add_fields([doc])
            repo.client.index(index=repo.posts, id=doc.pop("id"), document={**doc, "post_id": post_id_for(doc["url"])})
        single_rate = len(single) / (time.perf_counter() - started)
        print(f"one request per post : {single_rate:10,.0f} posts/s  ({len(single):,} posts)")

        timed_posts = [next(generator) for _ in range(args.bulk)]  # built before the clock starts
        started = time.perf_counter()
        for offset in range(0, len(timed_posts), 5000):
            result = repo.bulk_upsert_posts(timed_posts[offset:offset + 5000], chunk_size=args.chunk,
                                            threads=args.threads)
            assert not result.errors, result.errors[:1]
        bulk_rate = len(timed_posts) / (time.perf_counter() - started)
        print(f"bulk (ingest path)   : {bulk_rate:10,.0f} posts/s  ({len(timed_posts):,} posts)  "
              f"= {bulk_rate / single_rate:.1f}x one-at-a-time")
        del timed_posts
        done, batch = args.bulk, []
        for doc in generator:  # the rest of the large index, not timed
            batch.append(doc)
            if len(batch) == 5000:
                repo.bulk_upsert_posts(batch, chunk_size=args.chunk, threads=args.threads)
                done += len(batch)
                batch = []
                if done % 100_000 == 0:
                    print(f"  … {done:,} posts indexed", flush=True)
        if batch:
            repo.bulk_upsert_posts(batch, chunk_size=args.chunk, threads=args.threads)
        repo.refresh()
        repo.client.options(request_timeout=1800).indices.forcemerge(index=repo.posts, max_num_segments=8)
        total = repo.count_posts()
        print(f"index holds {total:,} posts")

        now = "2026-11-27T00:00:00+00:00"
        rng = random.Random(3)
        queue = timed("queue", lambda: repo.review_queue(now=now, size=50, reviewer="lan"), 50)
        search = timed("search", lambda: repo.search_posts(SearchRequest(
            text=rng.choice(QUERIES), statuses=rng.choice(((), ("flagged",))),
            platforms=rng.choice(((), ("facebook",))), date_from=rng.choice((None, "2026-06-01")))), 50)
        half = period("half", date(2026, 11, 1))
        report = timed("report", lambda: figures(repo, half, datetime(2026, 11, 27, tzinfo=UTC)), 20)
        for name, samples, target in (("queue", queue, 100), ("search", search, 100), ("report", report, 300)):
            p95 = percentile(samples, 95)
            verdict = "met" if p95 < target else "NOT met"
            print(f"{name:<7} p50 {percentile(samples, 50):7.1f} ms   p95 {p95:7.1f} ms   "
                  f"target p95 < {target} ms {verdict}  (mean {statistics.mean(samples):.1f} ms)")
        bulk_met = bulk_rate >= 5000 and bulk_rate >= 15 * single_rate
        print(f"bulk target >= 5,000/s and >= 15x one-at-a-time: {'met' if bulk_met else 'NOT met'}")
    finally:
        if not args.keep:
            repo.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
