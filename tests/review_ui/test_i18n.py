"""Languages: Vietnamese by default (never from Accept-Language), English when the user chooses it with
the switcher (CSRF, local redirects only, audited); every message of the code and templates has its
Vietnamese translation, the committed .mo is the compiled .po, placeholders survive translation, no
template writes text outside a translation call, and the official documents stay Vietnamese."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from lxml import html as lxml_html
from openpyxl import load_workbook

from review_ui.language import COOKIE, DOMAIN_ERRORS
from safewatch.taxonomy import BY_CODE
from tests.review_ui.conftest import SITE_PASSWORD, main_pages

REVIEW_UI = Path(__file__).resolve().parents[2] / "review_ui"
CATALOG = REVIEW_UI / "translations" / "vi" / "LC_MESSAGES"
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2),
            **dict.fromkeys(DOMAIN_ERRORS)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def page_of(response) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(response.get_data(as_text=True))


def h1(page) -> str:
    return " ".join(page.xpath("string(//h1)").split())


def nav_texts(page) -> list[str]:
    return [" ".join(a.text_content().split()) for a in page.xpath("//header//nav//a")]


# ---- Choosing the language ---------------------------------------------------------------------------

def test_vietnamese_by_default_whatever_the_browser_asks(site, browse):
    client = browse("lan")
    response = client.get("/queue", headers={"Accept-Language": "en-US,en;q=0.9"})
    page = page_of(response)
    assert page.get("lang") == "vi" and h1(page).startswith("Hàng đợi rà soát")
    assert nav_texts(page) == ["Hàng đợi", "Tìm kiếm", "Tin báo", "Văn bản", "Vụ việc"]
    assert page.xpath("string(//form[@class='language']//button)") == "English"
    assert page.xpath("//form[@class='language']//button/@lang") == ["en"]


@pytest.mark.parametrize("username", [None, "lan", "an", "chief", "root"])
def test_every_main_page_in_both_languages(site, browse, username):
    """Each role's pages: Vietnamese by default; after the switch (the form in the header), English,
    with lang="en", categories under their English names and no Vietnamese label left over."""
    vietnamese = vietnamese_strings()
    client = browse(username)
    for path in main_pages(site)[username]:
        page = page_of(client.get(path))
        assert page.get("lang") == "vi", path
        assert page.xpath("//form[@class='language']//input[@name='next']/@value") == [path], path
        assert starts_in_vietnamese(h1(page), vietnamese), (path, h1(page))

    switched = client.post("/language", data={"language": "en", "next": main_pages(site)[username][0]})
    assert switched.status_code == 302 and urlsplit(switched.headers["Location"]).path == \
        urlsplit(main_pages(site)[username][0]).path
    for path in main_pages(site)[username]:
        response = client.get(path)
        page = page_of(response)
        assert page.get("lang") == "en", path
        assert h1(page) and not starts_in_vietnamese(h1(page), vietnamese), (path, h1(page))
        text = " ".join(page.xpath("//body//text()"))
        leftovers = [vi for vi in vietnamese if len(vi) > 3 and vi in text]
        assert not leftovers, (path, leftovers)
        assert page.xpath("string(//form[@class='language']//button)") == "Tiếng Việt"
        if path.startswith("/posts/"):
            assert BY_CODE["drugs"].name_en in text and BY_CODE["drugs"].name_vi not in text, path

    client.post("/language", data={"language": "vi", "next": "/"})
    assert page_of(client.get(main_pages(site)[username][0])).get("lang") == "vi"


def vietnamese_strings() -> set[str]:
    """The catalog's Vietnamese (each piece between placeholders) where it differs from the English."""
    found = set()
    with (CATALOG / "messages.po").open("rb") as po:
        catalog = read_po(po)
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        found |= {piece.strip() for s in strings if s not in ids for piece in re.split(r"%\(\w+\)[sd]", s)}
    return {s for s in found if s}


