"""Handlers of `safewatch crawl`, `sources` and `scheduler`."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from safewatch.commands import repository
from safewatch.config import Config


def scheduler(config: Config, args) -> int:
    from crawlers.scheduler import Scheduler
    from index import notices

    def mark_overdue(now):
        import subprocess

        from crawlers.recheck import due_posts
        repo = repository(config)
        due = due_posts(repo, now=now, every_hours=config.recheck_hours, limit=1)
        if due:  # posts under a notice not checked for recheck_hours: `safewatch recheck` in its own process
            print(f"[{now:%Y-%m-%d %H:%M}] re-checking posts under a notice (every {config.recheck_hours:g}h)")
            subprocess.run([sys.executable, "-m", "safewatch.cli", "recheck"], check=False)
        changed = notices.mark_overdue(repo, now=now)
        if changed:
            print(f"  {len(changed)} notice(s) now overdue: {', '.join(n['reference'] for n in changed)}")

    scheduler = Scheduler(registry(config), config.var_dir / "scheduler.json", after_tick=mark_overdue)
    if args.once:
        runs = scheduler.tick()
        print(f"{len(runs)} crawl(s) run, {sum(r.exit_code != 0 for r in runs)} failed.")
        return 1 if any(r.exit_code for r in runs) else 0
    scheduler.run_forever(args.interval)
    return 0


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


def crawl(config: Config, args) -> int:
    from crawlers.registry import RateLimit, Source, find
    if args.demo:
        return crawl_demo(config)
    if args.url:
        return run_crawl(config, [Source(args.source, args.source, "web", args.kind, (args.url,),
                                         rate_limit=RateLimit(concurrency=2, delay=max(0.0, args.delay)))])
    sources = registry(config)
    if not args.all:
        if not args.ids:
            print("error: give source ids, --all, --demo or --url (see `safewatch sources list`)", file=sys.stderr)
            return 2
        sources = [find(sources, source_id) for source_id in args.ids]
    if any("{demo}" in url for source in sources for url in source.start_urls):
        from crawlers.demo_server import DemoSite
        with DemoSite(port=config.demo_site_port) as site:  # demo sources live on the shipped site
            return run_crawl(config, sources, demo_base=site.base_url)
    return run_crawl(config, sources)


class OneLineFormatter(logging.Formatter):
    """One line per problem: the message and the error, never a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        error = record.exc_info[1] if record.exc_info else None
        return (f"  {record.levelname.lower()}: {record.getMessage()}"
                + (f" ({type(error).__name__}: {error})" if error else "")).replace("\n", " ")


def run_crawl(config: Config, sources, *, demo_base: str | None = None) -> int:
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
    repository(config).setup()
    started = time.monotonic()
    for source in sources:
        print(f"Crawling {source.id} ({source.kind}): {', '.join(source.urls(demo_base))}")
    tally, stats = crawl(config, sources, demo_base=demo_base)
    seconds = time.monotonic() - started
    print(f"Crawl finished in {seconds:.1f}s: {stats.get('response_received_count', 0)} pages fetched, "
          f"{len(tally.distinct)} posts collected, {len(tally.flagged_ids)} flagged, {tally.indexed} captures indexed, "
          f"{len(tally.errors)} not indexed, {stats.get('robotstxt/forbidden', 0)} URLs refused by robots.txt.")
    print(f"  {tally.new} new, {tally.updated} edited since the last crawl, {tally.unchanged} unchanged"
          + (f", {tally.rescored} unchanged but scored anew by the current model." if tally.rescored else "."))
    if tally.replayed:
        print(f"  {tally.replayed} post(s) written from the spool of an earlier run.")
    if tally.spooled:
        from index.ingest import WAITING_REASONS
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


def crawl_outcome(tally) -> int:
    """Says how the crawl ended when it did not end well, and returns its exit code: 0 only when
    everything fetched was stored; 3 a write on disk failed (the crawl stopped); 130 interrupted
    (Ctrl-C, SIGTERM); 1 some posts refused by Elasticsearch (not indexed)."""
    if tally.storage_failures:
        for failure in tally.storage_failures:
            print(f"error: crawl stopped, {failure}", file=sys.stderr)
        print(f"  Crawl stopped by a storage failure: {tally.unstored} post(s) not stored. No page is marked "
              "as seen: once the disk is fixed, the next crawl fetches them again.")
        return EXIT_STORAGE_FAILED
    if "shutdown" in tally.finish_reasons:
        print("  Crawl interrupted (Ctrl-C or SIGTERM): the posts already read are stored (indexed or spooled); "
              "no page is marked as seen, the next crawl fetches every page again.")
        return EXIT_INTERRUPTED
    return EXIT_REJECTED if tally.errors else EXIT_STORED


def crawl_demo(config: Config) -> int:
    from crawlers.demo_server import DemoSite
    demo_sources = [s for s in registry(config) if any("{demo}" in url for url in s.start_urls)]
    with DemoSite(port=config.demo_site_port) as site:
        print(f"Demo site served at {site.base_url}/")
        return run_crawl(config, demo_sources, demo_base=site.base_url)


def evidence_export(config: Config, args) -> int:
    import hashlib
    import json

    from crawlers.evidence import EvidenceStore, export
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

    from crawlers.evidence import MANIFEST
    from crawlers.evidence_verify import MalformedEvidence, verify
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
    from index import notices
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
