"""What the post page says about a post's media and watch-rule hits, in the UI's language: why a
media file was not kept (the crawler records it in English, index/storage/media.py and media_fetch.py), and
which watch rule matched, by its name, never its regular expression."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import format_decimal, lazy_gettext

from classifier.rule_names import pattern_names
from classifier.rules import DEFAULT_RULES
from review_ui.filters import category_name, in_ui_language
from review_ui.language import ui_language

# The crawler's reasons, recognised by their English wording (values kept: numbers, types).
_SKIP_REASONS: tuple[tuple[re.Pattern, object], ...] = tuple((re.compile(pattern, re.S), text) for pattern, text in (
    (r"type (?P<type>.*) is not kept \(only JPEG, PNG, GIF, WebP\)",
     lazy_gettext("type %(type)s is not kept (only JPEG, PNG, GIF, WebP)")),
    (r"larger than (?P<bytes>[\d,]+) bytes", lazy_gettext("larger than %(bytes)s bytes")),
    (r"declared (?P<type>.*) but the content is not an image of an allowed type",
     lazy_gettext("declared %(type)s but the content is not an image of an allowed type")),
    (r"HTTP (?P<status>\d{3})", lazy_gettext("the server answered HTTP %(status)s")),
    (r"refused: not a public web address", lazy_gettext("refused: not a public web address")),
    (r"disallowed by robots\.txt", lazy_gettext("disallowed by the site's robots.txt")),
    (r"not fetched.*", lazy_gettext("could not be fetched")),
    (r"not a web address", lazy_gettext("not a web address")),
    (r"a video \(only images are kept\)", lazy_gettext("a video (only images are kept)")),
    (r"only the first (?P<limit>\d+) media of a post are kept",
     lazy_gettext("only the first %(limit)s media of a post are kept")),
))
_REGEX_SIGNS = re.compile(r"[\\()\[\]*+?{}|^$]")


def skip_reason(reason: str | None) -> str:
    """Why a media file was not kept, in the UI's language; an unknown reason as written."""
    for pattern, text in _SKIP_REASONS:
        found = pattern.fullmatch((reason or "").strip())
        if found:
            values = found.groupdict()
            if "type" in values and values["type"] == "not given":
                values["type"] = str(lazy_gettext("not given"))
            if "bytes" in values:
                values["bytes"] = format_decimal(int(values["bytes"].replace(",", "")))
            return str(text) % values
    return reason or "—"


def rule_hit(hit: str) -> str:
    """A stored rule hit ("drugs:<term or regex>") as "<category>: <term or the pattern's name>"."""
    code, _, rule = hit.partition(":")
    config = current_app.config.get("SAFEWATCH")
    rules_file = getattr(config, "rules_file", None) or DEFAULT_RULES
    name = pattern_names(rules_file).get((code, rule))
    if name is not None:
        shown = name["en" if ui_language() == "en" else "vi"]
    elif _REGEX_SIGNS.search(rule):  # a pattern no longer in the file: never show the regex
        shown = str(lazy_gettext("a pattern rule"))
    else:
        shown = rule  # a term: the words themselves
    return f"{category_name(code)}: {shown}"


def init_app(app) -> None:
    app.add_template_filter(in_ui_language(skip_reason), "skip_reason")
    app.add_template_filter(in_ui_language(rule_hit), "rule_hit")
