"""The UI's language (Flask-Babel): Vietnamese unless the user chose English with the switcher in the
header. The choice lives in a long-lived cookie; it is never guessed from Accept-Language, since the
unit works in Vietnamese whatever language a browser was installed with.

Messages are written in English in the code (the gettext norm) and translated by the catalog in
review_ui/translations/vi. Official documents (the letter, the report's PDF, XLSX and CSV) are
Vietnamese whatever the UI language: they hold their own Vietnamese text and never go through here.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, g, has_request_context, redirect, request
from flask_babel import Babel, get_locale, gettext, lazy_gettext

from review_ui.labels import LABELS as NOTICE_LABELS
from review_ui.labels import ROLE_LABELS, STATUS_LABELS
from review_ui.security import repository, safe_next

# Each language named in itself: the switcher shows "English" to a Vietnamese page and back.
LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LANGUAGE = "vi"
COOKIE = "safewatch_language"
# The errors of index/ whose messages reach the UI; their English templates are extracted into the
# catalog like the UI's own messages (`make translations` passes these names as keywords).
DOMAIN_ERRORS = ("TransitionError", "ConcurrentChange", "NoticeError", "AccountError", "PeriodError",
                 "SavedSearchError", "SavedSearchNotFound", "IndexBusy", "QueryError", "PermissionDenied",
                 "NoticeStateError", "AlreadyHolding", "NarrativeError", "NarrativeChanged", "CaseError",
                 "CaseNotFound", "TipError", "PartnerError", "TooManyTips")
COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()
bp = Blueprint("language", __name__)


def chosen_language() -> str:
    """The locale selector: the cookie's language if it is one we have, otherwise Vietnamese."""
    if has_request_context():
        chosen = request.cookies.get(COOKIE)
        if chosen in LANGUAGES:
            return chosen
    return DEFAULT_LANGUAGE


def ui_language() -> str:
    """The language of the page being rendered ("vi" or "en")."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


@bp.route("/language", methods=["POST"])
def choose():
    """Switch the language (a form with the CSRF token on every page) and go back to the page, only
    ever a local path (no open redirect). Signed-in users' switches are audited."""
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400)
    response = redirect(safe_next(request.form.get("next")))
    response.set_cookie(COOKIE, language, max_age=COOKIE_MAX_AGE, path="/", httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    if g.get("user"):
        repository().append_event({"action": "language_changed", "actor": g.user["username"],
                                   "request_id": g.request_id, "details": {"language": language}})
    return response


def error_text(error: BaseException) -> str:
    """An error's message in the UI's language: a SafeWatchError's English template (see
    safewatch/errors.py) looked up in the catalog and filled in; any other error as it is."""
    template = getattr(error, "template", None)
    if not template:
        return str(error)
    return gettext(template, **{name: _named(name, value) for name, value in error.values.items()})


# Values of an error that hold codes: statuses (of a post or a notice) and roles, shown by their names.
_STATUS_VALUES = ("status", "current", "target", "allowed")
_ROLE_VALUES = ("role", "roles")
_NONE = lazy_gettext("none")


def _named(name: str, value):
    if not isinstance(value, str) or name not in (*_STATUS_VALUES, *_ROLE_VALUES):
        return value
    labels = ROLE_LABELS if name in _ROLE_VALUES else {**NOTICE_LABELS, **STATUS_LABELS, "none": _NONE}
    return ", ".join(str(labels.get(part.strip(), part.strip())) for part in value.split(","))


def current_path() -> str:
    """Where the switcher brings the user back to: this page, with its query string."""
    return request.full_path if request.query_string else request.path


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    babel.init_app(app, locale_selector=chosen_language)
    app.register_blueprint(bp)

    @app.context_processor
    def language_helpers() -> dict:
        return {"ui_language": ui_language(), "languages": LANGUAGES, "current_path": current_path}
