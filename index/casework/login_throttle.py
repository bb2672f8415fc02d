"""Wrong passwords: a lock per account name and a sliding window per client address.

Both are counted *before* the password is checked and in one conditional write each
(Repository.update_document), so thirty guesses sent at once are thirty counted guesses: no more than
`max_failures` of them are ever checked against the password before the name locks. A name that does
not exist is counted and locked exactly like a real one, so a lock reveals nothing about who exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from index.storage.repository import Repository
from safewatch.errors import SafeWatchError

INDEX = "login_throttle"
MAX_LOCK = timedelta(days=1)
UNKNOWN_ADDRESS = "unknown"


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5  # wrong passwords in a row that lock an account name
    lock_minutes: float = 15.0  # the first lock; each further series without success doubles it
    address_max_failures: int = 20  # wrong passwords from one address within the window
    address_window_minutes: float = 15.0

    @classmethod
    def from_config(cls, config) -> LoginPolicy:
        return cls(config.login_max_failures, config.login_lock_minutes, config.login_address_max_failures,
                   config.login_address_window_minutes)


class TooManyAttempts(SafeWatchError):
    """Sign-in refused for a while, whatever the password (the same answer for a locked account, a
    locked unknown name and a throttled address)."""

    def __init__(self, until: datetime, now: datetime) -> None:
        self.until = until
        self.minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        super().__init__("Too many wrong passwords: sign-in refused for %(minutes)d more minute(s).",
                         minutes=self.minutes)


def account_key(username: str) -> str:
    return f"account:{username[:64]}"


def address_key(address: str | None) -> str:
    return f"address:{(address or UNKNOWN_ADDRESS)[:64]}"


def reserve(repo: Repository, username: str, address: str | None, policy: LoginPolicy, now: datetime) -> str:
    """Count one attempt against the address and the account name, or raise TooManyAttempts. Returns
    the attempt's stamp, for `succeeded`."""
    stamp = now.isoformat()
    window_start = now - timedelta(minutes=policy.address_window_minutes)

    def add_attempt(stored: dict | None) -> dict | None:
        recent = [at for at in (stored or {}).get("attempts", []) if datetime.fromisoformat(at) > window_start]
        if len(recent) >= policy.address_max_failures:
            return None
        return {"attempts": [*recent, stamp]}

    stored, counted = repo.update_document(INDEX, address_key(address), add_attempt)
    if not counted:
        assert stored is not None  # not counted: the document is there, and says why
        oldest = min(moment for moment in map(datetime.fromisoformat, stored["attempts"]) if moment > window_start)
        raise TooManyAttempts(oldest + timedelta(minutes=policy.address_window_minutes), now)

    def add_failure(stored: dict | None) -> dict | None:
        stored = stored or {}
        locked_until = stored.get("locked_until")
        if locked_until and datetime.fromisoformat(locked_until) > now:
            return None
        failures = int(stored.get("failures") or 0) + 1
        changes = {"failures": failures, "locked_until": locked_until}
        if failures % policy.max_failures == 0:  # this attempt is the last one checked before the lock
            lock = timedelta(minutes=policy.lock_minutes) * 2 ** (failures // policy.max_failures - 1)
            changes["locked_until"] = (now + min(lock, MAX_LOCK)).isoformat()
        return changes

    stored, counted = repo.update_document(INDEX, account_key(username), add_failure)
    if not counted:
        assert stored is not None
        raise TooManyAttempts(datetime.fromisoformat(stored["locked_until"]), now)
    return stamp


def succeeded(repo: Repository, username: str, address: str | None, stamp: str) -> None:
    """The right password: the name's count starts again, and this attempt no longer counts
    against the address (its earlier wrong ones still do)."""
    repo.update_document(INDEX, account_key(username), lambda stored: {"failures": 0, "locked_until": None})

    def drop_attempt(stored: dict | None) -> dict | None:
        attempts = list((stored or {}).get("attempts", []))
        if stamp not in attempts:
            return None
        attempts.remove(stamp)
        return {"attempts": attempts}

    repo.update_document(INDEX, address_key(address), drop_attempt)


def unlock(repo: Repository, username: str) -> None:
    """An admin's reset: the name may sign in again at once."""
    repo.delete_document(INDEX, account_key(username))


def locked_until(repo: Repository, username: str, now: datetime) -> str | None:
    """Until when `username` is locked (ISO time), or None (for the admin page)."""
    until = (repo.get_document(INDEX, account_key(username)) or {}).get("locked_until")
    return until if until and datetime.fromisoformat(until) > now else None


def failures(repo: Repository, username: str) -> int:
    """Wrong passwords in a row on `username` (for tests and the admin page)."""
    return int((repo.get_document(INDEX, account_key(username)) or {}).get("failures") or 0)
