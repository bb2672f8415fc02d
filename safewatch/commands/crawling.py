"""Handlers of `safewatch crawl`, `sources` and `scheduler`."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from safewatch.commands import repository
from safewatch.config import Config
from safewatch.urls import is_web_url


def scheduler(config: Config, args) -> int:
    from crawlers.scheduler import Scheduler, SchedulerSettings
    settings = SchedulerSettings(interval=args.interval, retry_first=config.scheduler_retry_seconds,
                                 overdue_every=config.scheduler_overdue_seconds,
                                 stop_grace=config.scheduler_stop_grace, max_crawls=config.scheduler_max_crawls)
    scheduler = Scheduler(registry(config), config.var_dir / "scheduler.json", config.crawl_locks_path,
                          settings=settings, overdue=overdue_duty(config), tips_waiting=tips_waiting(config))
    runs = scheduler.run(once=args.once)
    if not args.once:
        return 0
    failed = [run for run in runs if run.outcome in ("failed", "interrupted")]
    print(f"{sum(run.outcome != 'busy' for run in runs)} crawl(s) run, {len(failed)} failed.", flush=True)
    if scheduler.stopping:
        return EXIT_INTERRUPTED
    return 1 if failed or scheduler.overdue_failed else 0


def overdue_duty(config: Config):
    """The scheduler's own cadence: notices past their deadline become overdue; says whether posts
    under a notice are due a re-check (the scheduler then runs `safewatch recheck` as a child)."""
    from crawlers.recheck import due_posts
    from index.casework import notices
    opened = []

    def mark_overdue(now) -> bool:
        if not opened:  # one client for the scheduler's life, opened when Elasticsearch first answers
            opened.append(repository(config))
        repo = opened[0]
        changed = notices.mark_overdue(repo, now=now)
        if changed:
            print(f"[{now:%Y-%m-%d %H:%M:%S}] {len(changed)} notice(s) now overdue: "
                  f"{', '.join(n['reference'] for n in changed)}", flush=True)
        if due_posts(repo, now=now, every_hours=config.recheck_hours, limit=1):
            print(f"[{now:%Y-%m-%d %H:%M:%S}] re-checking posts under a notice (every {config.recheck_hours:g}h)",
                  flush=True)
            return True
        return False

    return mark_overdue


def tips_waiting(config: Config):
    """Asked by the scheduler each round: do addresses reported in tips wait for their fetch? (It then runs
    `safewatch tips fetch` as a child.)"""
    from index.casework.tips import pending_fetches
    opened = []

    def waiting() -> bool:
        if not opened:
            opened.append(repository(config))
        return bool(pending_fetches(opened[0], limit=1))

    return waiting


def registry(config: Config):
    from crawlers.registry import DEFAULT_FILE, load_sources
    return load_sources(config.sources_file or DEFAULT_FILE)


def sources_list(config: Config, args) -> int:
    for source in registry(config):
        print(f"{source.id:<20} {source.kind:<6} {source.platform:<10} every {source.schedule_text:<4} "
              f"{source.name}")
    return 0


def sources_validate(config: Config, args) -> int:
    from crawlers.registry import DEFAULT_FILE, load_sources
    path = args.file or config.sources_file or DEFAULT_FILE
    sources = load_sources(path)
    print(f"{path}: {len(sources)} source(s), all valid.")
    return 0


def sources_show(config: Config, args) -> int:
    from crawlers.registry import find
    source = find(registry(config), args.id)
    print(f"id          {source.id}\nname        {source.name}\nplatform    {source.platform}\n"
          f"kind        {source.kind}\nlanguage    {source.language}\nschedule    every {source.schedule_text}\n"
          f"rate limit  {source.rate_limit.concurrency} at once, {source.rate_limit.delay:g}s apart")
    for url in source.start_urls:
        print(f"start URL   {url}")
    for name, selector in source.rules.items():
        print(f"rule        {name}: {selector}")
    return 0


def sources_try(config: Config, args) -> int:

    from crawlers.registry import SourceError, find
    from crawlers.try_source import TryError, extract, fetch, read_file
    try:
        source = find(registry(config), args.id)
    except SourceError as error:  # exit 2, not 1: 1 says the rules found no post
        print(f"error: {error}", file=sys.stderr)
        return 2
    url = args.url or args.base or source.urls()[0]
    if not is_web_url(url) or "{demo}" in url:
        print(f"error: {url!r} is not an http(s) URL; give --url (or --base with --file).", file=sys.stderr)
        return 2
    try:
        response = read_file(args.file, url) if args.file else fetch(config, source, url)
    except TryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    found = extract(config, source, response)
    print(format_extracted(source, found, status=response.status, chars=max(20, args.chars)))
    return 0 if found.records else 1


def format_extracted(source, found, *, status: int, chars: int) -> str:
    lines = [f"{source.id} ({source.kind}) {found.url}: HTTP {status}, {len(found.records)} post(s), "
             f"{len(found.links)} link(s) a crawl would follow"]
    for number, record in enumerate(found.records, start=1):
        text = " ".join(record.text.split())
        lines.append(f"\npost {number}")
        for label, value in (("url", record.url), ("title", record.title), ("author", record.author),
                             ("author url", record.author_url), ("published", record.published_at),
                             ("parent", record.parent_url), ("language", record.language),
                             ("media", ", ".join(record.media_urls)), ("quotes", len(record.quotes) or None),
                             ("text", text[:chars] + ("…" if len(text) > chars else ""))):
            if value:
                lines.append(f"  {label:<11}{value}")
    if found.links:
        lines.append("\nlinks a crawl would follow:")
        lines.extend(f"  {url}" for url in found.links)
    not_followed = found.counts.get("safewatch/skipped/follow_off")
    if not_followed:
        lines.append(f"\n{not_followed} link(s) not followed: the source says follow: false.")
    if not found.records:
        lines.append("\nNo post found: check the source's rules (`safewatch sources show "
                     f"{source.id}`); the default rules are listed in the README.")
    return "\n".join(lines)


def crawl(config: Config, args) -> int:
    from crawlers.registry import RateLimit, Source, find
    if args.demo:
        return crawl_demo(config, fresh=args.fresh)
    if args.url:
        return run_crawl(config, [Source(args.source, args.source, "web", args.kind, (args.url,),
                                         rate_limit=RateLimit(concurrency=2, delay=max(0.0, args.delay)))],
                         fresh=args.fresh)
    sources = registry(config)
    if not args.all:
        if not args.ids:
            print("error: give source ids, --all, --demo or --url (see `safewatch sources list`)", file=sys.stderr)
            return 2
        sources = [find(sources, source_id) for source_id in args.ids]
    if any("{demo}" in url for source in sources for url in source.start_urls):
        from crawlers.demo_server import DemoSite
        with DemoSite(port=config.demo_site_port) as site:  # demo sources live on the shipped site
            return run_crawl(config, sources, demo_base=site.base_url, fresh=args.fresh)
    return run_crawl(config, sources, fresh=args.fresh)


class OneLineFormatter(logging.Formatter):
    """One line per problem: the message and the error, never a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        error = record.exc_info[1] if record.exc_info else None
        return (f"  {record.levelname.lower()}: {record.getMessage()}"
                + (f" ({type(error).__name__}: {error})" if error else "")).replace("\n", " ")