def starts_in_vietnamese(title: str, vietnamese: set[str]) -> bool:
    """The heading begins with one of the catalog's Vietnamese strings."""
    return any(title.startswith(vi) for vi in vietnamese if len(vi) > 2)


def test_the_switch_sets_a_long_lived_cookie_and_is_audited(site, browse, repo):
    client = browse("an")
    response = client.post("/language", data={"language": "en", "next": "/search?q=keo&sort=newest"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/search?q=keo&sort=newest")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=en;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
    assert max_age >= 180 * 24 * 3600 and "Secure" not in cookie
    repo.refresh()
    events = repo.client.search(index=repo.events, query={"term": {"action": "language_changed"}})["hits"]["hits"]
    assert [(e["_source"]["actor"], e["_source"]["details"]["language"]) for e in events] == [("an", "en")]

    signed_out = browse(None)
    assert signed_out.post("/language", data={"language": "en", "next": "/login"}).status_code == 302
    assert page_of(signed_out.get("/login")).get("lang") == "en"
    repo.refresh()
    assert repo.client.count(index=repo.events, query={"term": {"action": "language_changed"}})["count"] == 1


def test_the_cookie_is_secure_when_the_session_cookie_is(site, browse, app):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = app.test_client().post("/language", data={"language": "en", "next": "/login"})
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("language", ["fr", "", "vi;en", "EN"])
def test_unknown_languages_are_refused(site, browse, language):
    client = browse("lan")
    response = client.post("/language", data={"language": language, "next": "/queue"})
    assert response.status_code == 400 and COOKIE not in str(response.headers.getlist("Set-Cookie"))
    client.set_cookie(COOKIE, language or "xx")  # a forged cookie falls back to Vietnamese
    assert page_of(client.get("/queue")).get("lang") == "vi"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "/\t/evil.example", "javascript:alert(1)", ""])
def test_the_switch_never_redirects_off_site(site, browse, target):
    response = browse("an").post("/language", data={"language": "en", "next": target})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost") and location.path == "/search"  # the analyst's landing page


