"""Signed-in sessions, kept on the server so that they can end: the browser's cookie holds only a random
token; the session's record (found by a hash of the token) says whose it is and when it began, was
last used and ended. A session is valid while it has not ended (sign-out), was used within the idle
timeout, is younger than its absolute lifetime, and its account is enabled with the session generation
it began with (a new password or disabling the account raises the generation: every session ends,
copies of the cookie included)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from index.storage.repository import Repository

INDEX = "sessions"
TOUCH_EVERY = timedelta(minutes=1)  # last use is written at most this often (one write per minute, not per click)


@dataclass(frozen=True)
class SessionPolicy:
    idle_minutes: float = 30.0
    max_hours: float = 12.0

    @classmethod
    def from_config(cls, config) -> SessionPolicy:
        return cls(config.session_idle_minutes, config.session_max_hours)


def _record_id(token: str) -> str:
    # The index holds hashes only: reading it does not give anyone a working cookie.
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(repo: Repository, user: dict, *, now: datetime, client_address: str | None = None) -> str:
    """A new session for `user` (just authenticated); returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    repo.put_document(INDEX, _record_id(token), {
        "username": user["username"], "generation": int(user.get("session_generation") or 0),
        "created_at": now.isoformat(), "last_seen_at": now.isoformat(), "client_address": client_address})
    return token


def resume_session(repo: Repository, token: str | None, *, now: datetime,
                   policy: SessionPolicy | None = None) -> dict | None:
    """The signed-in user of the session `token`, or None when it is unknown, ended, idle too long,
    too old, or its account disabled or its sessions revoked (the record is then marked ended)."""
    policy = policy or SessionPolicy()
    if not token or not isinstance(token, str):
        return None
    record_id = _record_id(token)
    record = repo.get_document(INDEX, record_id)
    if record is None or record.get("ended_at"):
        return None
    user = repo.get_user(record["username"])
    reason = None
    if now - datetime.fromisoformat(record["created_at"]) >= timedelta(hours=policy.max_hours):
        reason = "expired"
    elif now - datetime.fromisoformat(record["last_seen_at"]) >= timedelta(minutes=policy.idle_minutes):
        reason = "idle"
    elif user is None or user.get("disabled") or int(user.get("session_generation") or 0) != record["generation"]:
        reason = "revoked"
    if reason:
        _end(repo, record_id, reason, now)
        return None
    if now - datetime.fromisoformat(record["last_seen_at"]) >= TOUCH_EVERY:
        repo.update_document(INDEX, record_id, lambda stored: _touched(stored, now))
    return user


def _touched(stored: dict | None, now: datetime) -> dict | None:
    if stored is None or stored.get("ended_at") or datetime.fromisoformat(stored["last_seen_at"]) >= now:
        return None  # ended meanwhile (sign-out in another tab wins), or touched already
    return {**stored, "last_seen_at": now.isoformat()}


def end_session(repo: Repository, token: str | None, *, now: datetime, reason: str = "logout") -> None:
    if token and isinstance(token, str):
        _end(repo, _record_id(token), reason, now)


def _end(repo: Repository, record_id: str, reason: str, now: datetime) -> None:
    def ended(stored: dict | None) -> dict | None:
        if stored is None or stored.get("ended_at"):
            return None
        return {**stored, "ended_at": now.isoformat(), "end_reason": reason}

    repo.update_document(INDEX, record_id, ended)
