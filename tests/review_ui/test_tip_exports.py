"""The tips table in the report's exports (PDF, XLSX, CSV): every tips figure is recounted from the exported
rows, and the rows hold no reporter's description or contact."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from index.casework import tips
from index.casework.accounts import create_user
from index.casework.periods import period
from index.casework.reports import build_report
from index.casework.tips import TipIntake
from review_ui import report_exports, tip_exports
from tests.actors import LAN

OCT = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
AFTER = datetime(2026, 11, 10, tzinfo=UTC)
MONTH = period("month", date(2026, 10, 15))
PASSWORD = "correct-horse-battery"
SECRET = "số điện thoại 0912 345 678 của phụ huynh"


@pytest.fixture
def tipped(repo):
    """Five tips: four received in October 2026 (one triaged in time and resolved, one triaged late and
    forwarded, one never triaged, one resolved only after the period), one in September."""
    def filed(channel, category, at, **extra):
        intake = TipIntake(channel, ("https://forum.example/t/1",), "mô tả " + SECRET, category, contact=SECRET,
                           **extra)
        return tips.file_tip(repo, intake, now=at).tip["id"]

    on_time = filed("web", "grooming", OCT + timedelta(days=1))
    tips.triage(repo, on_time, actor=LAN, now=OCT + timedelta(days=1, hours=2))
    tips.resolve(repo, on_time, actor=LAN, outcome="no_violation", now=OCT + timedelta(days=2))
    late = filed("api", "dangerous_challenge", OCT + timedelta(days=2), partner="Nền tảng A")
    tips.triage(repo, late, actor=LAN, now=OCT + timedelta(days=4))
    tips.forward(repo, late, actor=LAN, unit="PA Hà Nội", now=OCT + timedelta(days=5))
    filed("phone", "not_sure", OCT + timedelta(days=9), entered_by="lan")
    after = filed("letter", "drugs", OCT + timedelta(days=19), entered_by="lan")
    tips.triage(repo, after, actor=LAN, now=OCT + timedelta(days=19, hours=1))
    tips.resolve(repo, after, actor=LAN, outcome="warning_issued", now=OCT + timedelta(days=33))
    filed("email", "scam", OCT - timedelta(days=2), entered_by="lan")
    repo.refresh()
    return repo


def recount(rows: list[dict]) -> dict:
    """The tips figures recounted from exported rows (keys: ROW_HEADINGS)."""
    triaged = [row for row in rows if row["Ngày phân loại"] not in (None, "")]
    closed = [row for row in rows if row["Ngày giải quyết"] not in (None, "")]
    return {"received": len(rows), "by_channel": dict(Counter(row["Mã kênh"] for row in rows)),
            "by_category": dict(Counter(row["Mã danh mục"] for row in rows)), "triaged": len(triaged),
            "triaged_in_time": sum(row["Phân loại trong hạn"] == "Có" for row in rows), "resolved": len(closed),
            "by_outcome": dict(Counter(row["Mã kết quả"] for row in closed)),
            "share_processed": len(triaged) / len(rows), "resolution_rate": len(closed) / len(rows)}


def figures_of(report) -> dict:
    t = report.tips
    return {name: getattr(t, name) for name in ("received", "by_channel", "by_category", "triaged",
                                                "triaged_in_time", "resolved", "by_outcome", "share_processed",
                                                "resolution_rate")}


def test_xlsx_and_csv_rows_recount_every_tips_figure(tipped):
    report = build_report(tipped, MONTH, now=AFTER)
    expected = {"received": 4, "by_channel": {"web": 1, "api": 1, "phone": 1, "letter": 1},
                "by_category": {"grooming": 1, "dangerous_challenge": 1, "not_sure": 1, "drugs": 1},
                "triaged": 3, "triaged_in_time": 2, "resolved": 2,
                "by_outcome": {"no_violation": 1, "forwarded": 1}, "share_processed": 0.75, "resolution_rate": 0.5}
    assert figures_of(report) == expected

    book = load_workbook(io.BytesIO(report_exports.report_xlsx(report)))
    listing = [[cell.value for cell in row] for row in book["DS tin báo"].iter_rows()]
    assert tuple(listing[0]) == tip_exports.ROW_HEADINGS
    rows = [dict(zip(listing[0], row, strict=True)) for row in listing[1:]]
    assert recount(rows) == expected
    for row in rows:  # "in time" is the export's own times compared
        if row["Ngày phân loại"] is not None:
            assert (row["Phân loại trong hạn"] == "Có") == (row["Ngày phân loại"] <= row["Hạn phân loại"])
    summary = {row[1].value: row[2].value for row in book["Tin báo"].iter_rows(min_row=2, max_row=7)}
    assert summary == {name: expected[name] for name, _vi, _kind in tip_exports.FIGURES}
    assert not any(SECRET in str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)

    text = report_exports.tips_csv(report).decode("utf-8")
    assert text.startswith("\ufeff") and SECRET not in text
    csv_rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert recount(csv_rows) == expected
    for row in csv_rows:
        if row["Ngày phân loại"]:
            triaged, deadline = datetime.fromisoformat(row["Ngày phân loại"]), datetime.fromisoformat(
                row["Hạn phân loại"])
            assert triaged.utcoffset() == timedelta(hours=7)
            assert (row["Phân loại trong hạn"] == "Có") == (triaged <= deadline)


def test_pdf_has_the_tips_section_and_the_routes_serve_the_csv(app, tipped):
    report = build_report(tipped, MONTH, now=AFTER)
    create_user(tipped, "an", PASSWORD, ["analyst"], display_name="An", actor="test")
    create_user(tipped, "lan", PASSWORD, ["reviewer"], display_name="Lan", actor="test")
    client = app.test_client()
    assert client.get("/reports/tips.csv?period=month&date=2026-10-15").status_code == 302  # sign-in first
    assert client.post("/login", data={"username": "lan", "password": PASSWORD}).status_code == 302
    assert client.get("/reports/tips.csv?period=month&date=2026-10-15").status_code == 403
    client = app.test_client()
    assert client.post("/login", data={"username": "an", "password": PASSWORD}).status_code == 302
    page = client.get("/reports?period=month&date=2026-10-15").get_data(as_text=True)
    assert "/reports/tips.csv?period=month&amp;date=2026-10-15" in page
    response = client.get("/reports/tips.csv?period=month&date=2026-10-15")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="safewatch-tin-bao-20261001-20261101.csv"' in response.headers["Content-Disposition"]
    assert response.data == report_exports.tips_csv(build_report(tipped, MONTH))

    pdf = client.get("/reports/report.pdf?period=month&date=2026-10-15").data
    assert pdf.startswith(b"%PDF")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    docx = Document(io.BytesIO(client.get("/reports/report.docx?period=month&date=2026-10-15").data))
    words = " ".join([p.text for p in docx.paragraphs] + [cell.text for table in docx.tables
                                                          for row in table.rows for cell in row.cells])
    for shown in (text, words):
        assert "TIN BÁO, TỐ GIÁC (4)" in shown and SECRET not in shown
        assert "Tỷ lệ giải quyết tin báo (mục tiêu trên 96%)" in shown
        assert "Chuyển đơn vị khác" in shown and "Chưa rõ" in shown
        for row in report.tips.rows:  # a narrow column may wrap a reference
            assert row["reference"] in shown.replace(" ", "")
