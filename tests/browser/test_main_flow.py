"""The review UI in a real browser: a reviewer's day (log in, claim, confirm, find it again), hostile
post text, roles and redirects, and accessibility basics at 1366x768."""

from __future__ import annotations

import inspect
import re
import unicodedata
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from safewatch.records import post_id_for
from safewatch.taxonomy import BY_CODE
from tests.browser.site_data import HOSTILE_AUTHOR, HOSTILE_TEXT, HOSTILE_URL, PASSWORD, USERS

pytestmark = pytest.mark.e2e


def path_of(page) -> str:
    return urlsplit(page.url).path


def without_diacritics(text: str) -> str:
    """"Bán kẹo cho học sinh" -> "Ban keo cho hoc sinh", as a user types on a keyboard without Telex."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def assert_quiet(recorder) -> None:
    """No alert/confirm/prompt ever opened, nothing was fetched from off this machine, no script or
    CSP error in the console."""
    assert recorder.dialogs == []
    assert recorder.off_site() == []
    assert recorder.console_errors == []


# ---- 1. A reviewer's day ------------------------------------------------------------------------

def test_log_in_claim_confirm_and_find_it_again(page, live_server, login, site_repo, recorder, screenshot):
    base = live_server.url
    page.goto(f"{base}/queue")
    assert path_of(page) == "/login"  # logged out: sent to the login form
    assert page.locator("h1").inner_text().startswith("Đăng nhập")
    assert page.locator("form:has(#password) input[name=csrf_token]").get_attribute("value")
    page.fill("#username", "lan")
    screenshot(page, "01-login")
    login(page, "lan", open_form=False)
    assert path_of(page) == "/queue"  # back where the user was going

    # The queue, in Vietnamese.
    assert page.locator("h1").inner_text().startswith("Hàng đợi rà soát")
    headers = page.locator("table.queue thead th").all_inner_texts()
    assert headers[:5] == ["Chọn", "Ưu tiên", "Nội dung", "Nhãn", "Nguồn"]  # "Chọn": the add-to-case checkboxes
    rows = page.locator("table.queue tbody tr")
    assert rows.count() > 0
    assert page.locator("header.top .who").inner_text().startswith("Cán bộ Lan")
    names_vi = {category.name_vi for category in BY_CODE.values()}
    # Category tags name a category and its score; a child's disclosure has its own tag, before them.
    first_tag = page.locator("table.queue tbody tr .tag:not(.tag-disclosure)").first.inner_text()
    assert first_tag.rsplit(" ", 1)[0] in names_vi and first_tag.endswith("%")
    for disclosure in page.locator("table.queue tbody tr .tag-disclosure").all_inner_texts():
        assert disclosure.startswith("Trẻ tự kể")
    screenshot(page, "02-queue")

    # "Next" claims the most urgent post and opens it.
    top = site_repo.review_queue(size=1)[0]
    with page.expect_navigation():
        page.get_by_role("button", name="Bài tiếp theo").click()
    post_id = path_of(page).rsplit("/", 1)[1]
    assert path_of(page) == f"/posts/{post_id}" and post_id == top["id"]
    stored = site_repo.get_post(post_id).source
    assert stored["status"] == "in_review" and stored["claimed_by"] == "lan"
    assert page.locator("h1 .status").inner_text() == "Đang rà soát"

    # The words that drove the classifier are marked, and only words of the post are.
    marks = page.locator(".post-text mark.why")
    assert marks.count() > 0
    text = page.locator(".post-text").inner_text()
    assert text == stored["text"]
    for mark in marks.all():
        assert mark.inner_text() in stored["text"]
        assert mark.get_attribute("title") in names_vi
    screenshot(page, "03-post")

    # Confirm with the model's categories (and one more the reviewer adds).
    checked = page.locator("form.decision input[name=categories]:checked")
    chosen = [box.get_attribute("value") for box in checked.all()]
    assert sorted(chosen) == sorted(stored["labels"])
    extra = next(code for code in ("child_privacy", "scam", "bullying") if code not in chosen)
    page.get_by_label(BY_CODE[extra].name_vi).check()
    page.fill("#note", "Xác nhận qua trình duyệt")
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận vi phạm").click()
    assert path_of(page) != f"/posts/{post_id}"  # decide-and-next: the next post (or the queue when empty)
    assert "Đã lưu quyết định" in page.locator(".flash-success").inner_text()

    decided = site_repo.get_post(post_id).source
    assert decided["status"] == "confirmed" and decided["reviewer"] == "lan" and decided["reviewed_at"]
    assert sorted(decided["categories"]) == sorted([*chosen, extra])
    assert decided["decision_note"] == "Xác nhận qua trình duyệt"
    site_repo.refresh()
    assert [e["to_status"] for e in site_repo.events_for(post_id) if e.get("actor") == "lan"][-2:] == \
        ["in_review", "confirmed"]

    # Search for the post's words typed without diacritics: found, with the words highlighted.
    with page.expect_navigation():
        page.get_by_role("link", name="Tìm kiếm").click()
    words = re.findall(r"\w+", without_diacritics(stored["text"]))[:8]
    query = " ".join(words)
    assert query != " ".join(re.findall(r"\w+", stored["text"])[:8])  # the post has diacritics to drop
    page.fill("#q", query)
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert page.locator("p.count").inner_text().split()[0] != "0"
    hit = page.locator(f'ol.results li:has(a[href="/posts/{post_id}"])')
    assert hit.count() == 1
    assert hit.locator("mark").count() > 0
    assert hit.locator(".status").inner_text() == "Đã xác nhận"
    screenshot(page, "04-search")
    assert_quiet(recorder)


# ---- 3. Hostile content ------------------------------------------------------------------------

NO_INJECTED_MARKUP = """() => [
  ...[...document.querySelectorAll('[onerror], [onload], [onmouseover]')].map(e => e.outerHTML),
  ...[...document.scripts].filter(s => /alert/.test(s.textContent + (s.src || ''))).map(s => s.outerHTML),
  ...[...document.images].filter(i => /\\/x$/.test(i.src)).map(i => i.outerHTML),
]"""


def test_hostile_post_text_is_shown_literally_and_runs_nothing(page, live_server, login, recorder, screenshot):
    base = live_server.url
    login(page, "hoa")
    post_id = post_id_for(HOSTILE_URL)
    page.goto(f"{base}/posts/{post_id}")
    assert page.locator(".post-text").inner_text() == HOSTILE_TEXT
    assert page.locator(".post-text mark.why").inner_text() == "<script>alert(2)</script>"
    assert page.locator("h2.post-title").inner_text() == "<b onmouseover=alert(5)>tiêu đề</b>"
    assert HOSTILE_AUTHOR in page.locator("p.meta").first.inner_text()
    assert "<script>alert`6`</script>" in page.locator("main").inner_text()
    # Nothing of the post became markup: no element but the marks inside the text or the title, no
    # event handler attribute and no script of its making anywhere on the page.
    assert page.locator(".post-text *:not(mark.why), h2.post-title *").count() == 0
    assert page.evaluate(NO_INJECTED_MARKUP) == []
    screenshot(page, "05-hostile-post")

    # The post's address is a javascript: URL, shown as text; where it is still a link, following it
    # must run nothing either (today only the Content-Security-Policy stops it).
    assert HOSTILE_URL in page.locator("p.meta").first.inner_text()
    for link in page.locator(f'main a[href="{HOSTILE_URL}"]').all():
        link.click()
        page.wait_for_timeout(500)
    page.hover("h2.post-title")
    page.hover(".post-text")
    assert all("Content Security Policy" in error and "blocked" in error for error in recorder.console_errors)

    # Search results: the fragment is escaped, then marked.
    page.goto(f"{base}/search?q={quote('script alert')}")
    hit = page.locator(f'ol.results li:has(a[href="/posts/{post_id}"])')
    assert hit.count() == 1
    fragment = hit.locator("p").inner_text()
    assert "<img src=x onerror=alert(1)>" in fragment and "<script>alert(2)</script>" in fragment
    marked = [m.inner_text() for m in hit.locator("mark").all()]
    assert marked and all(text in HOSTILE_TEXT for text in marked) and any("script" in text for text in marked)
    assert hit.locator("img, script, svg").count() == 0
    assert page.evaluate(NO_INJECTED_MARKUP) == []
    screenshot(page, "06-hostile-search")

    page.wait_for_timeout(300)
    assert recorder.dialogs == []
    assert recorder.off_site() == []
    assert not any(urlsplit(url).path == "/x" for url in recorder.requests)  # the <img src=x> never loaded


# ---- 4. Roles and redirects ----------------------------------------------------------------------

def guarded_routes(app) -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, roles) for every route behind login_required that names roles, read from the
    guard itself, so pages added later are covered. Path arguments get placeholders: the role check
    comes before the view looks anything up."""
    adapter = app.url_map.bind("127.0.0.1")
    routes = []
    for rule in app.url_map.iter_rules():
        roles = inspect.getclosurevars(app.view_functions[rule.endpoint]).nonlocals.get("roles")
        if not roles:
            continue
        values = {name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
                  for name in rule.arguments}
        path = adapter.build(rule.endpoint, values)
        routes += [(method, path, tuple(roles)) for method in ("GET", "POST") if method in rule.methods]
    return sorted(routes)


