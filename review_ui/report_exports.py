"""The periodic report as rows (for the page and the documents of review_ui/report_document.py), XLSX
and CSV. Every figure is taken from index.casework.reports as it is; this module only labels and lays them out.

The exports are official documents: Vietnamese whatever the UI's language. Their labels are written
here in Vietnamese; the English of FIGURES and BREAKDOWNS is the message id the report page translates
(review_ui/translations), and a test checks that the catalog's Vietnamese is this module's."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from index.casework.reports import UNITS, Figures, Report
from review_ui import tip_exports
from review_ui.display import VIETNAM, number, percent
from safewatch.taxonomy import BY_CODE


def N_(message: str) -> str:
    """Marks an English message for extraction (pybabel's default keyword); translated where shown."""
    return message


# (name on Figures, Vietnamese label, English label, kind): each label names what the figure counts
# (index.casework.reports.UNITS): posts, notices (văn bản) or links.
FIGURES = (
    ("collected", "Tổng số bài thu thập", N_("Posts collected"), "count"),
    ("flagged", "Bài bị gắn cờ (nghi vi phạm)", N_("Posts flagged (suspected violations)"), "count"),
    ("share_flagged_reviewed", "Tỷ lệ bài bị gắn cờ đã được rà soát", N_("Share of flagged posts reviewed"),
     "share"),
    ("reviewed", "Bài đã rà soát", N_("Posts reviewed"), "count"),
    ("confirmed", "Bài được xác nhận vi phạm", N_("Posts confirmed as violating"), "count"),
    ("dismissed", "Bài xác định không vi phạm", N_("Posts found not violating"), "count"),
    ("warnings", "Cảnh báo đã gửi (văn bản)", N_("Warnings sent (notices)"), "count"),
    ("removal_requests", "Yêu cầu gỡ bỏ đã gửi (văn bản)", N_("Removal requests sent (notices)"), "count"),
    ("removal_request_links", "Đường dẫn được yêu cầu gỡ bỏ (bài)", N_("Links in the removal requests (posts)"),
     "count"),
    ("removed", "Bài đã được gỡ bỏ", N_("Posts removed"), "count"),
    ("removed_within_deadline", "Bài được gỡ bỏ trong thời hạn", N_("Posts removed within the deadline"), "count"),
    ("share_removed_within_deadline", "Tỷ lệ bài được gỡ bỏ trong thời hạn",
     N_("Share of removed posts removed within the deadline"), "share"),
    ("median_hours_to_removal", "Thời gian gỡ bỏ trung vị theo bài (giờ)",
     N_("Median hours to removal, per removed post"), "hours"),
    ("p90_hours_to_removal", "Thời gian gỡ bỏ P90 theo bài (giờ)", N_("P90 hours to removal, per removed post"),
     "hours"),
    ("removal_rate", "Tỷ lệ yêu cầu gỡ bỏ đã được gỡ hết (văn bản)",
     N_("Share of removal requests fully removed (notices)"), "share"),
    ("overdue", "Bài quá hạn, vẫn còn trên mạng", N_("Posts overdue, still online"), "count"),
    ("overdue_notices", "Văn bản quá hạn, nội dung vẫn còn", N_("Notices overdue, content still online"), "count"),
    ("referred", "Bài chuyển điều tra", N_("Posts referred to investigation"), "count"),
    ("reappeared", "Bài xuất hiện lại sau khi gỡ", N_("Posts reappeared after removal"), "count"),
    ("resolution_rate", "Tỷ lệ giải quyết (bài xác nhận đã xử lý xong)",
     N_("Resolution rate (confirmed posts closed)"), "share"),
)
# The committee's table (index.casework.reports.TABLES): (name, Vietnamese title, English title).
TABLES = (
    ("categories", "Theo nhóm nội dung", N_("By category")),
    ("platform", "Theo nền tảng", N_("By platform")),
)
# Its columns (index.casework.reports.TABLE_COLUMNS): (name, Vietnamese heading, English heading, kind).
TABLE_COLUMNS = (
    ("collected", "Thu thập (bài)", N_("Collected (posts)"), "count"),
    ("flagged", "Gắn cờ (bài)", N_("Flagged (posts)"), "count"),
    ("reviewed", "Đã rà soát (bài)", N_("Reviewed (posts)"), "count"),
    ("confirmed", "Đã xác nhận vi phạm (bài)", N_("Confirmed (posts)"), "count"),
    ("warnings", "Cảnh báo (văn bản)", N_("Warnings (notices)"), "count"),
    ("removal_requests", "Yêu cầu gỡ bỏ (văn bản)", N_("Removal requests (notices)"), "count"),
    ("removal_request_links", "Yêu cầu gỡ bỏ (đường dẫn)", N_("Removal requests (links)"), "count"),
    ("removed", "Đã gỡ (bài)", N_("Removed (posts)"), "count"),
    ("removed_within_deadline", "Gỡ trong hạn (bài)", N_("Removed within the deadline (posts)"), "count"),
    ("share_removed_within_deadline", "Tỷ lệ gỡ trong hạn", N_("Share removed within the deadline"), "share"),
    ("median_hours_to_removal", "Trung vị (giờ)", N_("Median (hours)"), "hours"),
    ("p90_hours_to_removal", "P90 (giờ)", N_("P90 (hours)"), "hours"),
    ("overdue", "Quá hạn, còn trên mạng (bài)", N_("Overdue, still online (posts)"), "count"),
    ("referred", "Chuyển điều tra (bài)", N_("Referred to investigation (posts)"), "count"),
    ("reappeared", "Xuất hiện lại (bài)", N_("Reappeared (posts)"), "count"),
)
# The plan's indicators (index.casework.reports.INDICATORS): (name, Vietnamese, English).
INDICATORS = (
    ("share_flagged_reviewed", "Tỷ lệ bài bị gắn cờ đã được rà soát", N_("Share of flagged posts reviewed")),
    ("resolution_rate", "Tỷ lệ giải quyết (bài xác nhận đã xử lý xong)",
     N_("Resolution rate (confirmed posts closed)")),
)
BREAKDOWNS = (
    ("source", "Theo nguồn thu thập", N_("By source")),
    ("status", "Theo trạng thái hiện tại", N_("By current status")),
)
# Post statuses as the documents name them (the UI's names, in its language, are filters.STATUS_LABELS).
STATUS_NAMES = {
    "collected": "Đã thu thập", "flagged": "Bị gắn cờ", "in_review": "Đang rà soát",
    "dismissed": "Không vi phạm", "confirmed": "Đã xác nhận", "warning_issued": "Đã cảnh báo",
    "takedown_requested": "Đã yêu cầu gỡ", "removed": "Đã gỡ", "overdue": "Quá hạn",
    "reappeared": "Xuất hiện lại",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def shown(value: float | int | None, kind: str, language: str = "vi") -> str:
    return percent(value, language=language) if kind == "share" else number(value, language=language)


def figure_rows(report: Report) -> list[dict]:
    return [{"name": name, "vi": vi, "en": en, "kind": kind, "unit": UNITS[name], "now": getattr(report.figures, name),
             "before": getattr(report.previous, name), "change": report.change(name)}
            for name, vi, en, kind in FIGURES]


def indicator_rows(report: Report) -> list[dict]:
    labels = {name: (vi, en) for name, vi, en in INDICATORS}
    return [{**found, "vi": labels[found["name"]][0], "en": labels[found["name"]][1]} for found in report.indicators()]


def target_words(row: dict) -> str:
    return ("trên " if row["above"] else "") + shown(row["target"], "share")


def met_word(met: bool | None) -> str:
    return "—" if met is None else ("Đạt" if met else "Chưa đạt")


def category_name(code: str) -> str:
    """The category's Vietnamese name (an unknown code as it is)."""
    return BY_CODE[code].name_vi if code in BY_CODE else code


def key_label(breakdown: str, key: str) -> str:
    """A breakdown's key as the documents name it: categories and statuses in Vietnamese."""
    if breakdown == "categories":
        return category_name(key)
    return STATUS_NAMES.get(key, key) if breakdown == "status" else key


def table_rows(figures: Figures, table: str) -> list[tuple[str, str, dict]]:
    """The committee's table for one period: (key, Vietnamese label, {column: value}), in the order of
    index.casework.reports."""
    return [(key, key_label(table, key), columns) for key, columns in figures.table.get(table, {}).items()]


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
                     "requested_at": item.get("notice_sent_at") or item.get("takedown_requested_at"),
                     "deadline": item.get("notice_deadline"), "notice": item.get("notice_reference") or "",
                     "removed_at": item.get("removed_at"), "hours": item.get("hours_to_removal"),
                     "within_deadline": within, "within": "—" if within is None else ("Có" if within else "Không"),
                     "evidence_sha256": (item.get("evidence") or {}).get("sha256") or "",
                     "content_hash": item.get("content_hash") or ""})
    return rows