def run_crawl(config: Config, sources, *, demo_base: str | None = None, fresh: bool = False) -> int:
    """Every crawl goes through here: each source is crawled only by the process holding its lock
    (crawlers/crawl_lock.py); a source another process is crawling is skipped with one line, and when
    every source given is, the exit code is 75."""
    import contextlib

    from crawlers.crawl_lock import CrawlLock
    with contextlib.ExitStack() as held:
        free = []
        for source in sources:
            lock = CrawlLock(config.crawl_locks_path, source.id)
            if not lock.acquire():
                holder = lock.holder
                print(f"{source.id}: skipped, another process is crawling it "
                      f"({holder.describe() if holder else 'holder unknown'}; lock {lock.path}).", file=sys.stderr)
                continue
            held.callback(lock.release)
            if lock.stale and not lock.stale.running():
                print(f"  {source.id}: the crawl that held its lock ({lock.stale.describe()}) is no longer "
                      "running; this one takes over.")
            free.append(source)
        if not free:
            return EXIT_BUSY
        return crawl_sources(config, free, demo_base=demo_base, fresh=fresh)


def crawl_sources(config: Config, sources, *, demo_base: str | None = None, fresh: bool = False) -> int:
    from classifier.artefacts import current_path
    from classifier.predict import ModelMissing
    from crawlers.run import crawl
    from crawlers.summary import summary_lines
    if config.backend != "transformer" and current_path(config.models_path) is None:
        raise ModelMissing(f"No trained model in {config.models_path}; run `safewatch train` first.")
    # Warnings and errors of the crawl (bad pages, refused requests) as one line each on stderr.
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(OneLineFormatter())
    logging.getLogger().addHandler(handler)
    # The Elasticsearch client's line per failed attempt (a dead node: a dozen a batch) says nothing the
    # pipeline's one line does not ("Elasticsearch cannot take posts now…") and the summary repeats.
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)
    repository(config).setup()
    started = time.monotonic()
    for source in sources:
        print(f"Crawling {source.id} ({source.kind}): {', '.join(source.urls(demo_base))}")
    tally, stats = crawl(config, sources, demo_base=demo_base, fresh=fresh)
    seconds = time.monotonic() - started
    print(f"Crawl finished in {seconds:.1f}s: {stats.get('response_received_count', 0)} pages fetched, "
          f"{len(tally.distinct)} posts collected, {len(tally.flagged_ids)} flagged, {tally.indexed} captures indexed, "
          f"{len(tally.errors)} not indexed, {stats.get('robotstxt/forbidden', 0)} URLs refused by robots.txt.")
    print(f"  {tally.new} new, {tally.updated} edited since the last crawl, {tally.unchanged} unchanged"
          + (f", {tally.rescored} unchanged but scored anew by the current model." if tally.rescored else "."))
    if tally.resumed_waiting or "safewatch/frontier/resumed" in stats:
        print(f"  resumed an interrupted crawl: {tally.resumed_waiting} requests waiting "
              "(pages done before it stopped were not fetched again; `--fresh` starts over).")
    if tally.replayed:
        print(f"  {tally.replayed} post(s) written from the spool of an earlier run.")
    if tally.spooled:
        from index.storage.ingest import WAITING_REASONS
        why = WAITING_REASONS.get(tally.waiting_because, WAITING_REASONS["unreachable"])
        print(f"  {tally.spooled} post(s) kept in the spool, nothing lost: {why}. The next crawl "
              "or `safewatch index replay` writes them.")
    for line in summary_lines(stats):
        print(line)
    for error in tally.errors[:10]:
        print(f"  not indexed: {error}", file=sys.stderr)
    return crawl_outcome(tally)


