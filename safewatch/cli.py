"""The `safewatch` command. Subcommands import their packages lazily, so `--help` is instant and
this shared package imports none of crawlers, classifier, index or review_ui at load time."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from safewatch.config import Config

EPILOG = """Configuration comes from SAFEWATCH_* environment variables (see README).
With SAFEWATCH_ES_URL unset, an embedded Elasticsearch node is used (`safewatch es start`)."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    config = Config.from_env()
    try:
        return args.handler(config, args) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a user-facing message, not a traceback, for known failures
        from safewatch.errors import user_message
        message = user_message(error)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safewatch", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="SafeWatch: find, review and track the removal of online content harmful to children.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    es = commands.add_parser("es", help="run the embedded Elasticsearch node (build|start|stop|status)")
    es_commands = es.add_subparsers(title="es commands", metavar="ACTION")
    es_build = es_commands.add_parser("build", help="resolve Elasticsearch from Maven Central into var/")
    es_build.add_argument("--force", action="store_true", help="rebuild even if up to date")
    es_build.set_defaults(handler=_es_build)
    es_commands.add_parser("start", help="start the node on 127.0.0.1 and wait until it answers").set_defaults(
        handler=_es_start)
    es_commands.add_parser("stop", help="stop the node cleanly").set_defaults(handler=_es_stop)
    es_commands.add_parser("status", help="health and version of the cluster in use").set_defaults(
        handler=_es_status)

    index = commands.add_parser("index", help="create and inspect the Elasticsearch indices")
    index_commands = index.add_subparsers(title="index commands", metavar="ACTION")
    index_commands.add_parser("setup", help="create missing indices and aliases (safe to repeat)").set_defaults(
        handler=_index_setup)
    index_commands.add_parser(
        "replay", help="write the posts spooled while Elasticsearch was unavailable").set_defaults(
        handler=_index_replay)
    index_commands.add_parser(
        "migrate", help="rebuild indices whose schema changed: copy, then swap the alias atomically").set_defaults(
        handler=_index_migrate)

    bench = commands.add_parser("bench", help="benchmarks on real labelled data")
    bench_commands = bench.add_subparsers(title="benchmarks", metavar="NAME")
    vihsd = bench_commands.add_parser("vihsd", help="train the text pipeline on ViHSD, report macro-F1")
    vihsd.add_argument("--data", type=Path, default=Path("../shared/data/vihsd"),
                       help="folder with train.csv and dev.csv (default ../shared/data/vihsd)")
    vihsd.add_argument("--test", type=Path, help="file to score (default: dev.csv in --data)")
    vihsd.add_argument("--json", action="store_true", help="print one machine-readable line")
    vihsd.set_defaults(handler=_bench_vihsd)

    notices = commands.add_parser("notices", help="warnings and removal requests")
    notice_commands = notices.add_subparsers(title="notices commands", metavar="ACTION")
    overdue = notice_commands.add_parser(
        "overdue", help="list notices past their deadline with content still online")
    overdue.add_argument("--mark", action="store_true",
                         help="also set those notices and their posts to 'overdue' (what the scheduler does)")
    overdue.set_defaults(handler=_notices_overdue)

    report = commands.add_parser("report", help="print the figures for a period and the one before")
    report.add_argument("--period", choices=("month", "quarter", "half", "year", "custom"), default="half")
    report.add_argument("--date", help="a day inside the period (YYYY-MM-DD; default today) or a custom start")
    report.add_argument("--end", help="end of a custom period (YYYY-MM-DD, inclusive)")
    report.set_defaults(handler=_report)

    train = commands.add_parser("train", help="train the classifier on the seed corpus")
    train.add_argument("--target-recall", type=float, default=0.90, help="per-category recall on held-out data")
    train.add_argument("--with-shared-data", action="store_true",
                       help="also train on ViHOS (clean comments as safe) and Davidson (hate as hate_extremism) "
                            "from ../shared/data; off by default: it scored lower on the held-out set")
    train.add_argument("--backend", choices=("sklearn", "transformer"), default="sklearn",
                       help="transformer: fine-tune the local checkpoint named by --base (needs the torch extra)")
    train.add_argument("--base", type=Path, help="local checkpoint folder to fine-tune (transformer backend)")
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument("--max-length", type=int, default=128)
    train.set_defaults(handler=_train)

    classify = commands.add_parser(
        "classify", help="re-score every indexed post with the current model (or, with --text, score texts)")
    classify.add_argument("--text", action="append", dest="texts",
                          help="score this text and print JSON instead (repeatable; '-' reads lines from stdin)")
    classify.set_defaults(handler=_classify)

    retrain = commands.add_parser(
        "retrain", help="train on the seed corpus plus reviewers' decisions; keep the better model")
    retrain.add_argument("--from-index", action="store_true", required=True,
                         help="take labels from the reviewers' decisions in the index")
    retrain.set_defaults(handler=_retrain)

    evaluate = commands.add_parser(
        "eval", help="precision, recall, F1, PR-AUC per category: keyword rules vs the current model")
    evaluate.add_argument("--data", type=Path, help="JSONL with text and labels (default: the seed corpus's "
                                                    "held-out set)")
    evaluate.add_argument("--model", type=Path, help="a candidate model folder to compare as a third column")
    evaluate.add_argument("--errors", type=int, default=15, help="how many misclassified examples to list")
    evaluate.set_defaults(handler=_eval)

    predict = commands.add_parser("predict", help="score a JSONL file: copies each line adding scores and flags")
    predict.add_argument("--in", dest="input", type=Path, required=True, help="JSONL with at least \"text\"")
    predict.add_argument("--out", type=Path, required=True)
    predict.set_defaults(handler=_predict)

    crawl = commands.add_parser("crawl", help="crawl sources of the registry, score the posts and index them")
    crawl.add_argument("ids", nargs="*", metavar="ID", help="source ids from the registry (see `sources list`)")
    crawl.add_argument("--all", action="store_true", help="every source in the registry")
    crawl.add_argument("--demo", action="store_true", help="serve the shipped demo site and crawl its sources")
    crawl.add_argument("--url", help="crawl one URL that is not in the registry (with --kind and --source)")
    crawl.add_argument("--kind", choices=("html", "rss"), default="html")
    crawl.add_argument("--source", default="manual", help="source id recorded on posts crawled with --url")
    crawl.add_argument("--delay", type=float, default=1.0, help="seconds between requests to the --url host")
    crawl.set_defaults(handler=_crawl)

    scheduler = commands.add_parser(
        "scheduler", help="crawl each source when due and mark overdue notices, until stopped")
    scheduler.add_argument("--once", action="store_true", help="one round, then exit (for cron)")
    scheduler.add_argument("--interval", type=float, default=60.0, help="seconds between rounds")
    scheduler.set_defaults(handler=_scheduler)

    sources = commands.add_parser("sources", help="the source registry (crawlers/sources.yml)")
    source_commands = sources.add_subparsers(title="sources commands", metavar="ACTION")
    source_commands.add_parser("list", help="one line per source").set_defaults(handler=_sources_list)
    validate = source_commands.add_parser("validate", help="check the registry; says which source and field")
    validate.add_argument("file", nargs="?", type=Path, help="default: SAFEWATCH_SOURCES_FILE or crawlers/sources.yml")
    validate.set_defaults(handler=_sources_validate)
    show = source_commands.add_parser("show", help="everything about one source")
    show.add_argument("id")
    show.set_defaults(handler=_sources_show)

    serve = commands.add_parser("serve", help="serve the review UI")
    serve.add_argument("--host", help="default 127.0.0.1 (SAFEWATCH_UI_HOST)")
    serve.add_argument("--port", type=int, help="default 5000 (SAFEWATCH_UI_PORT)")
    serve.set_defaults(handler=_serve)

    users = commands.add_parser("users", help="manage review UI accounts")
    user_commands = users.add_subparsers(title="users commands", metavar="ACTION")
    add = user_commands.add_parser("add", help="create an account (prints a generated password)")
    add.add_argument("username")
    add.add_argument("--role", action="append", dest="roles", required=True,
                     choices=("reviewer", "analyst", "supervisor", "admin"))
    add.add_argument("--name", default="", help="display name")
    add.set_defaults(handler=_users_add)
    user_commands.add_parser("list", help="list accounts").set_defaults(handler=_users_list)
    disable = user_commands.add_parser("disable", help="disable an account")
    disable.add_argument("username")
    disable.set_defaults(handler=_users_disable)

    demo = commands.add_parser("demo", help="the whole pipeline on the shipped demo site, then serve the UI")
    demo.add_argument("--no-serve", action="store_true", help="stop after crawling (for scripts and tests)")
    demo.set_defaults(handler=_demo)
    return parser


