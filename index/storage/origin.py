"""Where the request being handled comes from, for the audit trail: the id the server gave it, the id
the client sent (kept apart, never trusted as ours) and the client's address.

The review UI binds it at the start of each request and unbinds it at the end; Repository.append_event
adds it to every event written meanwhile, so every domain function's events carry it without each of
them passing it on. A context variable, so each request (thread) sees only its own.
"""

from __future__ import annotations

import re
from contextvars import ContextVar, Token
from dataclasses import dataclass

CLIENT_REQUEST_ID_LENGTH = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")


@dataclass(frozen=True)
class Origin:
    request_id: str
    client_request_id: str | None = None
    client_address: str | None = None

    def fields(self) -> dict:
        return {name: value for name, value in (("request_id", self.request_id),
                                                ("client_request_id", self.client_request_id),
                                                ("client_address", self.client_address)) if value}


_current: ContextVar[Origin | None] = ContextVar("safewatch_origin", default=None)


def client_request_id(value: str | None) -> str | None:
    """A client's request id as kept in the trail: only letters, digits and . _ : - , at most
    CLIENT_REQUEST_ID_LENGTH characters; None when nothing is left."""
    cleaned = _UNSAFE.sub("", value or "")[:CLIENT_REQUEST_ID_LENGTH]
    return cleaned or None


def bind(origin: Origin) -> Token:
    return _current.set(origin)


def unbind(token: Token) -> None:
    _current.reset(token)


def current_fields() -> dict:
    bound = _current.get()
    return bound.fields() if bound else {}
