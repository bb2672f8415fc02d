"""Speed of the whole collection path: crawl -> classify -> bulk index, against a naive loop.

    .venv/bin/python bench/crawl.py [--posts 5000] [--per-thread 20] [--harmful 0.05]

Not a test. Generates a local forum of --posts posts (threads of --per-thread posts, listing pages,
robots.txt), serves it from a separate process on 127.0.0.1, and in the same run measures:

  safewatch  `safewatch crawl` as a user runs it (Scrapy, batch classification with explanations of
             flagged posts, evidence capture, bulk writes), in a child process;
  naive      requests + BeautifulSoup + one classifier call and one index call per post, in a child
             process, with the same model, explanations and Elasticsearch.

Each into its own fresh indices. It prints posts/s, CPU-seconds per 1,000 posts of the crawling
process (and, separately, of the Elasticsearch node), and the ratio of posts per CPU-second.
Target (issue 5): at least 4x the naive loop's posts per CPU-second.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REGISTRY = """sources:
  - id: bench-forum
    name: bench forum
    platform: forum
    kind: html
    start_urls: ["{base}/index.html"]
    rate_limit: {{concurrency: 8, delay: 0}}
"""


def build_site(folder: Path, posts: int, per_thread: int, harmful_share: float, seed: int = 7) -> int:
    """A forum like the demo one: index -> 10 forums -> thread lists -> thread pages of posts."""
    from classifier.corpus import load_seed
    rng = random.Random(seed)
    examples = load_seed()
    safe = [e.text for e in examples if not e.labels]
    harmful = [e.text for e in examples if e.labels]
    threads = (posts + per_thread - 1) // per_thread
    forums: dict[int, list[int]] = {}
    (folder / "threads").mkdir(parents=True)
    (folder / "forums").mkdir()
    written = 0
    for thread in range(threads):
        forums.setdefault(thread % 10, []).append(thread)
        articles = []
        for number in range(min(per_thread, posts - written)):
            text = rng.choice(harmful) if rng.random() < harmful_share else rng.choice(safe)
            post = f"t{thread}-p{number}"
            author = f"u{rng.randrange(900)}"
            stamp = f"2026-11-{1 + number % 28:02d}T{number % 24:02d}:15:00+07:00"
            articles.append(
                f'<article class="post" id="{post}"><div class="post-author">'
                f'<a href="/members/{author}.html">{author}</a></div>'
                f'<time class="post-time" datetime="{stamp}">hôm qua</time>'
                f'<div class="post-body"><p>{html.escape(text)}</p><p>#{thread}.{number}</p></div>'
                f'<a class="post-permalink" href="#{post}">#</a></article>')
            written += 1
        (folder / "threads" / f"{thread}.html").write_text(
            f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Chủ đề {thread}</title></head>'
            f'<body><h1 class="thread-title">Chủ đề {thread}</h1>{"".join(articles)}</body></html>', encoding="utf-8")
    for forum, members in forums.items():
        links = "".join(f'<li><a class="thread-link" href="/threads/{t}.html">Chủ đề {t}</a></li>' for t in members)
        (folder / "forums" / f"{forum}.html").write_text(
            f'<!doctype html><html><head><meta charset="utf-8"></head><body><ul class="threads">{links}</ul>'
            '</body></html>', encoding="utf-8")
    links = "".join(f'<li><a class="forum-link" href="/forums/{f}.html">Box {f}</a></li>' for f in forums)
    (folder / "index.html").write_text(
        f'<!doctype html><html><head><meta charset="utf-8"></head><body><ul class="forums">{links}</ul></body></html>',
        encoding="utf-8")
    (folder / "robots.txt").write_text("User-agent: *\nDisallow: /members/\n", encoding="utf-8")
    return written


def naive_worker(base: str, prefix: str) -> None:
    """The loop people write first: fetch, parse, score, index, one post at a time."""
    from urllib.parse import urljoin

    import requests
    from bs4 import BeautifulSoup

    from classifier.backends import load_classifier
    from index.casework.lifecycle import initial_status
    from index.storage.connection import open_repository
    from safewatch import near_duplicates
    from safewatch.config import Config
    from safewatch.records import PostRecord
    config = Config.from_env()
    repo = open_repository(config)
    repo.setup()
    classifier = load_classifier(config)
    session = requests.Session()
    count = 0
    index_page = BeautifulSoup(session.get(f"{base}/index.html", timeout=30).text, "html.parser")
    for forum_link in index_page.select("a.forum-link"):
        forum_url = urljoin(base + "/", forum_link["href"])
        forum = BeautifulSoup(session.get(forum_url, timeout=30).text, "html.parser")
        for thread_link in forum.select("a.thread-link"):
            thread_url = urljoin(forum_url, thread_link["href"])
            page = BeautifulSoup(session.get(thread_url, timeout=30).text, "html.parser")
            for article in page.select("article.post"):
                text = article.select_one(".post-body").get_text("\n", strip=True)
                author = article.select_one(".post-author").get_text(strip=True)
                record = PostRecord(url=f"{thread_url}#{article['id']}", source="bench-naive", platform="forum",
                                    kind="forum", text=text, author=author, thread_url=thread_url)
                [prediction] = classifier.predict([text])
                explanations = classifier.explain(text, prediction) if prediction.flagged else {}
                document = {**record.to_document(), **prediction.index_fields(explanations),
                            "post_id": record.post_id, "status": initial_status(prediction.flagged)}
                near_duplicates.add_fields([document])  # the same fields as SafeWatch's posts
                repo.client.index(index=repo.posts, id=record.post_id, document=document)
                count += 1
    repo.refresh()
    print(json.dumps({"posts": count}))


def es_cpu_seconds(config) -> float | None:
    """CPU time of the embedded Elasticsearch node so far (None for a remote cluster)."""
    if not config.uses_embedded_es:
        return None
    from index.node import launcher as embedded
    pid = embedded.read_pid(embedded.NodePaths.for_config(config))
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(name: str, command: list[str], env: dict, config, count_posts) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    es_before = es_cpu_seconds(config)
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    es_after = es_cpu_seconds(config)
    if result.returncode != 0:
        sys.exit(f"{name} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    posts = count_posts()
    return {"name": name, "posts": posts, "wall": wall, "cpu": cpu,
            "es_cpu": None if es_before is None or es_after is None else es_after - es_before}


def report(row: dict) -> str:
    es = "" if row["es_cpu"] is None else f", Elasticsearch {row['es_cpu'] / row['posts'] * 1000:5.2f} CPU-s/1,000"
    return (f"{row['name']:<10} {row['posts']:>6,} posts in {row['wall']:6.1f}s = {row['posts'] / row['wall']:7.1f} "
            f"posts/s; crawler {row['cpu']:6.1f} CPU-s = {row['cpu'] / row['posts'] * 1000:5.2f} CPU-s/1,000 posts "
            f"= {row['posts'] / row['cpu']:7.1f} posts/CPU-s{es}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--per-thread", type=int, default=20)
    parser.add_argument("--harmful", type=float, default=0.05, help="share of harmful posts on the site")
    parser.add_argument("--naive-worker", nargs=2, metavar=("BASE", "PREFIX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.naive_worker:
        naive_worker(*args.naive_worker)
        return 0

    from classifier.artefacts import current_path
    from classifier.train import train
    from index.node import launcher as embedded
    from index.storage.connection import open_repository
    from safewatch.config import Config
    config = Config.from_env()
    if config.uses_embedded_es:
        embedded.start(config, log=lambda message: None)
    if current_path(config.models_path) is None:
        print("training the model first…", flush=True)
        train(config.models_path, log=lambda message: None)
    work = Path(tempfile.mkdtemp(prefix="safewatch-bench-crawl-"))
    site = work / "site"
    posts = build_site(site, args.posts, args.per_thread, args.harmful)
    server = subprocess.Popen([sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory",
                               str(site)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()  # "Serving HTTP on 127.0.0.1 port NNNN (http://127.0.0.1:NNNN/) ..."
        base = f"http://127.0.0.1:{line.split(' port ')[1].split()[0]}"
        registry = work / "sources.yml"
        registry.write_text(REGISTRY.format(base=base), encoding="utf-8")
        print(f"site: {posts:,} posts in {(posts + args.per_thread - 1) // args.per_thread:,} thread pages at {base} "
              f"({args.harmful:.0%} harmful)", flush=True)
        rows = []
        for name in ("safewatch", "naive"):
            prefix = f"bench-crawl-{name}-{uuid.uuid4().hex[:6]}"
            env = {**os.environ, "SAFEWATCH_INDEX_PREFIX": prefix, "SAFEWATCH_SOURCES_FILE": str(registry),
                   "SAFEWATCH_VAR_DIR": str(work / f"var-{name}"), "SAFEWATCH_MODEL_DIR": str(config.models_path),
                   "SAFEWATCH_CRAWL_ALLOW_PRIVATE": base.removeprefix("http://")}  # the bench site, and only it
            command = ([sys.executable, "-m", "safewatch", "crawl", "bench-forum"] if name == "safewatch"
                       else [sys.executable, str(Path(__file__).resolve()), "--naive-worker", base, prefix])
            repo = open_repository(Config.from_env(env))

            def count(repo=repo) -> int:
                repo.refresh()
                return repo.count_posts()
            print(f"running {name}…", flush=True)
            rows.append(measure(name, command, env, config, count))
            repo.drop_all()
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    ours, naive = rows
    for row in rows:
        print(report(row))
    ratio = (ours["posts"] / ours["cpu"]) / (naive["posts"] / naive["cpu"])
    verdict = "met" if ratio >= 4 else "NOT met"
    print(f"posts per crawler CPU-second: {ratio:.1f}x the naive loop (target >= 4x: {verdict}); "
          f"wall-clock {naive['wall'] / ours['wall']:.1f}x faster")
    if ours["es_cpu"] is not None and naive["es_cpu"] is not None:
        def per_cpu(row: dict) -> float:
            return row["posts"] / (row["cpu"] + row["es_cpu"])
        with_es = per_cpu(ours) / per_cpu(naive)
        print(f"counting Elasticsearch's CPU too: {with_es:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
