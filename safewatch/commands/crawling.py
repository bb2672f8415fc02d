"""Handlers of `safewatch crawl`, `sources` and `scheduler`."""

from __future__ import annotations

import sys
import time

from safewatch.commands import repository
from safewatch.config import Config


def scheduler(config: Config, args) -> int:
    from crawlers.scheduler import Scheduler
    from index import notices

    def mark_overdue(now):
        changed = notices.mark_overdue(repository(config), now=now)
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


def run_crawl(config: Config, sources, *, demo_base: str | None = None) -> int:
    from crawlers.run import crawl
    repository(config).setup()
    started = time.monotonic()
    for source in sources:
        print(f"Crawling {source.id} ({source.kind}): {', '.join(source.urls(demo_base))}")
    tally, stats = crawl(config, sources, demo_base=demo_base)
    seconds = time.monotonic() - started
    print(f"Crawl finished in {seconds:.1f}s: {stats.get('downloader/response_count', 0)} pages fetched, "
          f"{len(tally.distinct)} posts collected, {len(tally.flagged_ids)} flagged, {tally.indexed} captures indexed, "
          f"{len(tally.errors)} not indexed, {stats.get('robotstxt/forbidden', 0)} URLs refused by robots.txt.")
    print(f"  {tally.new} new, {tally.updated} edited since the last crawl, {tally.unchanged} unchanged.")
    if tally.replayed:
        print(f"  {tally.replayed} post(s) written from the spool of an earlier run.")
    if tally.spooled:
        print(f"  {tally.spooled} post(s) kept in the spool (Elasticsearch unavailable); the next crawl "
              "or `safewatch index replay` writes them.")
    problems = {key.rsplit("/", 1)[-1].rsplit(".", 1)[-1]: value for key, value in stats.items()
                if key.startswith("downloader/exception_type_count/")}
    problems.update({f"HTTP {key.rsplit('/', 1)[-1]}": value for key, value in stats.items()
                     if key.startswith("downloader/response_status_count/") and key[-3] in "45"})
    if problems:
        print("  fetch problems: " + ", ".join(f"{kind} × {count}" for kind, count in sorted(problems.items())))
    for error in tally.errors[:10]:
        print(f"  not indexed: {error}", file=sys.stderr)
    return 1 if tally.errors else 0


def crawl_demo(config: Config) -> int:
    from crawlers.demo_server import DemoSite
    demo_sources = [s for s in registry(config) if any("{demo}" in url for url in s.start_urls)]
    with DemoSite(port=config.demo_site_port) as site:
        print(f"Demo site served at {site.base_url}/")
        return run_crawl(config, demo_sources, demo_base=site.base_url)
