"""Template filters. Post text is hostile: it is always escaped before any markup is added."""

from __future__ import annotations

from markupsafe import Markup, escape

from safewatch.taxonomy import BY_CODE

STATUS_LABELS = {
    "collected": "Đã thu thập", "flagged": "Bị gắn cờ", "in_review": "Đang xem xét",
    "dismissed": "Đã bỏ qua", "confirmed": "Đã xác nhận", "warning_issued": "Đã cảnh báo",
    "takedown_requested": "Đã yêu cầu gỡ", "removed": "Đã gỡ", "overdue": "Quá hạn",
    "reappeared": "Xuất hiện lại",
}


def highlighted(fragment: str) -> Markup:
    """Elasticsearch highlight (marked with \\x02…\\x03) -> escaped HTML with <mark>."""
    return Markup(str(escape(fragment)).replace("\x02", "<mark>").replace("\x03", "</mark>"))


def category_name(code: str) -> str:
    category = BY_CODE.get(code)
    return category.name_vi if category else code


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", status or "")


def init_app(app) -> None:
    app.add_template_filter(highlighted)
    app.add_template_filter(category_name)
    app.add_template_filter(status_label)