def period_words(report: Report) -> str:
    last = report.period.end - timedelta(days=1)
    return f"từ ngày {report.period.start:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"


def vn_iso(value: str | None) -> str:
    """ISO time in Vietnam time with its offset, "2026-10-11T15:00:00+07:00" (CSV)."""
    return datetime.fromisoformat(value).astimezone(VIETNAM).isoformat(timespec="seconds") if value else ""


def vn_datetime(value: str | None) -> datetime | None:
    """ISO time -> a Vietnam wall-clock datetime without zone, as spreadsheets store dates (XLSX)."""
    return datetime.fromisoformat(value).astimezone(VIETNAM).replace(tzinfo=None) if value else None


# ---- XLSX and CSV -----------------------------------------------------------------------------

def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _append(sheet, values) -> None:
    sheet.append([_text(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl would store "=..." as a formula: crawled text never is one
        elif isinstance(cell.value, datetime):
            cell.number_format = DATE_FORMAT


DATE_FORMAT = "dd/mm/yyyy hh:mm"
NUMBER_FORMATS = {"share": "0.0%", "hours": "0.0", "count": "0"}


# Open cases by status (index.casework.cases.figures), for the page and the XLSX sheet "Vụ việc".
CASE_FIGURES = (
    ("open", "Vụ việc đang mở (cuối kỳ)", N_("Cases open (end of period)")),
    ("in_progress", "Vụ việc đang xử lý (cuối kỳ)", N_("Cases in progress (end of period)")),
    ("open_total", "Tổng vụ việc chưa đóng (cuối kỳ)", N_("Cases not closed (end of period)")),
    ("opened", "Vụ việc mở trong kỳ", N_("Cases opened in the period")),
    ("closed", "Vụ việc đóng trong kỳ", N_("Cases closed in the period")),
)


def report_xlsx(report: Report, case_figures: tuple[dict, dict] | None = None) -> bytes:
    """The report as a workbook; with `case_figures` (this period's and the previous one's
    index.casework.cases.figures), a sheet of open cases by status."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Số liệu"
    _append(sheet, ("Chỉ tiêu", "Indicator", "Kỳ này", "Kỳ trước", "Thay đổi", "Đơn vị đếm"))
    for row in figure_rows(report):
        _append(sheet, (row["vi"], row["en"], row["now"], row["before"], row["change"], row["unit"]))
        for cell, kind in zip(sheet[sheet.max_row][2:5], (row["kind"], row["kind"], "share"), strict=True):
            cell.number_format = NUMBER_FORMATS[kind]
    _append(sheet, ())
    _append(sheet, ("Kỳ báo cáo", report.period.label, "Kỳ trước", report.period.previous().label))
    for row in indicator_rows(report):
        _append(sheet, (row["vi"], row["en"], row["value"], row["target"], None,
                        met_word(row["met"])))
        for cell in sheet[sheet.max_row][2:4]:
            cell.number_format = NUMBER_FORMATS["share"]
    for name, vi, _en in TABLES:
        part = book.create_sheet(vi.removeprefix("Theo ").capitalize()[:31])
        _append(part, ("Mã", "Tên", *(h for _c, h, _en, _k in TABLE_COLUMNS),
                       *(f"Kỳ trước: {h}" for _c, h, _en, _k in TABLE_COLUMNS)))
        before = {key: columns for key, _label, columns in table_rows(report.previous, name)}
        now = report.figures.table.get(name, {})
        keys = [*now, *(key for key in before if key not in now)]
        for key in keys:
            _append(part, (key, key_label(name, key), *(now.get(key, {}).get(c) for c, *_ in TABLE_COLUMNS),
                           *(before.get(key, {}).get(c) for c, *_ in TABLE_COLUMNS)))
            for cell, (_c, _vi, _en, kind) in zip(part[part.max_row][2:], TABLE_COLUMNS * 2, strict=True):
                cell.number_format = NUMBER_FORMATS[kind]
    for name, vi, _en in BREAKDOWNS:
        part = book.create_sheet(vi.removeprefix("Theo ").capitalize()[:31])
        _append(part, ("Mã", "Tên", "Thu thập (bài)", "Đã gỡ (bài)"))
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
                          vn_datetime(row["requested_at"]), vn_datetime(row["removed_at"]), row["hours"], row["within"],
                          row["evidence_sha256"], row["content_hash"], row["notice"], vn_datetime(row["deadline"])))
    if case_figures is not None:
        part = book.create_sheet("Vụ việc")
        _append(part, ("Chỉ tiêu", "Indicator", "Kỳ này", "Kỳ trước"))
        for name, vi, en in CASE_FIGURES:
            _append(part, (vi, en, case_figures[0][name], case_figures[1][name]))
    tip_exports.add_to_xlsx(book, report, _append, vn_datetime, NUMBER_FORMATS)
    for part in book.worksheets:
        part.freeze_panes = "A2"  # the header row stays in view
        part.column_dimensions["A"].width = 36 if part.title == "Số liệu" else 14
        part.column_dimensions["B"].width = 48
        for letter in ("F", "G", "M") if part.title == "Đã gỡ" else ():
            part.column_dimensions[letter].width = 17
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


# The columns of the removed posts (CSV, and the XLSX sheet "Đã gỡ"); times in Vietnam time (+07:00).
REMOVED_HEADINGS = ("STT", "Đường dẫn (URL)", "Nhóm nội dung", "Nền tảng", "Nguồn", "Ngày gửi văn bản", "Ngày gỡ",
                    "Số giờ đến khi gỡ", "Trong hạn", "SHA-256 bằng chứng", "SHA-256 nội dung", "Số văn bản",
                    "Hạn gỡ")


def neutralised(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP: prefix with a quote)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def removed_csv(report: Report) -> bytes:
    """The removed posts, UTF-8 with a BOM so that Excel reads Vietnamese correctly; every time in
    ISO 8601 with the Vietnam offset (+07:00); hours to three decimals, as computed."""
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(REMOVED_HEADINGS)
    for n, row in enumerate(removed_rows(report), 1):
        hours = "" if row["hours"] is None else f"{row['hours']:.1f}"
        writer.writerow([neutralised(v) for v in (
            n, row["url"], row["categories"], row["platform"], row["source"], vn_iso(row["requested_at"]),
            vn_iso(row["removed_at"]), hours, row["within"], row["evidence_sha256"], row["content_hash"],
            row["notice"], vn_iso(row["deadline"]))])
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def tips_csv(report: Report) -> bytes:
    """The tips counted in the period's tips table, one a row (review_ui/tip_exports.py)."""
    return tip_exports.tips_csv(report, vn_iso, neutralised)