def test_pages_refuse_users_without_the_role(page, live_server, login, recorder, screenshot):
    routes = guarded_routes(live_server.app)
    assert ("GET", "/queue", ("reviewer", "supervisor")) in routes
    refused = set()
    for username, roles in USERS.items():
        login(page, username)
        page.goto(f"{live_server.url}/search")  # every role may search
        token = page.locator("form.logout input[name=csrf_token]").get_attribute("value")
        for method, path, allowed in routes:
            permitted = "admin" in roles or bool(set(roles) & set(allowed))
            if method == "POST":
                if permitted:
                    continue  # a POST would act (claim, approve...): only refusals are tried
                response = page.request.post(live_server.url + path, form={"csrf_token": token}, max_redirects=0)
            else:
                response = page.request.get(live_server.url + path, max_redirects=0)
            assert (response.status == 403) != permitted, (username, method, path, response.status)
            if not permitted:
                refused.add((username, method, path))
        if username in ("lan", "an", "son") and any(u == username and m == "GET" for u, m, _ in refused):
            path = next(path for user, method, path in sorted(refused) if user == username and method == "GET")
            response = page.goto(live_server.url + path)
            assert response.status == 403
            assert re.search(r"Forbidden|403|quyền", page.locator("h1").inner_text(), re.IGNORECASE)
            screenshot(page, f"07-forbidden-{username}")
        # Sign out with the form's token, as the sign-out button would (the 403 page has it too).
        assert page.request.post(f"{live_server.url}/logout", form={"csrf_token": token}).ok
        page.goto(f"{live_server.url}/queue")
        assert path_of(page) == "/login"
    assert ("an", "GET", "/queue") in refused and ("an", "POST", "/queue/next") in refused
    assert recorder.off_site() == []


