"""The tips table of the period report in its exports (PDF section, XLSX sheets, CSV): the figures of
index/casework/tip_figures.py as they are, with their definitions, and one row per tip counted, so that a reader
can recount every figure. Official documents: Vietnamese, whatever the UI's language. No description or
contact of a reporter leaves the system this way; only references, channels, categories and times."""

from __future__ import annotations

import csv
import io

from index.casework.reports import Report
from index.casework.tip_figures import TipFigures
from review_ui.display import number, percent
from safewatch.taxonomy import BY_CODE

CHANNEL_NAMES = {"web": "Trang tiếp nhận công khai", "api": "API đơn vị phối hợp", "phone": "Điện thoại",
                 "email": "Thư điện tử", "letter": "Thư, văn bản"}
OUTCOME_NAMES = {
    "content_removed": "Nội dung đã được gỡ bỏ", "warning_issued": "Đã cảnh báo",
    "referred_investigation": "Chuyển cơ quan điều tra", "referred_child_protection": "Chuyển cơ quan bảo vệ trẻ em",
    "no_violation": "Không vi phạm", "duplicate": "Trùng tin báo khác", "outside_jurisdiction": "Ngoài thẩm quyền",
    "forwarded": "Chuyển đơn vị khác",
}
# (name on TipFigures, Vietnamese label, kind)
FIGURES = (
    ("received", "Tin báo tiếp nhận trong kỳ", "count"),
    ("triaged", "Tin báo đã phân loại (đến cuối kỳ)", "count"),
    ("triaged_in_time", "Tin báo được phân loại trong thời hạn", "count"),
    ("resolved", "Tin báo đã giải quyết hoặc chuyển (đến cuối kỳ)", "count"),
    ("share_processed", "Tỷ lệ tin báo đã được phân loại, xử lý (mục tiêu 100%)", "share"),
    ("resolution_rate", "Tỷ lệ giải quyết tin báo (mục tiêu trên 96%)", "share"),
)
DEFINITIONS = (
    "Tỷ lệ đã phân loại, xử lý = số tin báo tiếp nhận trong kỳ đã được phân loại đến cuối kỳ (hoặc đến nay) "
    "÷ tổng số tin báo tiếp nhận trong kỳ. Mục tiêu: 100%.",
    "Tỷ lệ giải quyết = số tin báo tiếp nhận trong kỳ đã được giải quyết hoặc chuyển đơn vị khác đến cuối kỳ "
    "(hoặc đến nay) ÷ tổng số tin báo tiếp nhận trong kỳ. Mục tiêu: trên 96%.",
    "Phân loại trong thời hạn: tin báo tiếp nhận trong kỳ được phân loại trước hạn phân loại (mặc định 24 giờ).",
)
ROW_HEADINGS = ("STT", "Số tin báo", "Kênh tiếp nhận", "Mã kênh", "Danh mục", "Mã danh mục", "Ngày tiếp nhận",
                "Hạn phân loại", "Ngày phân loại", "Phân loại trong hạn", "Ngày giải quyết", "Kết quả", "Mã kết quả",
                "Trẻ tự kể (cần chuyển)")


def figures_of(report: Report) -> TipFigures:
    return report.tips or TipFigures()


def shown(value, kind: str) -> str:
    return percent(value, language="vi") if kind == "share" else number(value, language="vi")


def category_name(code: str) -> str:
    return BY_CODE[code].name_vi if code in BY_CODE else ("Chưa rõ" if code == "not_sure" else code)


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("Có" if value else "Không")


def breakdowns(tips: TipFigures) -> list[tuple[str, list[tuple[str, str, int]]]]:
    """(title, [(code, Vietnamese name, count)]) by channel, category and outcome, most first."""
    def rows(counts: dict[str, int], names) -> list[tuple[str, str, int]]:
        return sorted(((code, names(code), n) for code, n in counts.items()), key=lambda row: (-row[2], row[1]))
    return [("Theo kênh tiếp nhận", rows(tips.by_channel, lambda c: CHANNEL_NAMES.get(c, c))),
            ("Theo danh mục", rows(tips.by_category, category_name)),
            ("Đã giải quyết, theo kết quả", rows(tips.by_outcome, lambda c: OUTCOME_NAMES.get(c, c)))]


