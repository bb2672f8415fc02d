"""The report the supervisor sends to the steering committee, as PDF and as an editable DOCX with the
same content: the legal basis and the programme in full administrative form (safewatch/citations.yml),
the figures and the committee's tables (review_ui/report_exports.py), the narrative the supervisor
wrote (index.casework.report_narratives) in its sections, the removed posts, and the signature block.

Like the other exports, the document is Vietnamese whatever the UI's language."""

from __future__ import annotations

from datetime import date, timedelta

from index.casework.report_narratives import SECTIONS, Narrative
from index.casework.reports import Report
from review_ui import tip_exports
from review_ui.display import change, number
from review_ui.documents import Letterhead, OfficialDocument, place_and_date
from review_ui.filters import vn_time
from review_ui.report_exports import (
    BREAKDOWNS,
    TABLE_COLUMNS,
    TABLES,
    breakdown_rows,
    figure_rows,
    indicator_rows,
    met_word,
    period_words,
    removed_rows,
    shown,
    table_rows,
    target_words,
)
from review_ui.word_documents import OfficialDocx
from safewatch.citations import Citations


def N_(message: str) -> str:
    """Marks an English message for extraction; translated where shown."""
    return message


# The supervisor's sections: (name in index.casework.report_narratives, Vietnamese heading, English heading).
NARRATIVE_SECTIONS = (
    ("assessment", "ĐÁNH GIÁ CHUNG", N_("Assessment")),
    ("difficulties", "KHÓ KHĂN, VƯỚNG MẮC", N_("Difficulties and obstacles")),
    ("recommendations", "KIẾN NGHỊ, ĐỀ XUẤT", N_("Recommendations and proposals")),
)
assert tuple(name for name, _vi, _en in NARRATIVE_SECTIONS) == SECTIONS
NOT_WRITTEN = "……………………………………………………………………………………"
NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def legal_basis(citations: Citations) -> list[str]:
    """"Căn cứ …;" lines: every configured document, in the file's order."""
    return [f"Căn cứ {document.citation};" for document in citations.documents]


def programme_sentence(report: Report, citations: Citations, unit: str) -> str:
    last = report.period.end - timedelta(days=1)
    return (f"Thực hiện {citations.programme_words(report.period.start, last)}, {unit} báo cáo kết quả phát hiện, "
            f"xử lý thông tin vi phạm gây hại cho trẻ em trên không gian mạng {period_words(report)} như sau "
            f"(kỳ trước: {report.period.previous().label}):")


def narrative_paragraphs(narrative: Narrative | None, name: str) -> list[str]:
    text = (narrative.sections.get(name) if narrative else "") or ""
    return [part.strip() for part in text.split("\n\n") if part.strip()] or [NOT_WRITTEN]