# ---- handlers -----------------------------------------------------------------------------------

def _es_build(config: Config, args) -> int:
    if not config.uses_embedded_es:
        print(f"SAFEWATCH_ES_URL is set ({config.es_url}); no embedded node to build.")
        return 0
    from index import embedded
    paths = embedded.build(config, force=args.force)
    print(f"Embedded Elasticsearch ready in {paths.home}")
    return 0


def _es_start(config: Config, args) -> int:
    if not config.uses_embedded_es:
        print(f"SAFEWATCH_ES_URL is set ({config.es_url}); nothing to start.")
        return 0
    from index import embedded
    embedded.start(config)
    return 0


def _es_stop(config: Config, args) -> int:
    if not config.uses_embedded_es:
        print(f"SAFEWATCH_ES_URL is set ({config.es_url}); nothing to stop.")
        return 0
    from index import embedded
    embedded.stop(config)
    return 0


def _es_status(config: Config, args) -> int:
    from index.connection import make_client
    client = make_client(config)
    try:
        info = client.info()
        health = client.cluster.health()
    except Exception as error:
        print(f"Elasticsearch at {config.es_address} is not reachable: {error.__class__.__name__}: {error}")
        if config.uses_embedded_es:
            print("Start the embedded node with `safewatch es start`.")
        return 1
    mode = "embedded" if config.uses_embedded_es else "external"
    print(f"Elasticsearch {info['version']['number']} ({mode}) at {config.es_address}")
    print(f"cluster {health['cluster_name']}: status {health['status']}, {health['number_of_nodes']} node(s), "
          f"{health['active_shards']} active shard(s)")
    return 0