# Exit codes of `safewatch crawl` (the README's security and operations sections list them).
EXIT_STORED, EXIT_REJECTED, EXIT_STORAGE_FAILED, EXIT_INTERRUPTED = 0, 1, 3, 130
EXIT_BUSY = 75  # every source given is being crawled by another process (crawlers/crawl_lock.py)


def crawl_outcome(tally) -> int:
    """Says how the crawl ended when it did not end well, and returns its exit code: 0 only when
    everything fetched was stored; 3 a write on disk failed (the crawl stopped); 130 interrupted
    (Ctrl-C, SIGTERM); 1 some posts refused by Elasticsearch (not indexed)."""
    if tally.storage_failures:
        for failure in tally.storage_failures:
            print(f"error: crawl stopped, {failure}", file=sys.stderr)
        print(f"  Crawl stopped by a storage failure: {tally.unstored} post(s) not stored. No page whose posts "
              "were not stored is marked as seen: once the disk is fixed, the next crawl fetches them again"
              f"{_resumes(tally)}.")
        return EXIT_STORAGE_FAILED
    if "shutdown" in tally.finish_reasons:
        print("  Crawl interrupted (Ctrl-C or SIGTERM): the posts already read are stored (indexed or spooled); "
              f"no page is marked as seen before its posts are stored{_resumes(tally)}.")
        return EXIT_INTERRUPTED
    return EXIT_REJECTED if tally.errors else EXIT_STORED


