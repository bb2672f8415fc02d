"""Errors a user can cause or fix: every package raises subclasses of SafeWatchError with a
message that says what to do; the command line prints it without a traceback."""

from __future__ import annotations

import errno


class SafeWatchError(Exception):
    """Base of all errors whose message is meant for the person running SafeWatch.

    Messages are English. One written as a template with named values, e.g.
    `NoticeError("Unknown post(s): %(posts)s.", posts=...)`, can also be shown in another language:
    the review UI looks `template` up in its catalog and fills in `values` (review_ui/display.py
    `error_text`); `make translations` extracts such templates from index/."""

    def __init__(self, message: str = "", *args, **values) -> None:
        self.template, self.values = message, values
        super().__init__(message % values if values else message, *args)


def user_message(error: BaseException) -> str | None:
    if isinstance(error, SafeWatchError):
        return str(error)
    if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
        return ("A port SafeWatch needs is already in use. Stop the program using it, or choose another "
                "port with SAFEWATCH_UI_PORT, SAFEWATCH_DEMO_SITE_PORT or SAFEWATCH_ES_PORT.")
    from elasticsearch import ConnectionError as ESConnectionError
    from elasticsearch import NotFoundError
    if isinstance(error, NotFoundError) and error.error == "index_not_found_exception":
        return "SafeWatch's indices are missing or out of date; run `safewatch index setup` first."
    if isinstance(error, ESConnectionError):
        return ("Elasticsearch is not reachable. Start the embedded node with `safewatch es start`, "
                f"or check SAFEWATCH_ES_URL. ({error.message})")
    return None