def write_report(doc: OfficialDocument | OfficialDocx, report: Report, letterhead: Letterhead, *, today: date,
                 narrative: Narrative | None, citations: Citations) -> None:
    """The report's content, drawn on a PDF (OfficialDocument) or Word (OfficialDocx) document."""
    doc.national_header(number="……/BC", subject=None, place_date=place_and_date(letterhead.place, today))
    doc.title_block("BÁO CÁO", "Kết quả phát hiện, xử lý thông tin vi phạm gây hại cho trẻ em trên không gian mạng",
                    f"({period_words(report)})")
    for line in legal_basis(citations):
        doc.paragraph(line, style="I")
    unit = letterhead.unit[:1] + letterhead.unit[1:].lower()
    doc.paragraph(programme_sentence(report, citations, unit))
    numerals = iter(NUMERALS)
    doc.grid(("TT", "Chỉ tiêu", "Kỳ này", "Kỳ trước", "Thay đổi"),
             [(n, row["vi"], shown(row["now"], row["kind"]), shown(row["before"], row["kind"]), change(row["change"]))
              for n, row in enumerate(figure_rows(report), 1)],
             widths=(0.07, 0.48, 0.15, 0.15, 0.15), align=("C", "L", "R", "R", "R"),
             title=f"{next(numerals)}. SỐ LIỆU TỔNG HỢP")
    doc.grid(("Chỉ tiêu", "Kết quả", "Mục tiêu", "Đánh giá"),
             [(row["vi"], shown(row["value"], "share"), target_words(row), met_word(row["met"]))
              for row in indicator_rows(report)], widths=(0.5, 0.15, 0.15, 0.2), align=("L", "R", "R", "C"),
             title=f"{next(numerals)}. CHỈ TIÊU CỦA KẾ HOẠCH")
    for name, vi, _en in NARRATIVE_SECTIONS:
        doc.heading(f"{next(numerals)}. {vi}")
        for text in narrative_paragraphs(narrative, name):
            doc.paragraph(text)
    doc.new_page(landscape=True)
    for name, vi, _en in TABLES:
        numeral = next(numerals)
        for title, figures in (("kỳ này", report.figures), ("kỳ trước", report.previous)):
            doc.grid(("Nhóm", *(heading for _n, heading, _en, _k in TABLE_COLUMNS)),
                     [(label, *(shown(columns[c], kind) for c, _vi, _en, kind in TABLE_COLUMNS))
                      for _key, label, columns in table_rows(figures, name)] or
                     [("Không có số liệu", *[""] * len(TABLE_COLUMNS))],
                     widths=(0.1, *[0.06] * len(TABLE_COLUMNS)), align=("L", *"R" * len(TABLE_COLUMNS)), size=7.5,
                     title=f"{numeral}. {vi.upper()} ({title})")
    doc.new_page()
    for name, vi, _en in BREAKDOWNS:
        rows = breakdown_rows(report, name)
        doc.grid(("TT", "Nhóm", "Thu thập (bài)", "Đã gỡ (bài)"),
                 [(n, label, number(c), number(r)) for n, (_k, label, c, r) in enumerate(rows, 1)] or
                 [("", "Không có số liệu", "", "")], widths=(0.07, 0.57, 0.18, 0.18), align=("C", "L", "R", "R"),
                 title=f"{next(numerals)}. {vi.upper()}")
    doc.grid(("Tháng", "Thu thập"), [(month, number(n)) for month, n in report.figures.collected_per_month] or
             [("—", "0")], widths=(0.5, 0.5), align=("C", "R"), title=f"{next(numerals)}. SỐ BÀI THU THẬP THEO THÁNG")
    doc.new_page(landscape=True)
    doc.grid(("TT", "Đường dẫn (URL)", "Nhóm nội dung", "Gửi văn bản", "Ngày gỡ", "Số giờ", "Trong hạn",
              "SHA-256 bằng chứng"),
             [(n, r["url"], r["categories"], vn_time(r["requested_at"]), vn_time(r["removed_at"]), number(r["hours"]),
               r["within"], r["evidence_sha256"] or f"(nội dung) {r['content_hash']}")
              for n, r in enumerate(removed_rows(report), 1)] or [("", "Không có", "", "", "", "", "", "")],
             widths=(0.04, 0.27, 0.14, 0.1, 0.1, 0.06, 0.07, 0.22), align=("C", "L", "L", "C", "C", "R", "C", "L"),
             size=8.5, title=f"{next(numerals)}. DANH SÁCH BÀI ĐÃ ĐƯỢC GỠ BỎ ({len(report.removed_items)})")
    doc.new_page()
    tip_exports.add_to_pdf(doc, report, next(numerals))
    doc.signature(recipients=("Ban Chỉ đạo (để báo cáo);", "Lưu: VT, hồ sơ."))


def report_pdf(report: Report, letterhead: Letterhead, *, today: date, narrative: Narrative | None,
               citations: Citations) -> bytes:
    doc = OfficialDocument(letterhead, title=f"Báo cáo SafeWatch {report.period.label}")
    write_report(doc, report, letterhead, today=today, narrative=narrative, citations=citations)
    return doc.to_bytes()


def report_docx(report: Report, letterhead: Letterhead, *, today: date, narrative: Narrative | None,
                citations: Citations) -> bytes:
    doc = OfficialDocx(letterhead, title=f"Báo cáo SafeWatch {report.period.label}")
    write_report(doc, report, letterhead, today=today, narrative=narrative, citations=citations)
    return doc.to_bytes()