def test_the_switch_needs_the_csrf_token(config, repo, site):
    from review_ui import create_app
    client = create_app(replace(config, index_prefix=repo.prefix), {"TESTING": True}).test_client()
    refused = client.post("/language", data={"language": "en", "next": "/login"})
    assert refused.status_code == 400 and COOKIE not in str(refused.headers.getlist("Set-Cookie"))
    login_page = page_of(client.get("/login"))
    assert login_page.get("lang") == "vi"
    form = login_page.xpath("//form[@class='language']")[0]
    token = form.xpath(".//input[@name='csrf_token']/@value")[0]
    assert client.post("/language", data={"language": "en", "next": "/login", "csrf_token": token}).status_code == 302
    login_page = page_of(client.get("/login"))
    assert login_page.get("lang") == "en" and h1(login_page) == "Sign in"
    token = login_page.xpath("//form[not(@class)]//input[@name='csrf_token']/@value")[0]
    response = client.post("/login", data={"username": "chief", "password": SITE_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert nav_texts(page_of(client.get("/notices"))) == ["Queue", "Search", "Tips", "Notices", "Cases", "Reports"]


def test_messages_flashed_by_the_views_follow_the_language(site, browse):
    client = browse("root", "en")
    page = page_of(client.post("/admin/users/root/disable", follow_redirects=True))
    assert page.xpath("string(//p[contains(@class, 'flash-error')])") == "You cannot disable your own account."
    client.set_cookie(COOKIE, "vi")
    page = page_of(client.post("/admin/users/root/disable", follow_redirects=True))
    assert page.xpath("string(//p[contains(@class, 'flash-error')])") == "Không thể tự khóa tài khoản của mình."


def test_counts_take_the_plural_form_of_each_language(site, browse):
    def count(client, query: str) -> list[str]:
        return page_of(client.get(f"/search?{query}")).xpath("string(//p[@class='count'])").split()[:2]
    client = browse("an", "en")
    assert count(client, "q=keo") == ["4", "results"] and count(client, "q=keo&status=in_review") == ["1", "result"]
    client.set_cookie(COOKIE, "vi")
    assert count(client, "q=keo") == ["4", "kết"] and count(client, "q=keo&status=in_review") == ["1", "kết"]


# ---- The official documents stay Vietnamese -------------------------------------------------------

def test_exports_stay_vietnamese_in_the_english_ui(site, browse):
    client = browse("chief", "en")
    assert "Summary figures" in client.get("/reports").get_data(as_text=True)
    book = load_workbook(io.BytesIO(client.get("/reports/report.xlsx").data))
    assert book.sheetnames[:2] == ["Số liệu", "Nhóm nội dung"] and "Trạng thái hiện tại" in book.sheetnames
    assert book["Số liệu"]["A2"].value == "Tổng số bài thu thập"
    statuses = {row[1].value for row in book["Trạng thái hiện tại"].iter_rows(min_row=2)}
    assert "Đã gỡ" in statuses and "Removed" not in statuses
    categories = {row[1].value for row in book["Nhóm nội dung"].iter_rows(min_row=2)}
    assert categories == {BY_CODE["drugs"].name_vi}
    rows = list(csv.reader(io.StringIO(client.get("/reports/removed.csv").data.decode("utf-8-sig"))))
    assert rows[0][1] == "Đường dẫn (URL)" and rows[1][2] == BY_CODE["drugs"].name_vi and rows[1][8] == "Có"
    pdf = client.get(f"/notices/{site.notice}/letter.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_page_and_the_documents_name_things_alike(app):
    """The report page shows the catalog's Vietnamese for the labels the documents write themselves."""
    from flask_babel import gettext

    from review_ui.filters import status_label
    from review_ui.report_exports import BREAKDOWNS, FIGURES, INDICATORS, STATUS_NAMES, TABLE_COLUMNS, TABLES
    with app.test_request_context():
        assert {name: gettext(en) for name, _vi, en, _kind in FIGURES} == {name: vi for name, vi, _en, _ in FIGURES}
        for labels in (BREAKDOWNS, TABLES, INDICATORS):
            assert [gettext(en) for _name, _vi, en in labels] == [vi for _name, vi, _en in labels]
        assert [gettext(en) for _name, _vi, en, _kind in TABLE_COLUMNS] == [vi for _n, vi, _en, _k in TABLE_COLUMNS]
        assert {status: status_label(status) for status in STATUS_NAMES} == STATUS_NAMES


# ---- The catalog --------------------------------------------------------------------------------------

def extracted() -> dict[tuple[str | None, str | tuple[str, ...]], list[str]]:
    """Every message of review_ui, and of the errors of index/ it shows, extracted as
    `make translations` does: (context, id) -> where."""
    with (REVIEW_UI / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict = {}
    for folder in (REVIEW_UI, REVIEW_UI.parent / "index"):
        for filename, lineno, message, _comments, context in extract_from_dir(
                str(folder), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
            message = message if isinstance(message, str) else tuple(message)
            found.setdefault((context, message), []).append(f"{folder.name}/{filename}:{lineno}")
    return found


def test_make_translations_extracts_the_same_messages():
    makefile = (REVIEW_UI.parent / "Makefile").read_text()
    assert all(f"-k {name}" in makefile for name in DOMAIN_ERRORS)
    assert "messages.pot review_ui index" in makefile


def test_errors_from_the_index_are_shown_in_the_ui_language(app):
    from index.casework.notices import NoticeError
    from review_ui.language import error_text
    error = NoticeError("A notice that is '%(current)s' cannot become '%(target)s'.", current="sent", target="draft")
    assert str(error) == "A notice that is 'sent' cannot become 'draft'."
    with app.test_request_context("/"):
        vietnamese = error_text(error)
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE}=en"}):
        english = error_text(error)
    # Statuses inside the message are named, never shown as codes (issue #14, "One language at a time").
    assert english == "A notice that is 'Sent' cannot become 'Draft'."
    assert "'Đã gửi'" in vietnamese and "'sent'" not in vietnamese and "draft" not in vietnamese
    assert error_text(ValueError("plain")) == "plain"


def catalog_messages():
    with (CATALOG / "messages.po").open("rb") as po:
        catalog = read_po(po)
    return catalog, {(m.context, m.id): m for m in catalog if m.id}


def test_every_message_has_a_vietnamese_translation():
    messages = extracted()
    assert len(messages) > 200  # the templates and the Python code were both read
    assert ("report column", "Collected") in messages and (None, ("%(num)d result", "%(num)d results")) in messages
    catalog, translated = catalog_messages()
    missing = {key: where for key, where in messages.items() if key not in translated}
    assert not missing, f"not in the catalog (run `make translations`, then translate): {missing}"
    for key in messages:
        message = translated[key]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not message.fuzzy and all(s.strip() for s in strings), key
        assert len(strings) == catalog.num_plurals == 1, key  # Vietnamese has one plural form
    stale = set(translated) - set(messages)
    assert not stale, f"in the catalog but no longer in the code: {stale}"
    assert not catalog.obsolete and not catalog.fuzzy


def test_placeholders_survive_translation():
    catalog, translated = catalog_messages()
    assert not [(message.id, errors) for message, errors in catalog.check()]  # Babel's python-format checks
    for key, message in translated.items():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = {frozenset(PLACEHOLDER.findall(text)) for text in ids}
        assert len(wanted) == 1, key  # singular and plural take the same values
        for text in strings:
            assert frozenset(PLACEHOLDER.findall(text)) in wanted, (key, text)
            assert text.count("%") == 2 * text.count("%%") + len(PLACEHOLDER.findall(text)), (key, text)


def test_the_committed_mo_is_the_compiled_po():
    with (CATALOG / "messages.po").open("rb") as po:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(po))
    compiled.seek(0)
    with (CATALOG / "messages.mo").open("rb") as mo:
        committed = read_mo(mo)
    fresh = read_mo(compiled)

    def entries(catalog):
        def hashable(value):
            return tuple(value) if isinstance(value, list | tuple) else value
        return {(m.context, hashable(m.id)): hashable(m.string) for m in catalog}
    assert entries(committed) == entries(fresh)
    assert committed.plural_forms == fresh.plural_forms == "nplurals=1; plural=0;"


# ---- No text written outside a translation call ---------------------------------------------------------

# Words that are the same in both languages: names, formats, units.
NOT_WORDS = {"SafeWatch", "PDF", "Excel", "XLSX", "URL", "SHA-256", "Esc",
             "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"}
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)


def template_texts(source: str) -> list[str]:
    """The words a template writes itself: text and labelling attributes, with Jinja code taken out."""
    markup = JINJA.sub(" ", source)
    page = lxml_html.fragment_fromstring(markup, create_parent="div")
    pieces = page.xpath("//text()[not(ancestor::kbd)]")  # keys are keys in every language
    for attribute in ("title", "aria-label", "alt", "placeholder"):
        pieces += page.xpath(f"//@{attribute}")
    words = re.findall(r"[^\W\d_][\w’'-]*", " ".join(pieces))
    return [word for word in words if word not in NOT_WORDS]


@pytest.mark.parametrize("template", sorted(str(p.relative_to(REVIEW_UI / "templates"))
                                            for p in (REVIEW_UI / "templates").rglob("*.html")))
def test_templates_write_no_text_outside_a_translation_call(template):
    source = (REVIEW_UI / "templates" / template).read_text()
    assert not re.search(r"<small>(?!{[{%])", source), "an inline hint in <small>"
    assert template_texts(source) == [], "text outside _() (translate it, or add it to NOT_WORDS if it is a name)"


def test_the_check_finds_the_old_pattern():
    assert template_texts('<h1>Hàng đợi <small>Queue</small></h1><kbd title="Phím tắt">n</kbd>') == \
        ["Hàng", "đợi", "Queue", "Phím", "tắt"]
    assert template_texts("<h1>{{ _('Queue') }} <span class=\"count\">{{ posts|length }}</span></h1>") == []