def _repository(config: Config):
    from index.connection import open_repository
    return open_repository(config)


def _index_setup(config: Config, args) -> int:
    created = _repository(config).setup()
    print("Created: " + ", ".join(created) if created else "All indices already exist; mappings updated.")
    return 0


def _bench_vihsd(config: Config, args) -> int:
    from classifier import vihsd
    if not args.json:
        print(f"Training on {args.data / 'train.csv'} (this takes about a minute)…", flush=True)
    result = vihsd.run(args.data, args.test)
    if args.json:
        print(json.dumps(result.to_dict()))
        return 0
    print(f"ViHSD: trained on {result.train_rows:,} rows, scored {result.test_rows:,} rows of {result.test_file} "
          f"in {result.seconds:.0f}s")
    print(f"  SafeWatch text pipeline   macro-F1 {result.macro_f1:.3f}   "
          + "  ".join(f"{name} {f1:.3f}" for name, f1 in result.per_class_f1.items()))
    print("  published (test split):   " + ", ".join(f"{k} {v:.3f}" for k, v in vihsd.PUBLISHED.items()))
    return 0


def _retrain(config: Config, args) -> int:
    from classifier.evaluate import format_side_by_side
    from safewatch.retrain import retrain
    report = retrain(config, _repository(config))
    print(format_side_by_side([report.current, report.candidate]))
    verdict = "now the current model" if report.promoted else "kept aside; the current model stays"
    print(f"Candidate {report.candidate_version} ({report.review_examples} reviewer decisions): {verdict}, "
          f"because {report.reason}.")
    return 0


