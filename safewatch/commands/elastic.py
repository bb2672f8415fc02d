"""Handlers of `safewatch es`, `index`, `notices` and `report`."""

from __future__ import annotations

import json

from safewatch.commands import repository
from safewatch.config import Config


def es_build(config: Config, args) -> int:
    if not config.uses_embedded_es:
        print(f"SAFEWATCH_ES_URL is set ({config.es_url}); no embedded node to build.")
        return 0
    from index.node import launcher as embedded
    paths = embedded.build(config, force=args.force)
    print(f"Embedded Elasticsearch ready in {paths.home}")
    return 0


def es_start(config: Config, args) -> int:
    if not config.uses_embedded_es:
        print(f"SAFEWATCH_ES_URL is set ({config.es_url}); nothing to start.")
        return 0
    from index.node import launcher as embedded
    embedded.start(config)
    return 0


def es_stop(config: Config, args) -> int:
    if not config.uses_embedded_es:
        print(f"SAFEWATCH_ES_URL is set ({config.es_url}); nothing to stop.")
        return 0
    from index.node import launcher as embedded
    embedded.stop(config)
    return 0


def es_status(config: Config, args) -> int:
    from index.storage.connection import make_client
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


def index_setup(config: Config, args) -> int:
    created = repository(config).setup()
    print("Created: " + ", ".join(created) if created else "All indices already exist; mappings updated.")
    return 0


def index_replay(config: Config, args) -> int:
    from index.storage.ingest import WAITING_REASONS, Ingestor
    repo = repository(config)
    events = repo.replay_events()
    if events:
        print(f"Audit: {events} spooled event(s) written.")
    ingestor = Ingestor(repo, config.spool_path)
    before = ingestor.pending()
    result = ingestor.replay()
    print(f"Spool: {before} post(s) pending, {result.replayed} written, {ingestor.pending()} still pending, "
          f"{len(result.rejected)} rejected.")
    if ingestor.pending():
        print(f"  Still waiting: {WAITING_REASONS.get(result.waiting_because, WAITING_REASONS['unreachable'])}.")
    return 1 if result.rejected or ingestor.pending() else 0


def index_migrate(config: Config, args) -> int:
    from index.storage.schema import migrate
    done = migrate(repository(config))
    print(f"Migrated {len(done)} index(es)." if done else "Every index already has the current schema.")
    return 0


def notices_overdue(config: Config, args) -> int:
    from datetime import UTC, datetime

    from index.casework import notices
    repo = repository(config)
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


def report(config: Config, args) -> int:
    from datetime import date

    from index.casework.periods import PeriodError, period
    from index.casework.reports import build_report
    from review_ui.report_exports import INDICATORS, figure_rows  # the labels the report page and exports use
    try:
        anchor = date.fromisoformat(args.date) if args.date else date.today()
        end = date.fromisoformat(args.end) if args.end else None
    except ValueError:
        raise PeriodError("Dates are written YYYY-MM-DD.") from None
    report = build_report(repository(config), period(args.period, anchor, end))
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
        return 0
    print(f"Báo cáo / Report {report.period.label} (previous: {report.period.previous().label})")
    for row in figure_rows(report):
        unit, change = row["unit"], row["change"]
        print(f"  {row['name']:<30} {fmt(row['now'], unit):>10} {fmt(row['before'], unit):>10}  "
              f"{'' if change is None else f'{change:+.0%}':>6}  {row['vi']} ({unit})")
    indicator_names = {name: vi for name, vi, _ in INDICATORS}
    for indicator in report.indicators():
        target = f"{'>' if indicator['above'] else '>='} {indicator['target']:.0%}"
        met = {None: "—", True: "met", False: "NOT met"}[indicator["met"]]
        print(f"  indicator {indicator['name']} ({indicator_names.get(indicator['name'], '')}): "
              f"{fmt(indicator['value'], 'share')} (target {target}): {met}")
    print(f"  {len(report.removed_items)} removed post(s) in the period; --json lists them.")
    return 0


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit.startswith("share"):
        return f"{value:.1%}"
    return f"{value:.1f}" if isinstance(value, float) else str(value)
