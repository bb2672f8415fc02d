"""The report page and its exports, on a small, fully known history: every figure shown is the one
index.casework.reports computes, exports open in their programs, hostile crawled values stay inert."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from index.casework import lifecycle, notices
from index.casework.accounts import create_user
from index.casework.notices import NoticeDraft
from index.casework.periods import period
from index.casework.reports import build_report
from review_ui.report_exports import FIGURES, TABLE_COLUMNS, shown
from safewatch.records import post_id_for
from tests.actors import CHIEF, LAN, RECHECK

PASSWORD = "correct-horse-battery"
SEP, OCT = datetime(2026, 9, 10, 3, 0, tzinfo=UTC), datetime(2026, 10, 10, 3, 0, tzinfo=UTC)
HOSTILE_URL = '=HYPERLINK("javascript:alert(1)")<script>alert(2)</script>'
OCTOBER = "/reports?period=month&date=2026-10-15"
USERS = {"lan": ["reviewer"], "an": ["analyst"], "chief": ["supervisor"], "root": ["admin"]}


@pytest.fixture
def people(repo):
    for name, roles in USERS.items():
        create_user(repo, name, PASSWORD, roles, actor="test")
    return repo


def signed_in(app, username):
    client = app.test_client()
    if username:
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def add_post(repo, n, collected, *, labels=("drugs",), platform="forum", source="demo", url=None):
    url = url or f"http://f.example/{n}"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": f"bài {n} <script>alert(1)</script>",
                             "status": "flagged" if labels else "collected", "labels": list(labels),
                             "collected_at": collected.isoformat(), "platform": platform, "source": source,
                             "priority": 1.0, "content_hash": f"hash{n}",
                             "evidence": {"id": f"ev{n}", "sha256": f"{n:02d}" * 32, "url": url,
                                          "captured_at": collected.isoformat()}}])
    return post_id_for(url)


def review(repo, post_id, when, confirm=True):
    lifecycle.claim(repo, post_id, reviewer="lan", now=when)
    lifecycle.decide(repo, post_id, reviewer="lan", confirm=confirm, categories=["drugs"] if confirm else [],
                     now=when)


def request_removal(repo, post_ids, when):
    notice = notices.draft(repo, NoticeDraft("takedown", "platform", "Forum", tuple(post_ids)), actor=LAN,
                           now=when)
    notices.approve(repo, notice["notice_id"], actor=CHIEF, now=when)
    return notices.send(repo, notice["notice_id"], channel="electronic", actor=LAN, sent_at=when, now=when)


@pytest.fixture
def history(people):
    """September: 2 collected, 1 removed in 10 h. October: 5 collected (4 flagged), 3 confirmed,
    1 dismissed, 3 removal requests: one removed late (30 h), one in 5 h, one still online."""
    september = [add_post(people, 1, SEP), add_post(people, 2, SEP, labels=())]
    review(people, september[0], SEP)
    request_removal(people, [september[0]], SEP)
    notices.record_removal(people, september[0], actor=RECHECK,
                           removed_at=SEP + timedelta(hours=10), now=SEP + timedelta(hours=10))
    october = [add_post(people, n, OCT) for n in (10, 11, 12)]
    add_post(people, 13, OCT, labels=(), platform="facebook")
    hostile = add_post(people, 14, OCT, platform="@evil", source="+cmd", url=HOSTILE_URL)
    for post_id in (october[0], october[1], hostile):
        review(people, post_id, OCT)
    review(people, october[2], OCT, confirm=False)
    for post_id in (october[0], october[1], hostile):
        request_removal(people, [post_id], OCT)
    notices.record_removal(people, october[0], actor=RECHECK,
                           removed_at=OCT + timedelta(hours=30), now=OCT + timedelta(hours=30))
    notices.record_removal(people, hostile, actor=RECHECK,
                           removed_at=OCT + timedelta(hours=5), now=OCT + timedelta(hours=5))
    people.refresh()
    return people


ROUTES = ["/reports", OCTOBER, "/reports/report.pdf", "/reports/report.xlsx", "/reports/removed.csv"]


@pytest.mark.parametrize("path", ROUTES)
def test_every_route_and_every_role(app, people, path):
    for username in [None, *USERS]:
        response = signed_in(app, username).get(path)
        if username is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        elif username == "lan":  # reviewers do not see reports
            assert response.status_code == 403
        else:
            assert response.status_code == 200, (path, username)


def test_the_page_shows_exactly_the_figures_of_index_reports(app, history):
    report = build_report(history, period("month", date(2026, 10, 15)))
    f = report.figures
    assert (f.collected, f.flagged, f.reviewed, f.confirmed, f.dismissed) == (5, 4, 4, 3, 1)
    assert (f.removal_requests, f.removed, f.overdue, f.share_removed_within_deadline) == (3, 2, 1, 0.5)
    html = signed_in(app, "chief").get(OCTOBER).get_data(as_text=True)
    shown_figures = dict(re.findall(r'data-figure="(\w+)">([^<]*)</td>', html))
    assert shown_figures == {name: shown(getattr(f, name), kind) for name, _vi, _en, kind in FIGURES}
    assert shown_figures["removal_rate"] == "66,7%" and shown_figures["collected"] == "5"
    assert "01/10/2026 – 31/10/2026" in html and "01/09/2026 – 30/09/2026" in html
    assert "+150,0%" in html  # collected: 5 against 2
    assert "Ma túy, chất kích thích, rượu bia, thuốc lá" in html  # categories by their Vietnamese names
    assert "<svg" in html and 'class="bar-1"' in html and ' style="' not in html
    assert "01" * 32 not in html  # September's removed item is not October's
    assert "10" * 32 in html and "14" * 32 in html


def test_hostile_values_are_inert_in_the_page(app, history):
    html = signed_in(app, "an").get(OCTOBER).get_data(as_text=True)
    assert "<script>alert" not in html and 'href="=HYPERLINK' not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_the_default_period_is_the_current_six_months(app, people):
    from review_ui.reports import today
    html = signed_in(app, "an").get("/reports").get_data(as_text=True)
    assert period("half", today()).label in html


def test_bad_periods_are_refused_with_a_message(app, people):
    client = signed_in(app, "chief")
    for query in ("period=week", "period=custom&from=2026-10-01", "period=month&date=yesterday",
                  "period=custom&from=1900-01-01&to=2026-01-01"):
        response = client.get(f"/reports?{query}")
        assert response.status_code == 400 and "flash-error" in response.get_data(as_text=True), query
        assert client.get(f"/reports/report.xlsx?{query}").status_code == 400, query
    response = client.get("/reports?period=custom&from=2026-10-01&to=2026-10-31")
    assert response.status_code == 200 and "01/10/2026 – 31/10/2026" in response.get_data(as_text=True)


def test_the_report_pdf_uses_liberation_serif_and_holds_no_script_or_link_actions(app, history):
    response = signed_in(app, "chief").get("/reports/report.pdf?period=month&date=2026-10-15")
    pdf = response.data
    assert response.mimetype == "application/pdf" and pdf.startswith(b"%PDF") and b"LiberationSerif" in pdf
    for marker in (b"/JavaScript", b"/JS", b"/URI", b"/Launch", b"<script"):
        assert marker not in pdf


def test_xlsx_report_has_the_figures_and_no_formulas(app, history):
    report = build_report(history, period("month", date(2026, 10, 15)))
    response = signed_in(app, "an").get("/reports/report.xlsx?period=month&date=2026-10-15")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Số liệu"]
    for row, (name, _vi, _en, _kind) in enumerate(FIGURES, 2):
        assert sheet.cell(row, 3).value == getattr(report.figures, name), name
        assert sheet.cell(row, 4).value == getattr(report.previous, name), name
    platforms = {row[0].value: row for row in book["Nền tảng"].iter_rows(min_row=2)}
    assert platforms["@evil"][0].data_type == "s" and platforms["forum"][2].value == 3
    assert [c.value for c in book["Theo tháng"][2]] == ["2026-10", 5]
    removed = list(book["Đã gỡ"].iter_rows(min_row=2))
    assert len(removed) == 2
    hostile = next(row for row in removed if row[1].value == HOSTILE_URL)
    assert all(cell.data_type != "f" for row in removed for cell in row)
    assert hostile[1].data_type == "s" and hostile[7].value == 5.0 and hostile[8].value == "Có"


def test_csv_of_removed_items_has_a_bom_and_no_formulas(app, history):
    response = signed_in(app, "chief").get("/reports/removed.csv?period=month&date=2026-10-15")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][1] == "Đường dẫn (URL)" and len(rows) == 3
    hostile, late = rows[1], rows[2]  # in order of removal
    assert late[7] == "30.0" and late[8] == "Không" and late[9] == "10" * 32
    assert hostile[1] == "'" + HOSTILE_URL and hostile[3] == "'@evil" and hostile[4] == "'+cmd"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_removed_items_carry_hours_and_deadline(history):
    report = build_report(history, period("month", date(2026, 10, 15)))
    assert [(i["hours_to_removal"], i["within_deadline"]) for i in report.removed_items] == [(5.0, True),
                                                                                            (30.0, False)]
    assert report.removed_items[1]["evidence"]["sha256"] == "10" * 32


def test_xlsx_dates_are_dates_and_every_header_row_is_frozen(app, history):
    """Before: times were text ("11/10/2026 15:00") and the header rows scrolled away."""
    book = load_workbook(io.BytesIO(signed_in(app, "an").get("/reports/report.xlsx?period=month&date=2026-10-15").data))
    assert all(sheet.freeze_panes == "A2" for sheet in book.worksheets)
    first = next(book["Đã gỡ"].iter_rows(min_row=2))
    assert first[5].value == datetime(2026, 10, 10, 10, 0) and first[6].value == datetime(2026, 10, 10, 15, 0)
    assert first[5].is_date and first[5].number_format == "dd/mm/yyyy hh:mm"
    assert book["Nhóm nội dung"].cell(1, 3).value == "Thu thập (bài)"


def test_csv_times_carry_the_vietnam_offset(app, history):
    """Before: "10/10/2026 10:00", a time without its zone."""
    rows = list(csv.reader(io.StringIO(signed_in(app, "chief").get(
        "/reports/removed.csv?period=month&date=2026-10-15").data.decode("utf-8-sig"))))
    assert rows[1][5] == "2026-10-10T10:00:00+07:00" and rows[1][6] == "2026-10-10T15:00:00+07:00"
    assert all(row[column].endswith("+07:00") for row in rows[1:] for column in (5, 6, 12))


def test_the_page_shows_the_committee_table_and_the_plans_indicators(app, history):
    report = build_report(history, period("month", date(2026, 10, 15)))
    html = signed_in(app, "chief").get(OCTOBER).get_data(as_text=True)
    forum = html.split('data-table="platform" data-period="0"')[1].split('data-key="forum"')[1].split("</tr>")[0]
    shown_columns = dict(re.findall(r'data-column="(\w+)">([^<]*)</td>', forum))
    forum_figures = report.figures.table["platform"]["forum"]
    assert shown_columns == {name: shown(forum_figures[name], kind) for name, _vi, _en, kind in TABLE_COLUMNS}
    assert shown_columns["removed"] == "1" and shown_columns["collected"] == "3"
    indicators = dict(re.findall(r'data-indicator="(\w+)">([^<]*)</td>', html))
    assert indicators == {"share_flagged_reviewed": "100,0%", "resolution_rate": "66,7%"}
    assert "Chưa đạt" in html and "&gt; 96,0%" in html
