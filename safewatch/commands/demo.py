"""`safewatch demo`: the whole pipeline on the shipped demo site, then the review UI."""

from __future__ import annotations

import sys
import time

from safewatch.commands.demo_history import seed_history
from safewatch.commands.demo_history_plan import DEMO_STAFF  # noqa: F401 (named here too, for readers)
from safewatch.commands.serving import run_server
from safewatch.config import Config

DEMO_USER = "demo"
STEPS = 6


def run_demo(config: Config, *, serve: bool = True, history: bool = True) -> int:
    from classifier.artefacts import current_path
    from index.storage.connection import open_repository

    started = time.monotonic()
    step = _steps()
    if config.uses_embedded_es:
        from index.node import launcher as embedded
        next(step)("Elasticsearch (embedded)")
        embedded.start(config)
    repo = open_repository(config)
    next(step)("Indices")
    created = repo.setup()
    print("  created " + ", ".join(created) if created else "  already in place")

    next(step)("Classifier")
    if current_path(config.models_path) is None:
        from classifier.train import train
        train(config.models_path)
    else:
        print(f"  using the trained model in {current_path(config.models_path)}")

    next(step)("Crawl the demo site, classify, index")
    from safewatch.commands.crawling import crawl_demo
    status = crawl_demo(config)
    repo.refresh()
    flagged = repo.count_posts(status="flagged")
    total = repo.count_posts()
    print(f"  index holds {total} posts, {flagged} waiting for review")

    next(step)("Demo account")
    password = _demo_account(repo)

    next(step)("A year of the unit's work (demo history)")
    if history:
        _seed_history(config, repo)
    else:
        print("  skipped (--no-history)")
    print(f"Demo ready in {time.monotonic() - started:.0f}s.")
    print(f"  Review UI: http://{config.ui_host}:{config.ui_port}/")
    print(f"  Sign in as '{DEMO_USER}' with password: {password}   (shown once; a new one on every run)")
    sys.stdout.flush()  # the login must be visible before the server starts, even when piped
    if not serve:
        return status
    from review_ui import create_app
    run_server(create_app(config), config.ui_host, config.ui_port, threads=config.ui_threads)
    return status


def _steps():
    number = 0
    while True:
        number += 1
        yield lambda title, n=number: print(f"[{n}/{STEPS}] {title}")


def _demo_account(repo) -> str:
    from index.casework.accounts import create_user, generate_password, set_password
    password = generate_password()
    if repo.get_user(DEMO_USER) is None:
        create_user(repo, DEMO_USER, password, ["reviewer", "analyst"], "Cán bộ rà soát (demo)",
                    actor="system:demo")
    else:
        set_password(repo, DEMO_USER, password, actor="system:demo")
    return password


def _seed_history(config: Config, repo) -> None:
    from classifier.backends import load_classifier
    summary = seed_history(repo, load_classifier(config), deadline_hours=config.takedown_deadline_hours,
                           reference_suffix=config.notice_reference_suffix, log=lambda line: print(line))
    if summary.seeded:
        done = ", ".join(f"{count} {action}" for action, count in sorted(summary.actions.items()))
        print(f"  {summary.posts} posts of source 'demo-history' and {summary.steps} steps ({done}) "
              f"in {summary.seconds:.0f}s")
    for line in summary.refused:
        print(f"  refused: {line}")


def demo(config: Config, args) -> int:
    """`safewatch demo`."""
    return run_demo(config, serve=not args.no_serve, history=not args.no_history)