def _resumes(tally) -> str:
    """How the next crawl goes on (crawlers/frontier_scheduler.py keeps the frontier on disk)."""
    if not tally.frontiers:
        return ", the next crawl fetches every page again"
    return (f"; the next crawl resumes where this one stopped ({tally.left_waiting} requests waiting in "
            f"{', '.join(tally.frontiers)}; `safewatch crawl ID --fresh` starts over)")


def crawl_demo(config: Config, *, fresh: bool = False) -> int:
    from crawlers.demo_server import DemoSite
    demo_sources = [s for s in registry(config) if any("{demo}" in url for url in s.start_urls)]
    with DemoSite(port=config.demo_site_port) as site:
        print(f"Demo site served at {site.base_url}/")
        return run_crawl(config, demo_sources, demo_base=site.base_url, fresh=fresh)


def evidence_export(config: Config, args) -> int:
    import hashlib
    import json

    from index.storage.evidence import EvidenceStore, export
    from safewatch.records import post_id_for
    repo = repository(config)
    post_id = post_id_for(args.post_id) if "://" in args.post_id else args.post_id
    post = {**repo.get_post(post_id).source, "post_id": post_id}
    out = args.out or Path(f"evidence-{post_id}.zip")
    manifest = export(EvidenceStore(config.evidence_path), post, out, exported_by=args.by)
    digest = hashlib.sha256(json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")).hexdigest()
    repo.append_event({"post_id": post_id, "action": "evidence_exported", "actor": args.by or "command line",
                       "details": {"file": out.name, "manifest_sha256": digest, "captures": len(manifest["captures"]),
                                   "media": len(manifest["media"])}})
    media = f"{len(manifest['media'])} media item(s), " if manifest["media"] else ""
    print(f"Wrote {out}: {len(manifest['captures'])} capture(s), {media}{len(manifest['files'])} file(s).")
    print(f"  manifest SHA-256 {digest} (recorded in the audit trail)")
    return 0


def evidence_verify(config: Config, args) -> int:
    import hashlib
    import zipfile

    from crawlers.evidence_verify import MalformedEvidence, verify
    from index.storage.evidence import MANIFEST
    try:
        problems = verify(args.zip)
    except MalformedEvidence as error:  # not a verdict on the evidence: the zip is not an export
        print(f"error: {args.zip}: {error}", file=sys.stderr)
        return 2
    if problems:
        print(f"{args.zip}: NOT intact")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    with zipfile.ZipFile(args.zip) as archive:
        digest = hashlib.sha256(archive.read(MANIFEST)).hexdigest()
        files = len(archive.namelist()) - 1
    print(f"{args.zip}: intact ({files} file(s) match the manifest).")
    print(f"  manifest SHA-256 {digest}: compare with the audit trail entry of the export.")
    return 0


def recheck(config: Config, args) -> int:
    from datetime import UTC, datetime

    from crawlers import recheck as checks
    from crawlers.run import recheck as fetch_again
    from index.casework import notices
    repo = repository(config)
    now = datetime.now(UTC)
    posts = checks.due_posts(repo, now=now, every_hours=config.recheck_hours, post_ids=args.post_ids or None,
                             everything=args.all)
    if not posts:
        print(f"Nothing to re-check: no post under a notice was last checked more than "
              f"{config.recheck_hours:g} hours ago.")
    else:
        print(f"Re-checking {len(posts)} post(s) under a warning or removal request…")
        started = time.monotonic()
        results = fetch_again(config, posts)
        counts = checks.apply(repo, results)
        print(f"Re-check finished in {time.monotonic() - started:.1f}s: {counts['removed']} removed, "
              f"{counts['present']} still online, {counts['unreachable']} could not be checked "
              "(nothing changed for those).")
        for result in results:
            if result.outcome != "present":
                print(f"  {result.outcome:<11} {result.post_id}  {result.reason}")
    overdue = notices.mark_overdue(repo, now=now)
    if overdue:
        print(f"{len(overdue)} notice(s) now overdue: {', '.join(n['reference'] for n in overdue)}")
    return 0
