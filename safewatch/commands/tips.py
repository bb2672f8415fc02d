"""Handlers of `safewatch tips` (tips by phone, email or letter; the fetch of reported addresses) and
`safewatch partners` (API keys of partner units and platforms)."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path

from safewatch.commands import repository
from safewatch.config import Config
from safewatch.errors import SafeWatchError

CSV_COLUMNS = ("channel", "urls", "description", "category", "contact", "received_at", "disclosure")


def register(commands) -> None:
    tips = commands.add_parser("tips", help="tips received by phone, email or letter; fetch reported addresses")
    tip_commands = tips.add_subparsers(title="tips commands", metavar="ACTION")
    add = tip_commands.add_parser("add", help="record one tip received by phone, email or letter (audited)")
    add.add_argument("--channel", required=True, choices=("phone", "email", "letter"))
    add.add_argument("--officer", required=True, help="the officer who received and enters it")
    add.add_argument("--url", action="append", dest="urls", default=[], help="a reported address (repeatable)")
    add.add_argument("--description", default="", help="what the reporter said")
    add.add_argument("--category", default="not_sure", help="one of the 14 category codes, or not_sure")
    add.add_argument("--contact", default="", help="how to reach the reporter (optional)")
    add.add_argument("--received-at", help="when it was received (ISO 8601; default now)")
    add.add_argument("--disclosure", action="store_true",
                     help="it tells of abuse of a specific child: first in the queue, marked for referral")
    add.set_defaults(handler=tips_add)
    load = tip_commands.add_parser(
        "import", help="record the tips of a CSV file (columns: " + ", ".join(CSV_COLUMNS) + ")",
        description="One tip per row. channel: phone, email or letter; urls: addresses separated by spaces; "
                    "category: a code or not_sure; received_at: ISO 8601 (empty: now); disclosure: yes/no. "
                    "Nothing is recorded when a row is wrong: the row and the reason are printed.")
    load.add_argument("file", type=Path)
    load.add_argument("--officer", required=True, help="the officer who enters them")
    load.set_defaults(handler=tips_import)
    fetch = tip_commands.add_parser("fetch", help="fetch the reported addresses not fetched yet, link their posts")
    fetch.add_argument("--limit", type=int, default=100, help="at most this many tips (default 100)")
    fetch.set_defaults(handler=tips_fetch)
    tip_commands.add_parser("list", help="the open tips, most urgent first").set_defaults(handler=tips_list)

    partners = commands.add_parser("partners", help="API keys of partner units and platforms")
    partner_commands = partners.add_subparsers(title="partners commands", metavar="ACTION")
    new = partner_commands.add_parser("add", help="make a key for a partner (printed once; only its hash is kept)")
    new.add_argument("name")
    new.set_defaults(handler=partners_add)
    partner_commands.add_parser("list", help="the keys: partner, prefix, made, revoked").set_defaults(
        handler=partners_list)
    revoke = partner_commands.add_parser("revoke", help="revoke a key (its id or prefix) or every key of a partner")
    revoke.add_argument("key", help="key id, key prefix, or partner name")
    revoke.set_defaults(handler=partners_revoke)


def _intake(channel: str, officer: str, urls, description: str, category: str, contact: str,
            received_at: str | None, disclosure: bool):
    from index.casework.tips import TipError, TipIntake
    when = None
    if received_at:
        try:
            when = datetime.fromisoformat(received_at)
        except ValueError:
            raise TipError("received_at must be written like 2026-03-01T09:30 (ISO 8601).") from None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return TipIntake(channel, tuple(urls), description, category or "not_sure", contact, disclosure,
                     entered_by=officer, received_at=when)


def tips_add(config: Config, args) -> int:
    from index.casework.tips import TipPolicy, file_tip
    repo = repository(config)
    repo.setup()
    filed = file_tip(repo, _intake(args.channel, args.officer, args.urls, args.description, args.category,
                                   args.contact, args.received_at, args.disclosure),
                     policy=TipPolicy.from_config(config))
    print(f"{filed.tip['reference']} recorded ({args.channel}, entered by {args.officer}).")
    print(f"Reporter's code (give it to them once; it is not kept): {filed.code}")
    return 0


def tips_import(config: Config, args) -> int:
    from index.casework.tips import TipPolicy, file_tip
    try:
        with args.file.open(encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.DictReader(stream))
    except OSError as error:
        raise SafeWatchError(f"Cannot read {args.file}: {error.strerror}.") from None
    intakes = []
    for number, row in enumerate(rows, start=2):
        try:
            if row.get("channel") not in ("phone", "email", "letter"):
                raise SafeWatchError("channel must be phone, email or letter")
            intake = _intake(row["channel"], args.officer, (row.get("urls") or "").split(),
                             row.get("description") or "", (row.get("category") or "").strip(),
                             row.get("contact") or "", (row.get("received_at") or "").strip() or None,
                             (row.get("disclosure") or "").strip().lower() in ("yes", "true", "1", "có"))
            from index.casework.tips import _validated
            _validated(intake)
        except SafeWatchError as error:
            print(f"error: {args.file}, line {number}: {error}", file=sys.stderr)
            return 1
        intakes.append(intake)
    repo = repository(config)
    repo.setup()
    for intake in intakes:
        filed = file_tip(repo, intake, policy=TipPolicy.from_config(config))
        print(f"{filed.tip['reference']}  {intake.channel:<6} code {filed.code}")
    print(f"{len(intakes)} tip(s) recorded, entered by {args.officer}.")
    return 0


def tips_fetch(config: Config, args) -> int:
    from crawlers.tip_fetch import fetch
    from index.casework.tips import FetchOutcome, pending_fetches, record_fetches
    repo = repository(config)
    repo.setup()
    waiting = pending_fetches(repo, limit=args.limit)
    urls = [e["url"] for tip in waiting for e in tip.get("fetches") or [] if e.get("state") == "pending"]
    if not urls:
        print("No reported address waits for its fetch.")
        return 0
    results = fetch(config, urls)
    repo.refresh()
    for tip in waiting:
        outcomes = [FetchOutcome(e["url"], *results[e["url"]]) for e in tip.get("fetches") or []
                    if e.get("state") == "pending" and e["url"] in results]
        record_fetches(repo, tip["id"], outcomes)
        print(f"{tip['reference']}: " + ", ".join(f"{o.url} {o.state}" for o in outcomes))
    return 0


def tips_list(config: Config, args) -> int:
    from index.casework.tips import queue
    for tip in queue(repository(config)):
        mark = "!" if tip.get("disclosure") else ("late" if tip["is_overdue"] else "")
        print(f"{tip['reference']:<16} {tip['status']:<12} {tip['channel']:<7} {tip['category']:<20} "
              f"{tip['triage_deadline'][:16]} {mark}")
    return 0


def partners_add(config: Config, args) -> int:
    from index.casework import partners
    from safewatch.commands.serving import cli_actor
    repo = repository(config)
    repo.setup()
    key = partners.add(repo, args.name, actor=cli_actor())
    print(f"API key for {args.name} (shown once; only its hash is kept):\n{key}")
    return 0


def partners_list(config: Config, args) -> int:
    from index.casework import partners
    for partner in partners.listing(repository(config)):
        state = f"revoked {partner['revoked_at'][:16]}" if partner.get("revoked_at") else "active"
        print(f"{partner['id'][:12]}  {partner['key_prefix']}…  {partner['name']:<30} made {partner['created_at'][:16]}"
              f" by {partner['created_by']}  {state}")
    return 0


def partners_revoke(config: Config, args) -> int:
    from index.casework import partners
    from safewatch.commands.serving import cli_actor
    repo = repository(config)
    key = args.key
    if len(key) == 12:  # the id as `partners list` prints it
        key = next((p["id"] for p in partners.listing(repo) if p["id"].startswith(key)), key)
    for partner in partners.revoke(repo, key, actor=cli_actor()):
        print(f"revoked {partner['key_prefix']}… of {partner['name']}")
    return 0
