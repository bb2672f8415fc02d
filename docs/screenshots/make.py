"""The README's screenshots, taken on the demo with its worked history.

    .venv/bin/safewatch demo --no-serve        # the demo's indices: demo forum crawled, a year of history
    .venv/bin/python docs/screenshots/make.py  # serves the UI on a free port, signs in, writes the PNGs here

Headless Debian Chromium through Playwright at 1366x768, Vietnamese UI, as the browser tests run it. The
script gives the `demo` account a new password (as every `safewatch demo` does; audited), signs in through
the real form and saves queue.png, post.png, search.png, notices.png and report.png next to this file.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

CHROMIUM = Path(os.environ.get("SAFEWATCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}
SEARCH = "bong cuoi"  # without diacritics: found with them, highlighted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNG files (default: this one)")
    args = parser.parse_args(argv)

    from werkzeug.serving import make_server

    from index.casework.accounts import generate_password, set_password
    from index.storage.connection import open_repository
    from review_ui import create_app
    from safewatch.commands.demo import DEMO_USER
    from safewatch.commands.demo_history import is_seeded
    from safewatch.config import Config

    config = Config.from_env()
    repo = open_repository(config)
    if repo.get_user(DEMO_USER) is None or not is_seeded(repo):
        print("Run `safewatch demo --no-serve` first: the screenshots show the demo with its worked history.")
        return 1
    password = generate_password()
    set_password(repo, DEMO_USER, password, actor="system:screenshots")

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, create_app(config), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        top = repo.review_queue(size=1)  # the most urgent post (removed content found again, if any)
        shoot(f"http://127.0.0.1:{server.server_port}", password, args.out, top[0]["id"] if top else None)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    return 0


def shoot(base: str, password: str, out: Path, post_id: str | None) -> None:
    from playwright.sync_api import sync_playwright

    from safewatch.commands.demo import DEMO_USER

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", DEMO_USER)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("form:has(#password) button[type=submit]")

        def save(name: str) -> None:
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"  {out / name}.png")

        page.goto(f"{base}/queue")
        save("queue")
        if post_id:  # viewed, not claimed: the demo account is left holding nothing
            page.goto(f"{base}/posts/{post_id}")
            save("post")
        page.goto(f"{base}/search?q={SEARCH.replace(' ', '+')}")
        page.evaluate("document.querySelector('p.count')?.scrollIntoView()")
        save("search")
        page.goto(f"{base}/notices")
        save("notices")
        page.goto(f"{base}/reports?period=half")
        save("report")
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
