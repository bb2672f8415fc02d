"""User accounts stored in the users index: roles, hashed passwords, enable/disable.

Every account change (create, password, disable/enable, roles) names who made it (`actor`: a user
name from the UI, "cli:<os user>" from `safewatch users`) and appends an event to the audit trail
here, so the UI and the command line are audited alike."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from datetime import UTC, datetime, timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from index.repository import Repository
from safewatch.errors import SafeWatchError

ROLES = ("reviewer", "analyst", "supervisor", "admin")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
MIN_PASSWORD_LENGTH = 10
# Login throttling: after this many wrong passwords in a row, sign-in is refused for LOCK_MINUTES
# (doubling with each further lock, up to a day), even with the right password.
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15


class AccountError(SafeWatchError, ValueError):
    pass


class AccountLocked(AccountError):
    def __init__(self, until: datetime, now: datetime) -> None:
        self.until = until
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        super().__init__("Too many wrong passwords: sign-in refused for %(minutes)d more minute(s).", minutes=minutes)
        self.minutes = minutes


def _audit(repo: Repository, action: str, actor: str, username: str, request_id: str | None, **details) -> None:
    repo.append_event({"action": action, "actor": actor, "request_id": request_id,
                       "details": {"username": username, **details}})


def _check_roles(roles: list[str]) -> None:
    unknown = [role for role in roles if role not in ROLES]
    if not roles or unknown:
        raise AccountError("Roles must be among: %(roles)s.", roles=", ".join(ROLES))


def create_user(repo: Repository, username: str, password: str, roles: list[str],
                display_name: str = "", *, actor: str, request_id: str | None = None) -> dict:
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise AccountError("Username: 2-63 characters, lower-case letters, digits, '.', '_' or '-'.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("Password must have at least %(length)d characters.", length=MIN_PASSWORD_LENGTH)
    _check_roles(roles)
    if repo.get_user(username) is not None:
        raise AccountError("User '%(username)s' already exists.", username=username)
    user = {"username": username, "display_name": display_name or username, "roles": roles,
            "password_hash": generate_password_hash(password), "disabled": False,
            "created_at": datetime.now(UTC).isoformat()}
    repo.put_user(user, create=True)
    _audit(repo, "user_created", actor, username, request_id, roles=roles)
    return user


def authenticate(repo: Repository, username: str, password: str, *, now: datetime | None = None) -> dict | None:
    """The user, or None for a wrong name or password. Raises AccountLocked while the account is
    locked after MAX_FAILED_LOGINS wrong passwords in a row (checked before the password, so a
    locked account cannot be probed)."""
    now = now or datetime.now(UTC)
    user = repo.get_user(username.strip().lower())
    if user is None:
        # Spend the same time as a real check, so timing does not reveal which names exist.
        check_password_hash(_DUMMY_HASH, password)
        return None
    locked_until = user.get("locked_until")
    if locked_until and datetime.fromisoformat(locked_until) > now:
        raise AccountLocked(datetime.fromisoformat(locked_until), now)
    if user.get("disabled") or not check_password_hash(user["password_hash"], password):
        if not user.get("disabled"):
            _record_failure(repo, user, now)
        return None
    if user.get("failed_logins") or locked_until:
        user = {**user, "failed_logins": 0, "locked_until": None}
        repo.put_user(user, create=False)
    return user


def _record_failure(repo: Repository, user: dict, now: datetime) -> None:
    failed = int(user.get("failed_logins") or 0) + 1
    changes: dict = {"failed_logins": failed}
    if failed % MAX_FAILED_LOGINS == 0:
        locks = failed // MAX_FAILED_LOGINS
        changes["locked_until"] = (now + timedelta(minutes=min(LOCK_MINUTES * 2 ** (locks - 1), 24 * 60))).isoformat()
    repo.put_user({**user, **changes}, create=False)


def set_password(repo: Repository, username: str, password: str, *, actor: str,
                 request_id: str | None = None) -> None:
    """A new password (and the account enabled); the hash scheme lives here only."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("Password must have at least %(length)d characters.", length=MIN_PASSWORD_LENGTH)
    user = repo.get_user(username)
    if user is None:
        raise AccountError("No user '%(username)s'.", username=username)
    repo.put_user({**user, "password_hash": generate_password_hash(password), "disabled": False,
                   "failed_logins": 0, "locked_until": None}, create=False)
    _audit(repo, "password_reset", actor, username, request_id)


def credential(user: dict) -> str:
    """A fingerprint of the account's current password, kept in its sessions: a new password (a reset
    by an admin, or the user's own) changes it, which ends every session opened with the old one."""
    return hashlib.sha256(f"session:{user.get('password_hash', '')}".encode()).hexdigest()[:32]


def set_disabled(repo: Repository, username: str, disabled: bool, *, actor: str,
                 request_id: str | None = None) -> None:
    user = repo.get_user(username)
    if user is None:
        raise AccountError("No user '%(username)s'.", username=username)
    repo.put_user({**user, "disabled": disabled}, create=False)
    _audit(repo, "user_disabled" if disabled else "user_enabled", actor, username, request_id)


def set_roles(repo: Repository, username: str, roles: list[str], *, actor: str,
              request_id: str | None = None) -> None:
    _check_roles(roles)
    user = repo.get_user(username)
    if user is None:
        raise AccountError("No user '%(username)s'.", username=username)
    repo.put_user({**user, "roles": roles}, create=False)
    _audit(repo, "roles_changed", actor, username, request_id, roles=roles, previous=user.get("roles") or [])


def generate_password() -> str:
    return secrets.token_urlsafe(12)


_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))
