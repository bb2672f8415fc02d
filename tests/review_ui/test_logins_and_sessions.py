"""Sign-in and sessions across the trust boundary (#12): wrong passwords sent in parallel all count, one
client address is throttled whatever the name, a locked and an unknown name answer alike, sessions end
on sign-out, disabling and a new password (copies of the cookie included) and after the idle timeout
and absolute lifetime, users change their own password, and the audit trail records the server's
request id and the client's address. Real Elasticsearch node; a real HTTP server for the parallel case."""

from __future__ import annotations

import http.client
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from werkzeug.serving import make_server

from index.casework import login_throttle
from index.casework.accounts import MAX_FAILED_LOGINS, create_user, set_disabled, set_password
from review_ui import create_app

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "violet-kettle-harbour"
T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


class Clock:
    """The clock seam of the review UI (app.config["SAFEWATCH_CLOCK"]): moved by hand, never slept on."""

    def __init__(self, moment: datetime = T0) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


def make_app(config, repo, **settings):
    return create_app(replace(config, index_prefix=repo.prefix, **settings),
                      {"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def lan(repo):
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    create_user(repo, "root", PASSWORD, ["admin"], actor="test")
    return repo


@pytest.fixture
def clock(app) -> Clock:
    app.config["SAFEWATCH_CLOCK"] = clock = Clock()
    return clock


def login(client, username="lan", password=PASSWORD, **kwargs):
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


def signed_in(client) -> bool:
    response = client.get("/queue")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def events(repo, action: str) -> list[dict]:
    repo.refresh()
    found = repo.client.search(index=repo.events, query={"term": {"action": action}}, size=100)
    return [hit["_source"] for hit in found["hits"]["hits"]]


# ---- wrong passwords ---------------------------------------------------------------------------

def test_thirty_wrong_passwords_in_parallel_lock_the_account(config, lan):
    # The address limit is raised so that only the account's own lock is at work here.
    app = make_app(config, lan, login_address_max_failures=1000)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    barrier = threading.Barrier(30)

    def post_login(password: str, wait: bool = True) -> int:
        if wait:
            barrier.wait(timeout=30)
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=120)
        try:
            connection.request("POST", "/login", urlencode({"username": "lan", "password": password}),
                               {"Content-Type": "application/x-www-form-urlencoded"})
            return connection.getresponse().status
        finally:
            connection.close()

    try:
        with ThreadPoolExecutor(max_workers=30) as pool:
            statuses = list(pool.map(post_login, [f"wrong-guess-{n:02d}" for n in range(30)]))
        right = post_login(PASSWORD, wait=False)
    finally:
        server.shutdown()
        thread.join()
    # Every guess was counted before its password was checked: exactly MAX_FAILED_LOGINS were checked
    # (401), the others were refused unchecked (429), and now the right password is refused too.
    assert sorted(statuses) == [401] * MAX_FAILED_LOGINS + [429] * (30 - MAX_FAILED_LOGINS)
    assert login_throttle.failures(lan, "lan") == MAX_FAILED_LOGINS
    assert right == 429


def test_a_locked_and_an_unknown_name_answer_alike(client, lan):
    answers = {}
    for name in ("lan", "ghost"):
        for _ in range(MAX_FAILED_LOGINS):
            assert login(client, name, "not-the-password").status_code == 401
        refused = login(client, name, PASSWORD)
        # The page, but for its CSRF tokens (signed with the time, so different on every page).
        page = re.sub(r'name="csrf_token" value="[^"]*"', "", refused.get_data(as_text=True))
        answers[name] = (refused.status_code, page)
    assert answers["lan"][0] == answers["ghost"][0] == 429
    assert answers["lan"][1] == answers["ghost"][1] and "thử lại sau 15 phút" in answers["lan"][1]


def test_one_client_address_is_throttled_whatever_the_name(config, lan):
    app = make_app(config, lan, login_address_max_failures=3)
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for name in ("an", "binh", "chau"):  # names that do not exist: no name lock involved
        assert login(attacker, name, "not-the-password").status_code == 401
    assert login(attacker).status_code == 429  # even lan's right password, from that address
    colleague = app.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    assert login(colleague).status_code == 302
    refused = events(lan, "login_refused_locked")
    assert [event["client_address"] for event in refused] == ["203.0.113.9"]


def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(config, lan):
    forwarded = {"X-Forwarded-For": "192.0.2.55"}
    untrusted = make_app(config, lan, login_address_max_failures=2).test_client()
    for spoofed in ("192.0.2.1", "192.0.2.2"):  # a client cannot get a new budget by naming an address
        assert login(untrusted, "ghost", "nope-nope-nope", headers={"X-Forwarded-For": spoofed}).status_code == 401
    assert login(untrusted, headers=forwarded).status_code == 429
    assert {event.get("client_address") for event in events(lan, "login_failed")} == {"127.0.0.1"}

    proxied = make_app(config, lan, login_address_max_failures=2, trusted_proxies=1).test_client()
    assert login(proxied, headers=forwarded).status_code == 302
    assert events(lan, "login")[-1]["client_address"] == "192.0.2.55"


# ---- sessions ----------------------------------------------------------------------------------

def test_signing_out_ends_a_copy_of_the_cookie(app, lan):
    browser, thief = app.test_client(), app.test_client()
    assert login(browser).status_code == 302 and signed_in(browser)
    cookie = browser.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    assert signed_in(thief)  # a copy works while the session lives...
    browser.post("/logout")
    assert not signed_in(thief)  # ...and not after sign-out
    assert not signed_in(browser)


def test_assets_neither_read_nor_renew_the_session_cookie(app, lan):
    """The icon a browser fetches after a page has loaded must not answer with the session cookie: a
    late answer would put back the session of a user who meanwhile signed out (or whose cookie was
    cleared) and another signed in, whose sign-in form then fails its CSRF check."""
    browser = app.test_client()
    assert login(browser).status_code == 302
    page = browser.get("/queue")
    assert page.status_code == 200 and "session=" in page.headers.get("Set-Cookie", "")  # pages renew it
    for path in ("/favicon.ico", "/favicon.svg", "/static/safewatch.css", "/static/shortcuts.js"):
        with browser.get(path) as asset:
            assert asset.status_code == 200, path
            assert "Set-Cookie" not in asset.headers, path
    signed_out = app.test_client()
    with signed_out.get("/favicon.ico") as asset:
        assert "Set-Cookie" not in asset.headers


@pytest.mark.parametrize("revoke", ["disable_then_enable", "new_password"])
def test_disabling_or_a_new_password_ends_every_session(app, lan, revoke):
    first, second = app.test_client(), app.test_client()
    assert login(first).status_code == 302 and login(second).status_code == 302
    copy = app.test_client()
    copy.set_cookie("session", first.get_cookie("session").value)
    if revoke == "new_password":
        set_password(lan, "lan", NEW_PASSWORD, actor="test")
    else:
        set_disabled(lan, "lan", True, actor="test")
        set_disabled(lan, "lan", False, actor="test")  # enabling the account again revives no old session
    for client in (first, second, copy):
        assert not signed_in(client)
    assert login(first, password=NEW_PASSWORD if revoke == "new_password" else PASSWORD).status_code == 302
    assert signed_in(first)


def test_admin_disable_through_the_ui_ends_the_users_sessions(app, lan):
    user, admin = app.test_client(), app.test_client()
    assert login(user).status_code == 302 and login(admin, "root").status_code == 302
    assert admin.post("/admin/users/lan/disable").status_code == 302
    assert admin.post("/admin/users/lan/enable").status_code == 302
    assert not signed_in(user)


def test_a_session_ends_after_the_idle_timeout(app, lan, clock):
    assert login(app.test_client()).status_code == 302  # another browser, left alone
    client = app.test_client()
    assert login(client).status_code == 302
    for _ in range(4):  # used every 29 minutes: stays open (the default idle timeout is 30 minutes)
        clock.advance(minutes=29)
        assert signed_in(client)
    clock.advance(minutes=30)
    assert not signed_in(client)
    clock.advance(minutes=-30)  # even back in time: an ended session stays ended
    assert not signed_in(client)


def test_a_session_ends_after_its_absolute_lifetime_even_when_used(app, lan, clock):
    client = app.test_client()
    assert login(client).status_code == 302
    for _ in range(35):  # every 20 minutes for 11 h 40 min
        clock.advance(minutes=20)
        assert signed_in(client)
    clock.advance(minutes=20)  # 12 h after sign-in
    assert not signed_in(client)


def test_session_limits_are_settings(config, lan):
    from safewatch.config import Config
    environment = {"SAFEWATCH_SESSION_IDLE_MINUTES": "5", "SAFEWATCH_SESSION_MAX_HOURS": "1"}
    assert (Config.from_env(environment).session_idle_minutes, Config.from_env(environment).session_max_hours) == (5, 1)
    app = make_app(config, lan, session_idle_minutes=5, session_max_hours=1)
    app.config["SAFEWATCH_CLOCK"] = clock = Clock()
    assert app.permanent_session_lifetime == timedelta(hours=1)
    client = app.test_client()
    assert login(client).status_code == 302
    clock.advance(minutes=4)
    assert signed_in(client)
    clock.advance(minutes=5)
    assert not signed_in(client)


# ---- own password ------------------------------------------------------------------------------

def test_users_change_their_own_password(app, lan):
    client, other = app.test_client(), app.test_client()
    assert login(client).status_code == 302 and login(other).status_code == 302
    page = client.get("/account/password").get_data(as_text=True)
    assert 'name="current_password"' in page and 'autocomplete="new-password"' in page
    assert "/account/password" in client.get("/queue").get_data(as_text=True)  # linked from every page

    def change(current, new, again=None):
        return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                      "confirm_password": new if again is None else again})

    for current, new, again, message in [
        ("wrong-current-pass", NEW_PASSWORD, None, "Mật khẩu hiện tại không đúng"),
        (PASSWORD, "short-pass", None, "ít nhất 12 ký tự"),
        (PASSWORD, "iloveyou1234", None, "quá phổ biến"),
        (PASSWORD, NEW_PASSWORD, "violet-kettle-harbor", "không khớp"),
    ]:
        refused = change(current, new, again)
        assert refused.status_code == 400 and message in refused.get_data(as_text=True), message
    assert change(PASSWORD, NEW_PASSWORD).status_code == 302
    assert signed_in(client) and not signed_in(other)  # this browser carries on; every other one ends
    assert login(app.test_client()).status_code == 401
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 302
    assert events(lan, "password_changed")[0]["actor"] == "lan"


