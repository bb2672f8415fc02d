"""Error pages (400, 403, 404, 405, 500) in the app's layout and the UI's language, instead of
Werkzeug's English defaults: the user keeps the menu and the sign-out button."""

from __future__ import annotations

from flask import Flask, g, render_template
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

# code -> (title, explanation)
MESSAGES = {
    400: (lazy_gettext("Bad request"), lazy_gettext("The page received data it cannot use. Go back and try again.")),
    403: (lazy_gettext("Forbidden"), lazy_gettext("Your account may not open this page or do this action.")),
    404: (lazy_gettext("Not found"), lazy_gettext("The page or item does not exist, or the address is wrong.")),
    405: (lazy_gettext("Method not allowed"),
          lazy_gettext("This page does not accept that kind of request. Use the buttons on the page.")),
    500: (lazy_gettext("Server error"),
          lazy_gettext("Something went wrong. Try again in a few minutes; if it happens again, tell the "
                       "administrator the request id.")),
}
CSRF_MESSAGE = lazy_gettext("The form expired or lacks its security token. Reload the page and try again.")


def render_error(error: HTTPException):
    code = error.code if error.code in MESSAGES else 500
    title, text = MESSAGES[code]
    if isinstance(error, CSRFError):
        text = CSRF_MESSAGE
    return render_template("errors/error.html", code=code, title=str(title), text=str(text),
                           request_id=g.get("request_id") if code == 500 else None), code


def init_app(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, render_error)
