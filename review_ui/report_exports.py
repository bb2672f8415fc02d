"""The periodic report as rows (for the page), PDF, XLSX and CSV. Every figure is taken from
index.reports as it is; this module only labels and lays them out.

The exports are official documents: Vietnamese whatever the UI's language. Their labels are written
here in Vietnamese; the English of FIGURES and BREAKDOWNS is the message id the report page translates
(review_ui/translations), and a test checks that the catalog's Vietnamese is this module's."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from index.reports import Report
from review_ui.display import change, number, percent
from review_ui.documents import Letterhead, OfficialDocument, place_and_date
from review_ui.filters import vn_time
from safewatch.taxonomy import BY_CODE


def N_(message: str) -> str:
    """Marks an English message for extraction (pybabel's default keyword); translated where shown."""
    return message


# (name on Figures, Vietnamese label, English label, kind)
FIGURES = (
    ("collected", "Tổng số bài thu thập", N_("Posts collected"), "count"),
    ("flagged", "Bài bị gắn cờ (nghi vi phạm)", N_("Posts flagged (suspected violations)"), "count"),
    ("reviewed", "Bài đã xem xét", N_("Posts reviewed"), "count"),
    ("reviewed_share", "Tỷ lệ đã xem xét trên số gắn cờ", N_("Reviewed share of flagged"), "share"),
    ("confirmed", "Xác nhận vi phạm", N_("Violations confirmed"), "count"),
    ("dismissed", "Không vi phạm (bỏ qua)", N_("No violation (dismissed)"), "count"),
    ("warnings", "Cảnh báo đã gửi", N_("Warnings sent"), "count"),
    ("removal_requests", "Yêu cầu gỡ bỏ đã gửi", N_("Removal requests sent"), "count"),
    ("removed", "Nội dung đã được gỡ bỏ", N_("Content removed"), "count"),
    ("removal_rate", "Tỷ lệ yêu cầu đã được gỡ bỏ", N_("Removal rate"), "share"),
    ("median_hours_to_removal", "Thời gian gỡ bỏ trung vị (giờ)", N_("Median hours to removal"), "hours"),
    ("p90_hours_to_removal", "Thời gian gỡ bỏ P90 (giờ)", N_("P90 hours to removal"), "hours"),
    ("within_deadline", "Tỷ lệ gỡ bỏ trong thời hạn 24 giờ", N_("Share removed within the 24-hour deadline"),
     "share"),
    ("overdue", "Quá hạn, nội dung vẫn còn", N_("Overdue, still online"), "count"),
)
BREAKDOWNS = (
    ("categories", "Theo danh mục vi phạm", N_("By category")),
    ("platform", "Theo nền tảng", N_("By platform")),
    ("source", "Theo nguồn thu thập", N_("By source")),
    ("status", "Theo trạng thái hiện tại", N_("By current status")),
)
# Post statuses as the documents name them (the UI's names, in its language, are filters.STATUS_LABELS).
STATUS_NAMES = {
    "collected": "Đã thu thập", "flagged": "Bị gắn cờ", "in_review": "Đang xem xét",
    "dismissed": "Đã bỏ qua", "confirmed": "Đã xác nhận", "warning_issued": "Đã cảnh báo",
    "takedown_requested": "Đã yêu cầu gỡ", "removed": "Đã gỡ", "overdue": "Quá hạn",
    "reappeared": "Xuất hiện lại",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def shown(value: float | int | None, kind: str, language: str = "vi") -> str:
    return percent(value, language=language) if kind == "share" else number(value, language=language)


def figure_rows(report: Report) -> list[dict]:
    return [{"name": name, "vi": vi, "en": en, "kind": kind, "now": getattr(report.figures, name),
             "before": getattr(report.previous, name), "change": report.change(name)}
            for name, vi, en, kind in FIGURES]


def category_name(code: str) -> str:
    """The category's Vietnamese name (an unknown code as it is)."""
    return BY_CODE[code].name_vi if code in BY_CODE else code


def key_label(breakdown: str, key: str) -> str:
    """A breakdown's key as the documents name it: categories and statuses in Vietnamese."""
    if breakdown == "categories":
        return category_name(key)
    return STATUS_NAMES.get(key, key) if breakdown == "status" else key


def breakdown_rows(report: Report, breakdown: str) -> list[tuple[str, str, int, int]]:
    """(key, label, collected, removed), most collected first."""
    table = report.figures.by.get(breakdown, {})
    rows = [(key, key_label(breakdown, key), v.get("collected", 0), v.get("removed", 0)) for key, v in table.items()]
    return sorted(rows, key=lambda row: (-row[2], -row[3], row[1]))


def removed_rows(report: Report) -> list[dict]:
    rows = []
    for item in report.removed_items:
        within = item.get("within_deadline")
        rows.append({"url": item.get("url") or "", "category_codes": list(item.get("categories") or []),
                     "categories": "; ".join(category_name(c) for c in item.get("categories") or []),
                     "platform": item.get("platform") or "", "source": item.get("source") or "",
                     "requested_at": item.get("takedown_requested_at"), "removed_at": item.get("removed_at"),
                     "hours": item.get("hours_to_removal"),
                     "within_deadline": within, "within": "—" if within is None else ("Có" if within else "Không"),
                     "evidence_sha256": (item.get("evidence") or {}).get("sha256") or "",
                     "content_hash": item.get("content_hash") or ""})
    return rows


def period_words(report: Report) -> str:
    last = report.period.end - timedelta(days=1)
    return f"từ ngày {report.period.start:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"


# ---- PDF --------------------------------------------------------------------------------------

def report_pdf(report: Report, letterhead: Letterhead, *, today: date) -> bytes:
    doc = OfficialDocument(letterhead, title=f"Báo cáo SafeWatch {report.period.label}")
    doc.national_header(number="……/BC", subject=None, place_date=place_and_date(letterhead.place, today))
    doc.title_block("BÁO CÁO", "Kết quả phát hiện, xử lý thông tin vi phạm gây hại cho trẻ em trên không gian mạng",
                    f"({period_words(report)})")
    unit = letterhead.unit[:1] + letterhead.unit[1:].lower()
    doc.paragraph(f"Thực hiện Quyết định số 830/QĐ-TTg ngày 01/6/2021 của Thủ tướng Chính phủ phê duyệt Chương trình "
                  f"\"Bảo vệ và hỗ trợ trẻ em tương tác lành mạnh, sáng tạo trên môi trường mạng giai đoạn "
                  f"2021-2025\", {unit} báo cáo kết quả {period_words(report)} như sau (kỳ trước: "
                  f"{report.period.previous().label}):")
    doc.heading("I. SỐ LIỆU TỔNG HỢP")
    doc.grid(("TT", "Chỉ tiêu", "Kỳ này", "Kỳ trước", "Thay đổi"),
             [(n, row["vi"], shown(row["now"], row["kind"]), shown(row["before"], row["kind"]), change(row["change"]))
              for n, row in enumerate(figure_rows(report), 1)],
             widths=(0.07, 0.48, 0.15, 0.15, 0.15), align=("C", "L", "R", "R", "R"))
    for number_, (name, vi, _en) in zip(("II", "III", "IV", "V"), BREAKDOWNS, strict=True):
        doc.heading(f"{number_}. {vi.upper()}")
        rows = breakdown_rows(report, name)
        doc.grid(("TT", "Nhóm", "Thu thập", "Đã gỡ"),
                 [(n, label, number(c), number(r)) for n, (_k, label, c, r) in enumerate(rows, 1)] or
                 [("", "Không có số liệu", "", "")], widths=(0.07, 0.57, 0.18, 0.18), align=("C", "L", "R", "R"))
    doc.heading("VI. SỐ BÀI THU THẬP THEO THÁNG")
    doc.grid(("Tháng", "Thu thập"), [(month, number(n)) for month, n in report.figures.collected_per_month] or
             [("—", "0")], widths=(0.5, 0.5), align=("C", "R"))
    doc.add_page(orientation="landscape")
    doc.heading(f"VII. DANH SÁCH NỘI DUNG ĐÃ ĐƯỢC GỠ BỎ ({len(report.removed_items)})")
    doc.grid(("TT", "Đường dẫn (URL)", "Danh mục", "Ngày yêu cầu", "Ngày gỡ", "Số giờ", "Trong hạn",
              "SHA-256 bằng chứng"),
             [(n, r["url"], r["categories"], vn_time(r["requested_at"]), vn_time(r["removed_at"]), number(r["hours"]),
               r["within"], r["evidence_sha256"] or f"(nội dung) {r['content_hash']}")
              for n, r in enumerate(removed_rows(report), 1)] or [("", "Không có", "", "", "", "", "", "")],
             widths=(0.04, 0.27, 0.14, 0.1, 0.1, 0.06, 0.07, 0.22), align=("C", "L", "L", "C", "C", "R", "C", "L"),
             size=8.5)
    doc.signature(recipients=("Ban Chỉ đạo (để báo cáo);", "Lưu: VT, hồ sơ."))
    return doc.to_bytes()


# ---- XLSX and CSV -----------------------------------------------------------------------------

def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _append(sheet, values) -> None:
    sheet.append([_text(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl would store "=..." as a formula: crawled text never is one


def report_xlsx(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Số liệu"
    _append(sheet, ("Chỉ tiêu", "Indicator", "Kỳ này", "Kỳ trước", "Thay đổi"))
    for row in figure_rows(report):
        _append(sheet, (row["vi"], row["en"], row["now"], row["before"], row["change"]))
        for cell, kind in zip(sheet[sheet.max_row][2:], (row["kind"], row["kind"], "share"), strict=True):
            cell.number_format = {"share": "0.0%", "hours": "0.0", "count": "0"}[kind]
    _append(sheet, ())
    _append(sheet, ("Kỳ báo cáo", report.period.label, "Kỳ trước", report.period.previous().label))
    for name, vi, _en in BREAKDOWNS:
        part = book.create_sheet(vi.removeprefix("Theo ").capitalize()[:31])
        _append(part, ("Mã", "Tên", "Thu thập", "Đã gỡ"))
        for row in breakdown_rows(report, name):
            _append(part, row)
    months = book.create_sheet("Theo tháng")
    _append(months, ("Tháng", "Thu thập"))
    for row in report.figures.collected_per_month:
        _append(months, row)
    removed = book.create_sheet("Đã gỡ")
    _append(removed, REMOVED_HEADINGS)
    for n, row in enumerate(removed_rows(report), 1):
        _append(removed, (n, row["url"], row["categories"], row["platform"], row["source"],
                          vn_time(row["requested_at"]), vn_time(row["removed_at"]), row["hours"], row["within"],
                          row["evidence_sha256"], row["content_hash"]))
    for part in book.worksheets:
        part.column_dimensions["A"].width = 36 if part.title == "Số liệu" else 14
        part.column_dimensions["B"].width = 48
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


REMOVED_HEADINGS = ("STT", "Đường dẫn (URL)", "Danh mục", "Nền tảng", "Nguồn", "Ngày yêu cầu gỡ", "Ngày gỡ",
                    "Số giờ đến khi gỡ", "Trong hạn", "SHA-256 bằng chứng", "SHA-256 nội dung")


def neutralised(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP: prefix with a quote)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def removed_csv(report: Report) -> bytes:
    """The removed items, UTF-8 with a BOM so that Excel reads Vietnamese correctly."""
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(REMOVED_HEADINGS)
    for n, row in enumerate(removed_rows(report), 1):
        hours = "" if row["hours"] is None else f"{row['hours']:.1f}"
        writer.writerow([neutralised(v) for v in (
            n, row["url"], row["categories"], row["platform"], row["source"], vn_time(row["requested_at"]),
            vn_time(row["removed_at"]), hours, row["within"], row["evidence_sha256"], row["content_hash"])])
    return ("\ufeff" + stream.getvalue()).encode("utf-8")
