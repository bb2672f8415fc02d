"""Browser tests: the real review UI served by a real WSGI server on 127.0.0.1, driven in headless
Chromium (Debian's /usr/bin/chromium, never a downloaded browser) through Playwright.

One index set per session: the demo forum crawled into it with `safewatch crawl` (so posts carry the
model's real scores and explanations), users for every role, and one hostile post. CSRF is on, as in
production. Screenshots go to test-artifacts/screenshots/ at 1366x768."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from index.casework.accounts import create_user
from safewatch.records import post_id_for
from tests.browser.site_data import HOSTILE_AUTHOR, HOSTILE_TEXT, HOSTILE_URL, PASSWORD, USERS

CHROMIUM = Path(os.environ.get("SAFEWATCH_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium calls out to Google at every start, and this
# machine's network refuses it; a fresh profile comes from Playwright (a new temporary user-data-dir).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through Playwright. Off CI, a machine without Chromium or Playwright skips
    the browser tests; in CI (CI set) they fail instead, since `make test` installs both."""
    missing = None
    if not os.access(CHROMIUM, os.X_OK):
        missing = f"{CHROMIUM} not found (Debian package chromium; `make test` installs it)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = missing or "the playwright package is not installed (pip install -e '.[test]')"
    if missing:
        if _in_ci():
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Recorder:
    """Everything a page did that a test may want to assert on: dialogs (alert, confirm, prompt),
    requests, console errors. Attached to every page of the context, popups included."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.console_errors: list[str] = []

    def attach(self, page) -> None:
        def on_dialog(dialog):
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._console)

    def _console(self, message) -> None:
        # No exemption for /favicon.ico any more: the UI links its own icon and answers that path too.
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({(message.location or {}).get('url', '')})")

    def off_site(self) -> list[str]:
        """Requests to anything but the local test servers."""
        return [url for url in self.requests
                if urlsplit(url).scheme not in ("about", "data", "blob")
                and urlsplit(url).hostname not in ("127.0.0.1",)]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test says where its page was: the address, who was signed in, the heading, the
    flash messages and the start of the visible text (a missing button then has a cause in the log)."""
    report = yield
    tab = item.funcargs.get("page") if report.when == "call" and report.failed else None
    if tab is not None:
        report.sections.append(("page at failure", _page_state(tab)))
    return report


def _page_state(tab) -> str:
    try:
        def texts(selector: str) -> list[str]:
            return tab.locator(selector).all_inner_texts()

        body = tab.locator("body").inner_text(timeout=2_000)
        forms = tab.locator("form").evaluate_all("forms => forms.map(form => form.action)")
        return (f"url: {tab.url}\nsigned in: {texts('.who')}\nh1: {texts('h1')}\n"
                f"flash: {texts('.flash, [role=alert]')}\nforms: {forms}\ntext: {body[:1500]}")
    except Exception as error:  # the page may be gone; the test's own error is what matters then
        return f"(page state unavailable: {error})"


@pytest.fixture
def page(browser, recorder):
    """A new browser context (no cookies) at 1366x768 with Vietnamese as the browser language."""
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    context.on("page", recorder.attach)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return take


def crawl(config, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SAFEWATCH_INDEX_PREFIX": config.index_prefix,
           "SAFEWATCH_MODEL_DIR": str(config.models_path),
           "SAFEWATCH_CRAWL_ALLOW_PRIVATE": urlsplit(url).netloc}  # the demo site, and nothing else
    if config.es_url:
        env["SAFEWATCH_ES_URL"] = config.es_url
    command = [sys.executable, "-m", "safewatch", "crawl", "--url", url, "--kind", "html",
               "--source", "demo-forum", "--delay", "0"]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="session")
def site_repo(browser, config, es_client, trained_models):
    """Fresh indices for the browser tests: the demo forum crawled, the users, one hostile post."""
    from crawlers.demo_server import DemoSite
    from index.storage.repository import Repository

    repository = Repository(es_client, f"{config.index_prefix}-ui{uuid.uuid4().hex[:6]}")
    repository.setup()
    try:
        with DemoSite(port=0) as demo:
            result = crawl(replace(config, index_prefix=repository.prefix), f"{demo.base_url}/index.html")
        assert result.returncode == 0, result.stdout + result.stderr
        for username, roles in USERS.items():
            create_user(repository, username, PASSWORD, roles, display_name=f"Cán bộ {username.title()}", actor="test")
        # Never at the top of the queue (priority 0.01), so "Next" in other tests does not take it.
        repository.bulk_upsert_posts([{
            "id": post_id_for(HOSTILE_URL), "url": HOSTILE_URL, "text": HOSTILE_TEXT, "author": HOSTILE_AUTHOR,
            "title": '<b onmouseover=alert(5)>tiêu đề</b>', "status": "flagged", "priority": 0.01,
            "labels": ["drugs"], "scores": {"drugs": 0.9}, "source": "demo-forum", "platform": "forum",
            "rule_hits": ["drugs:<script>alert`6`</script>"],  # a term (no regex signs): shown as written
            # A span over the <script> element: the mark is added around escaped text only.
            "explanations": {"drugs": [{"start": HOSTILE_TEXT.index("<script>"), "end": len(HOSTILE_TEXT)}]},
        }])
        repository.refresh()
        yield repository
    finally:
        repository.drop_all()


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: object


@pytest.fixture(scope="session")
def live_server(site_repo, config) -> LiveServer:
    """The real app (CSRF on) behind werkzeug's threaded WSGI server on 127.0.0.1, a free port."""
    from werkzeug.serving import make_server

    from review_ui import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app(replace(config, index_prefix=site_repo.prefix))
    assert app.config.get("WTF_CSRF_ENABLED", True) and not app.testing
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="review-ui", daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def login(live_server):
    """Sign in through the real form (its CSRF token included), from wherever `page` is or from /login."""

    def sign_in(page, username: str, password: str = PASSWORD, *, open_form: bool = True) -> None:
        if open_form:
            page.goto(f"{live_server.url}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("form:has(#password) button[type=submit]")
        # a refused sign-in stays on the form: say why here, not as a missing button three steps later
        assert not page.locator("form:has(#password)").count(), (username, page.url, page.locator(
            ".flash-error, .error").all_inner_texts())
        # and the header names the user who just signed in (not a session left over from before)
        user = live_server.app.extensions["safewatch.repository"].get_user(username)
        shown = page.locator("header .who").all_inner_texts()
        assert len(shown) == 1 and shown[0].startswith(user["display_name"] + " ("), (username, page.url, shown)

    return sign_in

