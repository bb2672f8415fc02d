"""What the report and letter downloads share: the citations settings read at each use (an edit needs no
restart; a mistake in the file is logged with its message and answers 500), and the audit event every
download of an official document (PDF or DOCX) appends."""

from __future__ import annotations

import logging

from flask import abort, current_app, g

from review_ui.security import repository
from safewatch import citations as citation_settings

log = logging.getLogger(__name__)
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def citations() -> citation_settings.Citations:
    try:
        return citation_settings.load(current_app.config["SAFEWATCH"].citations_file)
    except citation_settings.CitationError as error:
        log.error("Cannot produce the document: %s", error)
        abort(500)


def citations_problem() -> str | None:
    """The citations file's mistake, for the report page to show (None when it reads well)."""
    try:
        citation_settings.load(current_app.config["SAFEWATCH"].citations_file)
    except citation_settings.CitationError as error:
        return str(error)
    return None


def audit_export(action: str, document_format: str, *, notice_id: str | None = None, **details) -> None:
    event = {"action": action, "actor": g.user["username"], "request_id": g.request_id,
             "details": {"format": document_format, **details}}
    if notice_id:
        event["notice_id"] = notice_id
    repository().append_event(event)
