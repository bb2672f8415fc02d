"""The document the committee receives: the supervisor's narrative edited on the report page (roles,
CSRF, audit, kept on a conflict), the PDF and DOCX with the same sections and the configured citations,
Liberation Serif, tables that never leave a stray row on a page, and the letters as DOCX."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from docx import Document
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from index.casework import notices, report_narratives
from index.casework.periods import period
from index.casework.reports import Figures, Report, build_report
from review_ui import create_app
from review_ui.documents import Letterhead, find_font
from review_ui.report_document import report_pdf
from review_ui.report_exports import TABLE_COLUMNS, table_rows
from safewatch import citations
from tests.actors import CHIEF
from tests.review_ui.test_notices_pages import confirmed, takedown
from tests.review_ui.test_reports_pages import OCT, OCTOBER, add_post, request_removal, review, signed_in
from tests.review_ui.test_reports_pages import people as people  # noqa: F401 (a fixture)

OCTOBER_PERIOD = period("month", date(2026, 10, 15))
CITATIONS = """programmes:
  - id: ct2026
    years: [2026, 2030]
    citation: Quyết định số 99/QĐ-TTg ngày 02/01/2026 của Thủ tướng Chính phủ phê duyệt Chương trình giai đoạn {period}
documents:
  - {id: luat_tre_em, short: Luật Trẻ em 2016, citation: Luật Trẻ em số 102/2016/QH13 ngày 05/4/2016}
  - {id: nd147, short: Nghị định 147/2024/NĐ-CP, citation: Nghị định số 147/2024/NĐ-CP ngày 09/11/2024 của Chính phủ}
