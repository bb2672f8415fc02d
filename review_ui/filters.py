"""Template filters. Post text is hostile: it is always escaped before any markup is added."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from index.queries import HIGHLIGHT_END, HIGHLIGHT_START
from safewatch.taxonomy import BY_CODE

STATUS_LABELS = {
    "collected": "Đã thu thập", "flagged": "Bị gắn cờ", "in_review": "Đang xem xét",
    "dismissed": "Đã bỏ qua", "confirmed": "Đã xác nhận", "warning_issued": "Đã cảnh báo",
    "takedown_requested": "Đã yêu cầu gỡ", "removed": "Đã gỡ", "overdue": "Quá hạn",
    "reappeared": "Xuất hiện lại",
}


def highlighted(fragment: str) -> Markup:
    """Elasticsearch highlight (between HIGHLIGHT_START/END) -> escaped HTML with <mark>."""
    return Markup(str(escape(fragment)).replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>"))


VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_time(value: str | None) -> str:
    """ISO time -> "15/10/2026 11:00" in Vietnam time, as reviewers write it."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM)
    return moment.strftime("%d/%m/%Y %H:%M")


def category_name(code: str) -> str:
    category = BY_CODE.get(code)
    return category.name_vi if category else code


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", status or "")


def explained(text: str, explanations: dict | None, category: str | None = None) -> Markup:
    """The post text, escaped, with the spans that drove the classifier marked. Spans come from
    the index and are checked against the text: nothing but <mark> is ever added."""
    spans = []
    for code, items in (explanations or {}).items():
        if category and code != category:
            continue
        for item in items:
            start, end = item.get("start"), item.get("end")
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
                spans.append((start, end, code))
    spans.sort()
    pieces, position = [], 0
    for start, end, code in spans:
        if start < position:  # overlaps the previous span
            continue
        pieces.append(str(escape(text[position:start])))
        pieces.append(f'<mark class="why" title="{escape(category_name(code))}">{escape(text[start:end])}</mark>')
        position = end
    pieces.append(str(escape(text[position:])))
    return Markup("".join(pieces))


def reject_key(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


def init_app(app) -> None:
    app.add_template_filter(reject_key)
    app.add_template_filter(explained)
    app.add_template_filter(highlighted)
    app.add_template_filter(category_name)
    app.add_template_filter(status_label)
    app.add_template_filter(vn_time)