def _eval(config: Config, args) -> int:
    from classifier import artefacts
    from classifier.backends import load_classifier
    from classifier.corpus import load_seed, split_holdout
    from classifier.evaluate import evaluate, format_confusion, format_side_by_side, load_labelled
    from classifier.predict import Classifier
    from classifier.rules import WatchRules, rules_only_scores
    examples = load_labelled(args.data) if args.data else split_holdout(load_seed())[1]
    texts = [e.text for e in examples]
    source = args.data or "the seed corpus's held-out set"
    print(f"Evaluating on {len(examples)} examples ({source}).")
    rules = WatchRules.load(config.rules_file) if config.rules_file else WatchRules.load()
    results = [evaluate("keyword rules only", examples, *rules_only_scores(rules, texts), max_errors=0)]
    current = load_classifier(config)
    results.append(evaluate(f"current {current.version}", examples, *current.score_matrix(texts),
                            max_errors=args.errors))
    if args.model:
        candidate = Classifier(artefacts.load(args.model), rules)
        results.append(evaluate(f"candidate {candidate.version}", examples, *candidate.score_matrix(texts),
                                max_errors=args.errors))
    print(format_side_by_side(results))
    print()
    print(format_confusion(results[-1]))
    if results[-1].errors:
        print(f"\nErrors of {results[-1].name} (first {len(results[-1].errors)}):")
        for error in results[-1].errors:
            print(f"  [{', '.join(error['labels']) or 'safe'} -> {', '.join(error['predicted']) or 'safe'}] "
                  f"{error['text'][:110]}")
    return 0