def tip_rows(tips: TipFigures, when) -> list[tuple]:
    """ROW_HEADINGS' values, one tip a row; `when` renders an ISO time for the format."""
    return [(n, row["reference"], CHANNEL_NAMES.get(row["channel"], row["channel"]), row["channel"],
             category_name(row["category"]), row["category"], when(row["received_at"]), when(row["triage_deadline"]),
             when(row["triaged_at"]), yes_no(row["triaged_in_time"]), when(row["closed_at"]),
             OUTCOME_NAMES.get(row["outcome"], row["outcome"] or ""), row["outcome"] or "", yes_no(row["disclosure"]))
            for n, row in enumerate(tips.rows, 1)]


def add_to_pdf(doc, report: Report, numeral: str) -> None:
    """The section "TIN BÁO, TỐ GIÁC" of the report's PDF (the caller has opened a page)."""
    from review_ui.filters import vn_time
    tips = figures_of(report)
    doc.heading(f"{numeral}. TIN BÁO, TỐ GIÁC ({number(tips.received, language='vi')})")
    doc.grid(("Chỉ tiêu", "Kỳ này"), [(vi, shown(getattr(tips, name), kind)) for name, vi, kind in FIGURES],
             widths=(0.75, 0.25), align=("L", "R"))
    for text in DEFINITIONS:
        doc.paragraph(text)
    for title, rows in breakdowns(tips):
        doc.grid((title, "Số tin báo"), [(name, number(n)) for _code, name, n in rows] or [("Không có số liệu", "")],
                 widths=(0.75, 0.25), align=("L", "R"))
    doc.grid(("TT", "Số tin báo", "Kênh", "Nhóm nội dung", "Tiếp nhận", "Phân loại", "Trong hạn", "Giải quyết",
              "Kết quả"),
             [(n, ref, channel, category, received, triaged, in_time, closed, outcome)
              for n, ref, channel, _c, category, _k, received, _d, triaged, in_time, closed, outcome, *_ in
              tip_rows(tips, vn_time)] or [("", "Không có", "", "", "", "", "", "", "")],
             widths=(0.04, 0.12, 0.12, 0.16, 0.11, 0.11, 0.07, 0.11, 0.16), align=("C", *"L" * 8), size=8)


def add_to_xlsx(book, report: Report, append, vn_datetime, number_formats: dict[str, str]) -> None:
    """Sheets "Tin báo" (figures, definitions, breakdowns) and "DS tin báo" (one row per tip)."""
    tips = figures_of(report)
    sheet = book.create_sheet("Tin báo")
    append(sheet, ("Chỉ tiêu", "Mã", "Kỳ này"))
    for name, vi, kind in FIGURES:
        append(sheet, (vi, name, getattr(tips, name)))
        sheet[sheet.max_row][2].number_format = number_formats[kind]
    append(sheet, ())
    for text in DEFINITIONS:
        append(sheet, (text,))
    for title, rows in breakdowns(tips):
        append(sheet, ())
        append(sheet, (title, "Mã", "Số tin báo"))
        for code, name, n in rows:
            append(sheet, (name, code, n))
    listing = book.create_sheet("DS tin báo")
    append(listing, ROW_HEADINGS)
    for row in tip_rows(tips, vn_datetime):
        append(listing, row)


def tips_csv(report: Report, vn_iso, neutralised) -> bytes:
    """One row per tip counted (UTF-8 with a BOM for Excel; times ISO 8601 in Vietnam time)."""
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(ROW_HEADINGS)
    for row in tip_rows(figures_of(report), vn_iso):
        writer.writerow([neutralised(value) for value in row])
    return ("\ufeff" + stream.getvalue()).encode("utf-8")
