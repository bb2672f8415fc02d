"""Template filters. Post text is hostile: it is always escaped before any markup is added."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from flask_babel import format_decimal, format_percent
from jinja2 import pass_context
from markupsafe import Markup, escape

from index.storage.queries import HIGHLIGHT_END, HIGHLIGHT_START
from review_ui.labels import CONTEXT_LABELS, ROLE_LABELS, STATUS_LABELS
from review_ui.language import ui_language
from safewatch.taxonomy import BY_CODE
from safewatch.timezones import VIETNAM


def highlighted(fragment: str) -> Markup:
    """Elasticsearch highlight (between HIGHLIGHT_START/END) -> escaped HTML with <mark>."""
    return Markup(str(escape(fragment)).replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>"))




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
    """The category's name from the taxonomy, in the UI's language (an unknown code as it is)."""
    category = BY_CODE.get(code)
    if category is None:
        return code
    return category.name_en if ui_language() == "en" else category.name_vi


def status_label(status: str | None) -> str:
    label = STATUS_LABELS.get(status or "")
    return str(label) if label is not None else status or ""


def context_label(frame: str) -> str:
    label = CONTEXT_LABELS.get(frame)
    return str(label) if label is not None else frame


def role_label(role: str) -> str:
    label = ROLE_LABELS.get(role)
    return str(label) if label is not None else role


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


def in_ui_language(function: Callable) -> Callable:
    """A filter whose output depends on the request's language. Jinja folds a filter applied to a
    constant ({{ 'in_review'|status_label }}) into the compiled template, in the language of the first
    request; a filter that takes the context is never folded."""
    @pass_context
    @functools.wraps(function)
    def language_dependent(_context, *args, **kwargs):
        return function(*args, **kwargs)
    return language_dependent


def init_app(app) -> None:
    app.add_template_filter(explained)
    app.add_template_filter(highlighted)
    app.add_template_filter(in_ui_language(category_name), "category_name")
    app.add_template_filter(in_ui_language(status_label), "status_label")
    app.add_template_filter(in_ui_language(role_label), "role_label")
    app.add_template_filter(in_ui_language(context_label), "context_label")
    app.add_template_filter(vn_time)
    # Numbers with the UI language's marks (Vietnamese: 1.234 and 15,5): {{ x|decimal }}, {{ share|percent }}.
    app.add_template_filter(in_ui_language(lambda value, pattern=None: format_decimal(value, pattern)), "decimal")
    app.add_template_filter(in_ui_language(lambda value, pattern=None: format_percent(value, pattern)), "percent")