def _predict(config: Config, args) -> int:
    from classifier.backends import load_classifier
    classifier = load_classifier(config)
    rows = []
    for number, line in enumerate(args.input.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            str(row["text"])
        except (ValueError, KeyError, TypeError):
            print(f"error: {args.input.name}:{number}: each line needs a JSON object with \"text\"", file=sys.stderr)
            return 1
        rows.append(row)
    with args.out.open("w", encoding="utf-8") as out:
        for start in range(0, len(rows), 1000):
            batch = rows[start:start + 1000]
            for row, prediction in zip(batch, classifier.predict([str(r["text"]) for r in batch]), strict=True):
                out.write(json.dumps({**row, "scores": prediction.scores, "flags": prediction.labels},
                                     ensure_ascii=False) + "\n")
    print(f"Scored {len(rows)} line(s) with model {classifier.version} into {args.out}.")
    return 0


def _notices_overdue(config: Config, args) -> int:
    from datetime import UTC, datetime

    from index import notices
    repo = _repository(config)
    now = datetime.now(UTC)
    if args.mark:
        changed = notices.mark_overdue(repo, now=now)
        print(f"Marked {len(changed)} notice(s) overdue.")
    late = notices.overdue(repo, now=now)
    if not late:
        print("No overdue notices.")
        return 0
    print(f"{len(late)} overdue notice(s), oldest deadline first:")
    for notice in late:
        hours = (now - datetime.fromisoformat(notice["deadline"])).total_seconds() / 3600
        print(f"  {notice['reference']:<16} {notice['kind']:<9} to {notice['recipient']:<20} "
              f"deadline {notice['deadline'][:16]}  ({hours:.0f} h late)  {len(notice['post_ids'])} post(s): "
              f"{', '.join(notice['post_urls'][:3])}")
    return 0


def _train_transformer(config: Config, args) -> int:
    from classifier.corpus import load_seed, split_holdout
    from classifier.transformer import FineTuneSettings, fine_tune
    if args.base is None:
        print("error: --backend transformer needs --base CHECKPOINT_FOLDER (a local folder; nothing is downloaded)",
              file=sys.stderr)
        return 2
    examples = split_holdout(load_seed())[0]
    print(f"Fine-tuning {args.base} on {len(examples)} examples ({args.epochs} epochs, CPU)…", flush=True)
    fine_tune(args.base, config.models_path / "transformer", examples,
              FineTuneSettings(epochs=args.epochs, max_length=args.max_length))
    print("Set SAFEWATCH_BACKEND=transformer (or ensemble) to use it.")
    return 0


def _report(config: Config, args) -> int:
    from datetime import date

    from index.periods import PeriodError, period
    from index.reports import build_report
    try:
        anchor = date.fromisoformat(args.date) if args.date else date.today()
        end = date.fromisoformat(args.end) if args.end else None
    except ValueError:
        raise PeriodError("Dates are written YYYY-MM-DD.") from None
    report = build_report(_repository(config), period(args.period, anchor, end))
    print(f"Báo cáo / Report {report.period.label} (previous: {report.period.previous().label})")
    rows = [("collected", "Thu thập"), ("flagged", "Gắn cờ"), ("reviewed", "Đã xem xét"), ("confirmed", "Xác nhận"),
            ("warnings", "Cảnh báo"), ("removal_requests", "Yêu cầu gỡ"), ("removed", "Đã gỡ"),
            ("removal_rate", "Tỷ lệ gỡ"), ("median_hours_to_removal", "Trung vị giờ đến khi gỡ"),
            ("p90_hours_to_removal", "P90 giờ đến khi gỡ"), ("within_deadline", "Gỡ trong hạn 24 giờ"),
            ("overdue", "Quá hạn")]
    for name, label in rows:
        now, before = getattr(report.figures, name), getattr(report.previous, name)
        change = report.change(name)
        print(f"  {label:<26} {_fmt(now):>10} {_fmt(before):>10}  {'' if change is None else f'{change:+.0%}'}")
    print(f"  {len(report.removed_items)} removed item(s) in the period.")
    return 0


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if isinstance(value, float) and value <= 1 else (
        f"{value:.1f}" if isinstance(value, float) else str(value))


def _index_replay(config: Config, args) -> int:
    from index.ingest import Ingestor
    repo = _repository(config)
    events = repo.replay_events()
    if events:
        print(f"Audit: {events} spooled event(s) written.")
    ingestor = Ingestor(repo, config.var_dir / "spool" / config.index_prefix)
    before = ingestor.pending()
    result = ingestor.replay()
    print(f"Spool: {before} post(s) pending, {result.replayed} written, {ingestor.pending()} still pending, "
          f"{len(result.rejected)} rejected.")
    return 1 if result.rejected or ingestor.pending() else 0


def _index_migrate(config: Config, args) -> int:
    from index.schema import migrate
    done = migrate(_repository(config))
    print(f"Migrated {len(done)} index(es)." if done else "Every index already has the current schema.")
    return 0


def _train(config: Config, args) -> int:
    from classifier.corpus import load_external
    from classifier.train import train
    if args.backend == "transformer":
        return _train_transformer(config, args)
    extra = load_external() if args.with_shared_data else []
    if args.with_shared_data:
        print(f"Adding {len(extra)} examples from ../shared/data (ViHOS, Davidson).")
    train(config.models_path, target_recall=args.target_recall, extra_examples=extra)
    return 0


def _classify(config: Config, args) -> int:
    from classifier.backends import load_classifier
    classifier = load_classifier(config)
    if not args.texts:
        from safewatch.rescore import rescore
        repo = _repository(config)
        print(f"Re-scoring the index with model {classifier.version}…")
        summary = rescore(repo, classifier)
        print(f"Re-scored {summary.posts:,} posts in {summary.seconds:.1f}s: {summary.newly_flagged} newly flagged, "
              f"{summary.unflagged} no longer flagged, {summary.errors} not updated.")
        return 1 if summary.errors else 0
    texts = [line.rstrip("\n") for line in sys.stdin if line.strip()] if args.texts == ["-"] else args.texts
    for text, prediction in zip(texts, classifier.predict(texts), strict=True):
        top = dict(sorted(prediction.scores.items(), key=lambda item: -item[1])[:3])
        print(json.dumps({"text": text, "flagged": prediction.flagged, "labels": prediction.labels,
                          "top_scores": top}, ensure_ascii=False))
    return 0


def _registry(config: Config):
    from crawlers.registry import DEFAULT_FILE, load_sources
    return load_sources(config.sources_file or DEFAULT_FILE)


def _sources_list(config: Config, args) -> int:
    for source in _registry(config):
        print(f"{source.id:<20} {source.kind:<6} {source.platform:<10} every {source.schedule_text:<4} "
              f"{source.name}")
    return 0


def _sources_validate(config: Config, args) -> int:
    from crawlers.registry import DEFAULT_FILE, load_sources
    path = args.file or config.sources_file or DEFAULT_FILE
    sources = load_sources(path)
    print(f"{path}: {len(sources)} source(s), all valid.")
    return 0


def _sources_show(config: Config, args) -> int:
    from crawlers.registry import find
    source = find(_registry(config), args.id)
    print(f"id          {source.id}\nname        {source.name}\nplatform    {source.platform}\n"
          f"kind        {source.kind}\nlanguage    {source.language}\nschedule    every {source.schedule_text}\n"
          f"rate limit  {source.rate_limit.concurrency} at once, {source.rate_limit.delay:g}s apart")
    for url in source.start_urls:
        print(f"start URL   {url}")
    for name, selector in source.rules.items():
        print(f"rule        {name}: {selector}")
    return 0


def _scheduler(config: Config, args) -> int:
    from crawlers.scheduler import Scheduler
    from index import notices

    def mark_overdue(now):
        changed = notices.mark_overdue(_repository(config), now=now)
        if changed:
            print(f"  {len(changed)} notice(s) now overdue: {', '.join(n['reference'] for n in changed)}")

    scheduler = Scheduler(_registry(config), config.var_dir / "scheduler.json", after_tick=mark_overdue)
    if args.once:
        runs = scheduler.tick()
        print(f"{len(runs)} crawl(s) run, {sum(r.exit_code != 0 for r in runs)} failed.")
        return 1 if any(r.exit_code for r in runs) else 0
    scheduler.run_forever(args.interval)
    return 0


def _crawl(config: Config, args) -> int:
    from crawlers.registry import RateLimit, Source, find
    if args.demo:
        return crawl_demo(config)
    if args.url:
        return run_crawl(config, [Source(args.source, args.source, "web", args.kind, (args.url,),
                                         rate_limit=RateLimit(concurrency=2, delay=max(0.0, args.delay)))])
    sources = _registry(config)
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
    _repository(config).setup()
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
    demo_sources = [s for s in _registry(config) if any("{demo}" in url for url in s.start_urls)]
    with DemoSite(port=config.demo_site_port) as site:
        print(f"Demo site served at {site.base_url}/")
        return run_crawl(config, demo_sources, demo_base=site.base_url)


def _serve(config: Config, args) -> int:
    from review_ui import create_app
    _repository(config).setup()
    app = create_app(config)
    host = args.host or config.ui_host
    port = args.port or config.ui_port
    print(f"SafeWatch review UI on http://{host}:{port}/  (Ctrl-C to stop)")
    from werkzeug.serving import run_simple
    run_simple(host, port, app, threaded=True, use_reloader=False)
    return 0


def _users_add(config: Config, args) -> int:
    from index.accounts import create_user, generate_password
    repo = _repository(config)
    repo.setup()
    password = generate_password()
    create_user(repo, args.username, password, sorted(set(args.roles)), args.name)
    print(f"Created {args.username} ({', '.join(sorted(set(args.roles)))}). Password (shown once): {password}")
    return 0


def _users_list(config: Config, args) -> int:
    for user in _repository(config).list_users():
        state = "disabled" if user.get("disabled") else "active"
        print(f"{user['username']:<24} {','.join(user['roles']):<30} {state}")
    return 0


def _users_disable(config: Config, args) -> int:
    from index.accounts import set_disabled
    set_disabled(_repository(config), args.username, True)
    print(f"Disabled {args.username}.")
    return 0


def _demo(config: Config, args) -> int:
    from safewatch.demo import run_demo
    return run_demo(config, serve=not args.no_serve)


if __name__ == "__main__":
    sys.exit(main())