"""
PROGRAMME = "Quyết định số 99/QĐ-TTg ngày 02/01/2026 của Thủ tướng Chính phủ phê duyệt Chương trình giai đoạn 2026-2030"


@pytest.fixture
def citations_file(tmp_path):
    path = tmp_path / "citations.yml"
    path.write_text(CITATIONS, encoding="utf-8")
    return path


def make_app(config, repo, citations_file, **test_config):
    return create_app(replace(config, index_prefix=repo.prefix, citations_file=citations_file),
                      {"TESTING": True, **test_config})


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def events(repo, action):
    repo.refresh()
    return [e for e in repo.scan_events({"term": {"action": action}}, sort=[{"at": "asc"}])]


def test_supervisors_write_the_narrative_with_csrf_and_every_save_is_audited(config, people, citations_file):
    app = make_app(config, people, citations_file)  # CSRF on, as in production
    form = {"period": "month", "date": "2026-10-15", "revision": "0", "assessment": "Đánh giá <b>tốt</b>",
            "difficulties": "Nền tảng xuyên biên giới chậm gỡ.", "recommendations": "Đề nghị bổ sung nhân lực."}

    def client_for(username):
        client = app.test_client()
        token = token_of(client.get("/login").get_data(as_text=True))
        assert client.post("/login", data={"username": username, "password": "correct-horse-battery",
                                           "csrf_token": token}).status_code == 302
        return client

    assert app.test_client().post("/reports/narrative", data=form).status_code in (302, 400)  # signed out
    for username in ("an", "lan"):  # analysts read the narrative, reviewers do not see reports
        client = client_for(username)
        page = client.get(OCTOBER).get_data(as_text=True)
        assert 'action="/reports/narrative"' not in page
        assert client.post("/reports/narrative", data={**form, "csrf_token": token_of(page) if
                                                       "csrf_token" in page else ""}).status_code == 403
    chief = client_for("chief")
    assert chief.post("/reports/narrative", data=form).status_code == 400  # no token
    assert report_narratives.get_narrative(people, OCTOBER_PERIOD).revision == 0
    page = chief.get(OCTOBER).get_data(as_text=True)
    assert 'action="/reports/narrative"' in page and 'name="revision" value="0"' in page
    assert "giai đoạn 2026-2030" in page or "2026-2030" in page  # the programme the documents cite
    response = chief.post("/reports/narrative", data={**form, "csrf_token": token_of(page)})
    assert response.status_code == 303 and "period=month" in response.headers["Location"]
    stored = report_narratives.get_narrative(people, OCTOBER_PERIOD)
    assert stored.revision == 1 and stored.updated_by == "chief"
    assert stored.sections["difficulties"] == "Nền tảng xuyên biên giới chậm gỡ."
    saved = events(people, "report_narrative_saved")
    assert len(saved) == 1 and saved[0]["actor"] == "chief"
    assert saved[0]["details"]["period"] == {"start": "2026-10-01", "end_exclusive": "2026-11-01"}
    assert saved[0]["details"]["texts"]["assessment"] == "Đánh giá <b>tốt</b>"
    html = client_for("an").get(OCTOBER).get_data(as_text=True)  # shown, escaped
    assert "Đánh giá &lt;b&gt;tốt&lt;/b&gt;" in html and "<b>tốt</b>" not in html
    assert "Đề nghị bổ sung nhân lực." in html
    # A save made on the old revision is refused, and what was written stays on the page.
    page = chief.get(OCTOBER).get_data(as_text=True)
    stale = chief.post("/reports/narrative", data={**form, "assessment": "Bản viết song song", "revision": "0",
                                                   "csrf_token": token_of(page)})
    assert stale.status_code == 400 and "Bản viết song song" in stale.get_data(as_text=True)
    assert report_narratives.get_narrative(people, OCTOBER_PERIOD).sections["assessment"] == "Đánh giá <b>tốt</b>"
    assert len(events(people, "report_narrative_saved")) == 1
    # Another month has its own narrative.
    assert report_narratives.get_narrative(people, period("month", date(2026, 9, 1))).is_empty


def test_report_pdf_and_docx_hold_the_narrative_the_citations_and_the_tables(config, people, citations_file):
    posts = [add_post(people, n, OCT) for n in (1, 2, 3)]
    for post_id in posts:
        review(people, post_id, OCT)
    request_removal(people, posts[:2], OCT)
    notices.record_removal(people, posts[0], actor=CHIEF, removed_at=OCT + timedelta(hours=3),
                           now=OCT + timedelta(hours=3))
    report_narratives.save_narrative(people, OCTOBER_PERIOD, {
        "assessment": "Kết quả tháng 10 đạt yêu cầu.\n\nCần duy trì.", "difficulties": "Thiếu cán bộ trực.",
        "recommendations": "Đề xuất tập huấn."}, actor=CHIEF, revision=0)
    app = make_app(config, people, citations_file, WTF_CSRF_ENABLED=False)
    analyst = signed_in(app, "an")
    report = build_report(people, OCTOBER_PERIOD)

    word = analyst.get(OCTOBER.replace("/reports?", "/reports/report.docx?"))
    assert word.status_code == 200 and "attachment" in word.headers["Content-Disposition"]
    assert word.mimetype.endswith("wordprocessingml.document")
    document = Document(io.BytesIO(word.data))
    paragraphs = [p.text for p in document.paragraphs]
    assert f"Thực hiện {PROGRAMME}, " in "\n".join(paragraphs) and "2021-2025" not in "\n".join(paragraphs)
    assert "Căn cứ Luật Trẻ em số 102/2016/QH13 ngày 05/4/2016;" in paragraphs
    headings = [text for text in paragraphs if re.match(r"^[IVX]+\. ", text)]
    assert headings[2:5] == ["III. ĐÁNH GIÁ CHUNG", "IV. KHÓ KHĂN, VƯỚNG MẮC", "V. KIẾN NGHỊ, ĐỀ XUẤT"]
    at = paragraphs.index("III. ĐÁNH GIÁ CHUNG")
    assert paragraphs[at + 1: at + 3] == ["Kết quả tháng 10 đạt yêu cầu.", "Cần duy trì."]
    assert paragraphs[paragraphs.index("IV. KHÓ KHĂN, VƯỚNG MẮC") + 1] == "Thiếu cán bộ trực."
    tables = {}
    for table in document.tables:  # each grid follows its heading paragraph
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        previous = table._tbl.getprevious()
        title = Paragraph(previous, document).text if previous is not None and previous.tag.endswith("}p") else ""
        tables[title] = rows
    committee = tables["VI. THEO NHÓM NỘI DUNG (kỳ này)"]
    assert committee[0][1:] == [heading for _n, heading, _en, _k in TABLE_COLUMNS]
    assert [row[0] for row in committee[1:]] == [label for _k, label, _c in table_rows(report.figures, "categories")]
    removed = tables[f"XI. DANH SÁCH BÀI ĐÃ ĐƯỢC GỠ BỎ ({len(report.removed_items)})"]
    assert len(removed) - 1 == len(report.removed_items) == 1 and removed[1][1] == report.removed_items[0]["url"]
    summary = tables["I. SỐ LIỆU TỔNG HỢP"]
    assert summary[1][1] == "Tổng số bài thu thập" and summary[1][2] == str(report.figures.collected)

    pdf = analyst.get(OCTOBER.replace("/reports?", "/reports/report.pdf?"))
    reader = PdfReader(io.BytesIO(pdf.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for words in ("ĐÁNH GIÁ CHUNG", "Thiếu cán bộ trực.", "Đề xuất tập huấn.", "giai đoạn 2026-2030"):
        assert words in text
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("LiberationSerif" in name for name in fonts)
    exported = events(people, "report_exported")
    assert [e["details"]["format"] for e in exported] == ["docx", "pdf"] and exported[0]["actor"] == "an"
    assert exported[0]["details"]["period"]["start"] == "2026-10-01"
    assert signed_in(app, "lan").get("/reports/report.docx").status_code == 403
    assert signed_in(app, None).get("/reports/report.docx").status_code == 302


def test_letters_as_docx_cite_in_full_and_list_every_post(config, people, citations_file):
    posts = [confirmed(people, n) for n in (1, 2, 3)]
    notice = takedown(people, posts)
    app = make_app(config, people, citations_file, WTF_CSRF_ENABLED=False)
    path = f"/notices/{notice['notice_id']}/letter.docx"
    assert signed_in(app, None).get(path).status_code == 302
    response = signed_in(app, "an").get(path)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Căn cứ Điều 6 Luật Trẻ em số 102/2016/QH13 ngày 05/4/2016;" in text
    assert "Căn cứ Nghị định số 147/2024/NĐ-CP ngày 09/11/2024 của Chính phủ (gỡ bỏ trong 24 giờ);" in text
    assert f"Thực hiện {PROGRAMME}, qua công tác theo dõi" in text
    evidence = document.tables[1]  # after the national header
    assert [row.cells[0].text for row in evidence.rows] == ["STT", "1", "2", "3"]
    assert all(url in "\n".join(row.cells[1].text for row in evidence.rows)
               for url in notice["post_urls"])
    assert evidence.rows[0]._tr.trPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
    pdf_text = "\n".join(page.extract_text() for page in
                         PdfReader(io.BytesIO(signed_in(app, "an").get(path.replace(".docx", ".pdf")).data)).pages)
    assert "Điều 6 Luật Trẻ em số 102/2016/QH13" in pdf_text
    exported = events(people, "letter_exported")
    assert [(e["notice_id"], e["details"]["format"]) for e in exported] == [(notice["notice_id"], "docx"),
                                                                             (notice["notice_id"], "pdf")]


def test_a_long_report_never_leaves_a_stray_row_on_a_page():
    removed = [{"id": f"p{n}", "url": f"https://f.example/p{n:04d}", "categories": ["drugs"] if n % 3 else
                ["gambling", "scam", "grooming"], "platform": "forum", "source": "demo",
                "removed_at": "2026-10-10T10:00:00+00:00", "notice_sent_at": "2026-10-10T03:00:00+00:00",
                "notice_reference": "0001/2026/SW", "hours_to_removal": 7.0, "within_deadline": True,
                "evidence": {"sha256": f"{n:064x}"}, "content_hash": f"{n:064x}"} for n in range(1, 84)]
    figures = Figures(collected=500, removed=len(removed), removed_rows=removed)
    report = Report(OCTOBER_PERIOD, figures, Figures())
    pdf = report_pdf(report, Letterhead(), today=date(2026, 11, 2), narrative=None,
                     citations=citations.load(citations.DEFAULT_FILE))
    reader = PdfReader(io.BytesIO(pdf))
    seen: list[int] = []
    pages_with_rows = 0
    for page in reader.pages:
        text = page.extract_text()
        rows = sorted({int(n) for n in re.findall(r"p(\d{4})", text)})
        if rows:
            pages_with_rows += 1
            assert len(rows) >= 2, f"a page holds a single row: {rows}"
            assert "Đường dẫn (URL)" in text  # the header repeated on every page of the table
        elif "Đường dẫn (URL)" in text:
            pytest.fail("a page holds the table's header alone")
        seen += rows
    assert seen == list(range(1, 84)) and pages_with_rows >= 3


@pytest.mark.parametrize("rows", range(14, 40))
def test_tables_of_any_length_break_between_rows_only(rows):
    from review_ui.documents import OfficialDocument
    doc = OfficialDocument(Letterhead(), title="t")
    doc.paragraph("Mở đầu. " * 120)
    doc.grid(("TT", "Nội dung"), [(n, f"r{n:03d} " + "chữ " * (n % 5 * 12)) for n in range(1, rows + 1)],
             widths=(0.1, 0.9), title="I. BẢNG")
    reader = PdfReader(io.BytesIO(doc.to_bytes()))
    counts = [len(set(re.findall(r"r(\d{3})", page.extract_text()))) for page in reader.pages]
    assert sum(counts) == rows and all(count != 1 for count in counts), counts
    first = next(page.extract_text() for page, count in zip(reader.pages, counts, strict=True) if count)
    assert "I. BẢNG" in first  # the title stays with the first rows


def test_without_liberation_serif_the_pdf_falls_back_and_says_what_to_install(tmp_path):
    font = find_font([tmp_path])
    assert font.family == "DejaVuSerif" and "fonts-liberation2" in font.warning
    assert all(file.is_file() for _style, file in font.files)
    assert find_font().family == "LiberationSerif"  # installed here (Makefile BROWSER_PACKAGES)
