"""The `safewatch` command. Subcommands import their packages lazily, so `--help` is instant and
this shared package imports none of crawlers, classifier, index or review_ui at load time."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from safewatch.commands import classifying, crawling, elastic, platforms, serving, tips
from safewatch.commands import demo as demo_command
from safewatch.config import Config

EPILOG = """Configuration comes from SAFEWATCH_* environment variables (see README).
With SAFEWATCH_ES_URL unset, an embedded Elasticsearch node is used (`safewatch es start`)."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        config = Config.from_env()
        return args.handler(config, args) or 0
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
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
    es_build.set_defaults(handler=elastic.es_build)
    es_commands.add_parser("start", help="start the node on 127.0.0.1 and wait until it answers").set_defaults(
        handler=elastic.es_start)
    es_commands.add_parser("stop", help="stop the node cleanly").set_defaults(handler=elastic.es_stop)
    es_commands.add_parser("status", help="health and version of the cluster in use").set_defaults(
        handler=elastic.es_status)

    index = commands.add_parser("index", help="create and inspect the Elasticsearch indices")
    index_commands = index.add_subparsers(title="index commands", metavar="ACTION")
    index_commands.add_parser("setup", help="create missing indices and aliases (safe to repeat)").set_defaults(
        handler=elastic.index_setup)
    index_commands.add_parser(
        "replay", help="write the posts spooled while Elasticsearch was unavailable").set_defaults(
        handler=elastic.index_replay)
    index_commands.add_parser(
        "migrate", help="rebuild indices whose schema changed: copy, then swap the alias atomically").set_defaults(
        handler=elastic.index_migrate)

    bench = commands.add_parser("bench", help="benchmarks on real labelled data")
    bench_commands = bench.add_subparsers(title="benchmarks", metavar="NAME")
    vihsd = bench_commands.add_parser("vihsd", help="train the text pipeline on ViHSD, report macro-F1")
    vihsd.add_argument("--data", type=Path, default=Path("../shared/data/vihsd"),
                       help="folder with train.csv and dev.csv (default ../shared/data/vihsd)")
    vihsd.add_argument("--test", type=Path, help="file to score (default: dev.csv in --data)")
    vihsd.add_argument("--json", action="store_true", help="print one machine-readable line")
    vihsd.set_defaults(handler=classifying.bench_vihsd)

    notices = commands.add_parser("notices", help="warnings and removal requests")
    notice_commands = notices.add_subparsers(title="notices commands", metavar="ACTION")
    overdue = notice_commands.add_parser(
        "overdue", help="list notices past their deadline with content still online")
    overdue.add_argument("--mark", action="store_true",
                         help="also set those notices and their posts to 'overdue' (what the scheduler does)")
    overdue.set_defaults(handler=elastic.notices_overdue)

    report = commands.add_parser("report", help="print the figures for a period and the one before")
    report.add_argument("--period", choices=("month", "quarter", "half", "year", "custom"), default="half")
    report.add_argument("--date", help="a day inside the period (YYYY-MM-DD; default today) or a custom start")
    report.add_argument("--end", help="end of a custom period (YYYY-MM-DD, inclusive)")
    report.add_argument("--json", action="store_true",
                        help="print JSON: every figure (figures: name -> value, units), the plan's indicators, "
                             "the committee's table and the removed posts behind the figures (removed: "
                             "hours_to_removal, within_deadline), for this period and the previous one")
    report.set_defaults(handler=elastic.report)

    train = commands.add_parser(
        "train", help="train the classifier on the seed corpus and real text; thresholds for a real stream")
    train.add_argument("--seed-only", action="store_true",
                       help="leave out the real posts of ../shared/data (ViHOS and Davidson, MIT; "
                            "SAFEWATCH_SHARED_DATA elsewhere): thresholds then rest on the seed corpus alone")
    train.add_argument("--backend", choices=("sklearn", "transformer"), default="sklearn",
                       help="transformer: fine-tune the local checkpoint named by --base (needs the torch extra)")
    train.add_argument("--base", type=Path, help="local checkpoint folder to fine-tune (transformer backend)")
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument("--max-length", type=int, default=128)
    train.set_defaults(handler=classifying.train)

    classify = commands.add_parser(
        "classify", help="re-score every indexed post with the current model (or, with --text, score texts)")
    classify.add_argument("--text", action="append", dest="texts",
                          help="score this text and print JSON instead (repeatable; '-' reads lines from stdin)")
    classify.set_defaults(handler=classifying.classify)

    retrain = commands.add_parser(
        "retrain", help="train on the seed corpus plus reviewers' decisions; keep the better model")
    retrain.add_argument("--from-index", action="store_true", required=True,
                         help="take labels from the reviewers' decisions in the index")
    retrain.set_defaults(handler=classifying.retrain)

    evaluate = commands.add_parser(
        "eval", help="precision, recall, F1, PR-AUC per category: keyword rules vs the current model")
    evaluate.add_argument("--data", type=Path, help="JSONL with text and labels (default: the seed corpus's "
                                                    "held-out set)")
    evaluate.add_argument("--model", type=Path, help="a candidate model folder to compare as a third column")
    evaluate.add_argument("--errors", type=int, default=15, help="how many misclassified examples to list")
    evaluate.set_defaults(handler=classifying.eval)

    predict = commands.add_parser("predict", help="score a JSONL file: copies each line adding scores and flags")
    predict.add_argument("--in", dest="input", type=Path, required=True, help="JSONL with at least \"text\"")
    predict.add_argument("--out", type=Path, required=True)
    predict.set_defaults(handler=classifying.predict)

    crawl = commands.add_parser(
        "crawl", help="crawl sources of the registry, score the posts and index them",
        description="Exit codes: 0 everything fetched was stored (indexed, or spooled for later); 1 some posts "
                    "refused by Elasticsearch (listed); 2 bad arguments; 3 a write on disk failed (spool or "
                    "evidence: disk full, read-only), the crawl stopped; 75 every source given is being crawled "
                    "by another process (one crawl per source at a time: var/locks/); 130 interrupted (Ctrl-C, "
                    "SIGTERM). Pages are marked as seen (ETag, Last-Modified) only when a crawl ends with every "
                    "post stored. A crawl that is stopped (killed, Ctrl-C, SIGTERM, storage failure) keeps its "
                    "frontier in var/crawl_jobs/<index prefix>/<source id>/ and the next crawl of the source "
                    "resumes it: pages whose posts were stored are not fetched again. A crawl that ends cleanly "
                    "removes it.")
    crawl.add_argument("ids", nargs="*", metavar="ID", help="source ids from the registry (see `sources list`)")
    crawl.add_argument("--all", action="store_true", help="every source in the registry")
    crawl.add_argument("--demo", action="store_true", help="serve the shipped demo site and crawl its sources")
    crawl.add_argument("--url", help="crawl one URL that is not in the registry (with --kind and --source)")
    crawl.add_argument("--kind", choices=("html", "rss", "sitemap", "xenforo"), default="html",
                       help="how to read --url (kinds that need options are crawled from the registry)")
    crawl.add_argument("--source", default="manual", help="source id recorded on posts crawled with --url")
    crawl.add_argument("--delay", type=float, default=1.0, help="seconds between requests to the --url host")
    crawl.add_argument("--fresh", action="store_true",
                       help="discard the frontier of an interrupted crawl and start over")
    crawl.set_defaults(handler=crawling.crawl)

    scheduler = commands.add_parser(
        "scheduler", help="crawl each source when due and mark overdue notices, until stopped",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""Crawl each source of the registry when its schedule says it is due, and mark overdue
notices on their own cadence, until SIGTERM or Ctrl-C. Each crawl is a `safewatch crawl ID`
child; a long crawl never holds up overdue marking.

- One crawl per source at a time, across restarts and processes: a source being crawled by
  another process (a manual `safewatch crawl`, another scheduler) is skipped with a log line.
- A failed crawl (exit code not 0) is retried after SAFEWATCH_SCHEDULER_RETRY_SECONDS (300),
  doubling after each further failure up to the source's schedule; a success resets it.
- Errors of one round (Elasticsearch down, a crawl that cannot start) are logged in one line
  and tried again later; they never stop the scheduler.
- On SIGTERM or Ctrl-C the running crawl is sent SIGTERM (it stores what it holds), killed after
  SAFEWATCH_SCHEDULER_STOP_GRACE seconds (30), recorded as interrupted, and the scheduler exits.
  Its crawls get SIGTERM from the kernel if the scheduler itself is killed.
- Overdue marking every SAFEWATCH_SCHEDULER_OVERDUE_SECONDS (300); at most
  SAFEWATCH_SCHEDULER_MAX_CRAWLS crawls (1) at once.
- var/scheduler.json keeps, per source: last start and end, exit code and its meaning, outcome
  (running, done, failed, interrupted, busy), consecutive failures and next due time.

Exit codes (--once): 0 every crawl run succeeded; 1 a crawl failed or overdue marking failed;
130 stopped by SIGTERM or Ctrl-C. Without --once: 0 once stopped.""")
    scheduler.add_argument("--once", action="store_true",
                           help="crawl what is due now, mark overdue notices once, wait for them, then exit (for cron)")
    scheduler.add_argument("--interval", type=float, default=60.0,
                           help="seconds between looks at what is due (running crawls are watched every second)")
    scheduler.set_defaults(handler=crawling.scheduler)

    sources = commands.add_parser("sources", help="the source registry (crawlers/sources.yml)")
    source_commands = sources.add_subparsers(title="sources commands", metavar="ACTION")
    source_commands.add_parser("list", help="one line per source").set_defaults(handler=crawling.sources_list)
    validate = source_commands.add_parser("validate", help="check the registry; says which source and field")
    validate.add_argument("file", nargs="?", type=Path, help="default: SAFEWATCH_SOURCES_FILE or crawlers/sources.yml")
    validate.set_defaults(handler=crawling.sources_validate)
    show = source_commands.add_parser("show", help="everything about one source")
    show.add_argument("id")
    show.set_defaults(handler=crawling.sources_show)
    attempt = source_commands.add_parser(
        "try", help="print what a source's rules extract from one page, post by post (nothing indexed)",
        description="Fetches one page (--url, fetched as a crawl fetches: public web only, robots.txt obeyed) or "
                    "reads a saved one (--file), hands it to the source's own spider and prints each post it "
                    "extracts and the links a crawl would follow. Nothing is indexed, no evidence is kept, no media "
                    "is fetched. Exit codes: 0 posts found; 1 no post found; 2 bad arguments or source; 3 the page "
                    "could not be fetched or read.")
    attempt.add_argument("id", help="the source whose kind, rules and options are used")
    where = attempt.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="the page to fetch (http or https)")
    where.add_argument("--file", type=Path, help="a saved page to read instead (give --base for its address)")
    attempt.add_argument("--base", help="with --file: the page's address, for its relative links "
                                        "(default: the source's first start URL)")
    attempt.add_argument("--chars", type=int, default=300, help="characters of each post's text to print (300)")
    attempt.set_defaults(handler=crawling.sources_try)

    platforms_parser = commands.add_parser(
        "platforms", help="the platform registry that addresses notices (safewatch/platforms.yml)")
    platform_commands = platforms_parser.add_subparsers(title="platforms commands", metavar="ACTION")
    platform_commands.add_parser("list", help="one line per platform: legal name, address, contact").set_defaults(
        handler=platforms.platforms_list)
    check = platform_commands.add_parser("validate", help="check the registry; says which platform and field")
    check.add_argument("file", nargs="?", type=Path,
                       help="default: SAFEWATCH_PLATFORMS_FILE or safewatch/platforms.yml")
    check.set_defaults(handler=platforms.platforms_validate)

    evidence = commands.add_parser("evidence", help="captures kept as evidence: export a post's, verify a zip")
    evidence_commands = evidence.add_subparsers(title="evidence commands", metavar="ACTION")
    export = evidence_commands.add_parser(
        "export", help="write a zip of a post's captures, the post and a manifest of SHA-256 sums")
    export.add_argument("post_id", help="the post's id (as shown in the review UI) or its URL")
    export.add_argument("--out", type=Path, help="zip to write (default: evidence-<post id>.zip)")
    export.add_argument("--by", default="", help="who exports it (recorded in the manifest and the audit trail)")
    export.set_defaults(handler=crawling.evidence_export)
    check = evidence_commands.add_parser(
        "verify", help="check an exported zip offline (exit 1 if not intact, 2 if not a SafeWatch export)",
        description="Re-checks every file of an exported zip against its manifest, unpacking in bounded chunks. "
                    "Not intact (exit 1): a file altered, missing or added; a path with '..', absolute or a "
                    "symbolic link; a zip too large to be an export. A manifest or post.json that is not "
                    "SafeWatch's: one-line error, exit 2.")
    check.add_argument("zip", type=Path, help="the zip written by `safewatch evidence export`")
    check.set_defaults(handler=crawling.evidence_verify)

    recheck = commands.add_parser(
        "recheck", help="fetch posts under a warning or removal request again; record removals and overdue")
    recheck.add_argument("--all", action="store_true", help="every post under a notice, not only those due")
    recheck.add_argument("post_ids", nargs="*", metavar="POST_ID", help="only these posts")
    recheck.set_defaults(handler=crawling.recheck)

    serve = commands.add_parser("serve", help="serve the review UI")
    serve.add_argument("--host", help="default 127.0.0.1 (SAFEWATCH_UI_HOST)")
    serve.add_argument("--port", type=int, help="default 5000 (SAFEWATCH_UI_PORT)")
    serve.set_defaults(handler=serving.serve)

    users = commands.add_parser("users", help="manage review UI accounts")
    user_commands = users.add_subparsers(title="users commands", metavar="ACTION")
    add = user_commands.add_parser("add", help="create an account (prints a generated password; audited)")
    add.add_argument("username")
    add.add_argument("--role", action="append", dest="roles", required=True,
                     choices=("reviewer", "analyst", "supervisor", "admin"))
    add.add_argument("--name", default="", help="display name")
    add.set_defaults(handler=serving.users_add)
    user_commands.add_parser("list", help="list accounts").set_defaults(handler=serving.users_list)
    disable = user_commands.add_parser("disable", help="disable an account (audited as cli:<os user>)")
    disable.add_argument("username")
    disable.set_defaults(handler=serving.users_disable)
    enable = user_commands.add_parser("enable", help="enable a disabled account (audited)")
    enable.add_argument("username")
    enable.set_defaults(handler=serving.users_enable)
    password = user_commands.add_parser(
        "password", help="set an account's password (read from standard input, or generated); its sessions end",
        description="Set an account's password: typed at the prompt, read from standard input (one line), or "
                    "generated with --generate. At least 12 characters and not a common password. Every session "
                    "of the account ends and its sign-in lock is lifted.")
    password.add_argument("username")
    password.add_argument("--generate", action="store_true", help="generate one and print it (shown once)")
    password.set_defaults(handler=serving.users_password)
    roles = user_commands.add_parser("roles", help="replace an account's roles (audited)")
    roles.add_argument("username")
    roles.add_argument("--role", action="append", dest="roles", required=True,
                       choices=("reviewer", "analyst", "supervisor", "admin"))
    roles.set_defaults(handler=serving.users_roles)

    tips.register(commands)

    demo = commands.add_parser("demo", help="the whole pipeline on the shipped demo site, then serve the UI")
    demo.add_argument("--no-serve", action="store_true", help="stop after crawling (for scripts and tests)")
    demo.add_argument("--no-history", action="store_true",
                      help="leave out the worked history (a year of decisions, notices and removals)")
    demo.set_defaults(handler=demo_command.demo)
    return parser


if __name__ == "__main__":
    sys.exit(main())