def test_logged_out_user_returns_to_the_page_after_login(page, live_server, login):
    post_id = post_id_for(HOSTILE_URL)
    for path in (f"/posts/{post_id}", "/search"):
        page.goto(live_server.url + path)
        assert path_of(page) == "/login"
        assert parse_qs(urlsplit(page.url).query) == {"next": [path]}
        login(page, "an", open_form=False)
        assert path_of(page) == path
        page.locator("form.logout button").click()
        page.wait_for_url(re.compile(r"/login$"))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_login_never_redirects_off_site(page, live_server, login, recorder, target):
    page.goto(f"{live_server.url}/login?next={quote(target, safe='')}")
    login(page, "lan", open_form=False)
    assert page.url == f"{live_server.url}/queue"
    assert recorder.dialogs == [] and recorder.off_site() == []


# ---- 5. Accessibility basics ---------------------------------------------------------------------

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden')
  .filter(e => !([...(e.labels || [])].some(l => l.textContent.trim()))
               && !(e.getAttribute('aria-label') || '').trim() && !e.getAttribute('aria-labelledby'))
  .map(e => e.outerHTML)"""

FOCUSED = """() => {
  const e = document.activeElement; const style = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.name || '', value: e.value || '',
          text: (e.innerText || '').trim().split('\\n')[0],
          outline: style.outlineStyle + ' ' + style.outlineWidth};
}"""


def check_page_basics(page) -> None:
    assert page.locator("h1").count() == 1, page.url
    assert page.evaluate(UNLABELLED) == [], page.url
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.title().endswith("SafeWatch")


def tab_until(page, matches, limit: int = 30) -> list[dict]:
    """Press Tab until the focused element matches; returns what had focus on the way, in order.
    Each focused control must show the focus outline."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused)
        assert focused["outline"] != "none 0px", focused
        if matches(focused):
            return seen
    raise AssertionError(f"never reached by Tab: {[f['text'] or f['id'] or f['name'] for f in seen]}")