def test_the_password_form_needs_its_csrf_token(config, lan):
    app = create_app(replace(config, index_prefix=lan.prefix), {"TESTING": True})
    client = app.test_client()
    token = client.get("/login").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": token}).status_code == 302
    answer = client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                    "confirm_password": NEW_PASSWORD})
    assert answer.status_code == 400
    assert login(app.test_client(), password=PASSWORD).status_code in (302, 400)  # unchanged (400: no token)
    assert lan.get_user("lan")["session_generation"] == 0


def test_guessing_the_current_password_counts_as_wrong_sign_ins(app, lan):
    client = app.test_client()
    assert login(client).status_code == 302
    for _ in range(MAX_FAILED_LOGINS):
        client.post("/account/password", data={"current_password": "guess-guess-guess", "new_password": NEW_PASSWORD,
                                               "confirm_password": NEW_PASSWORD})
    refused = client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                     "confirm_password": NEW_PASSWORD})
    assert refused.status_code == 429


# ---- audit trail -------------------------------------------------------------------------------

def test_the_trail_records_the_servers_request_id_and_the_client_address(client, lan):
    sent = "<script>" + "x" * 200
    assert login(client, headers={"X-Request-Id": sent}).status_code == 302
    client.post("/logout", headers={"X-Request-Id": "trace-42"})
    login_event, logout_event = events(lan, "login")[0], events(lan, "logout")[0]
    for event in (login_event, logout_event):
        assert str(uuid.UUID(event["request_id"])) == event["request_id"]  # ours, whatever was sent
        assert event["client_address"] == "127.0.0.1"
    assert login_event["request_id"] != logout_event["request_id"]
    assert login_event["client_request_id"] == ("script" + "x" * 200)[:64]  # safe characters, cut short
    assert logout_event["client_request_id"] == "trace-42"