def test_accessibility_basics_and_keyboard_only_review(page, live_server, login, site_repo, recorder):
    base = live_server.url
    assert page.viewport_size == {"width": 1366, "height": 768}

    # Login: the form has focus on arrival; Tab goes password -> submit; Enter signs in.
    page.goto(f"{base}/login")
    check_page_basics(page)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'",
                           timeout=5000)  # autofocus lands after the load event
    page.keyboard.type("minh")
    tab_until(page, lambda f: f["id"] == "password", limit=1)
    page.keyboard.type(PASSWORD)
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Đăng nhập", limit=1)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert path_of(page) == "/queue"

    # Queue: the menu, then "Next", reached with Tab in reading order; Enter claims.
    check_page_basics(page)
    seen = tab_until(page, lambda f: f["text"] == "Bài tiếp theo")
    texts = [f["text"] for f in seen]
    assert texts.index("Hàng đợi") < texts.index("Tìm kiếm") < texts.index("Đăng xuất") < texts.index("English")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    post_id = path_of(page).rsplit("/", 1)[1]
    assert site_repo.get_post(post_id).source["claimed_by"] == "minh"

    # Post view: categories, note and the two decisions in order; Space ticks, Enter confirms.
    check_page_basics(page)
    seen = tab_until(page, lambda f: f["name"] == "categories")
    first_box = seen[-1]["value"]
    if page.locator(f'input[name=categories][value="{first_box}"]').is_checked():
        page.keyboard.press("Space")  # untick the model's first category...
        page.keyboard.press("Space")  # ...and tick it again: Space toggles
    else:
        page.keyboard.press("Space")
    assert page.locator(f'input[name=categories][value="{first_box}"]').is_checked()
    tab_until(page, lambda f: f["id"] == "note")
    page.keyboard.type("Chỉ dùng bàn phím")
    seen = tab_until(page, lambda f: f["tag"] == "button" and f["value"] == "confirm", limit=1)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    decided = site_repo.get_post(post_id).source
    assert decided["status"] == "confirmed" and decided["reviewer"] == "minh"
    assert first_box in decided["categories"] and decided["decision_note"] == "Chỉ dùng bàn phím"

    # Search: the query box has focus on arrival; Tab reaches every filter and the button.
    page.goto(f"{base}/search")
    check_page_basics(page)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'q'",
                           timeout=5000)  # autofocus lands after the load event
    seen = tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Tìm")
    names = [f["name"] for f in seen[:-1]]
    names = [name for i, name in enumerate(names) if i == 0 or name != names[i - 1]]  # a date has 3 stops
    assert names == ["status", "category", "platform", "source", "reviewer", "from", "to", "sort"]
    page.fill("#q", "hoc sinh")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page_basics(page)
    assert page.locator("ol.results li").count() > 0
    assert_quiet(recorder)


def test_every_page_has_one_heading_and_labelled_controls(page, live_server, login, recorder):
    """The same basics on every page a signed-in user can open without an id (pages added later
    included), at 1366x768, as an admin who may open them all."""
    login(page, "quan")
    checked = []
    for method, path, _ in guarded_routes(live_server.app):
        if method != "GET" or "/x" in path:
            continue
        probe = page.request.get(live_server.url + path, max_redirects=0)
        if probe.status != 200 or not probe.headers.get("content-type", "").startswith("text/html"):
            continue  # downloads (PDF, XLSX, CSV) and redirects
        page.goto(live_server.url + path)
        check_page_basics(page)
        checked.append(path)
    assert {"/queue", "/search"} <= set(checked)
    assert recorder.dialogs == [] and recorder.off_site() == []
