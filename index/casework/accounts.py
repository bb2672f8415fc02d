"""User accounts stored in the users index: roles, hashed passwords, the password rule, enable/disable,
and sign-in (wrong passwords are counted in index.casework.login_throttle; sessions live in index.casework.sessions).

Every account change (create, password, disable/enable, roles) names who made it (`actor`: a user
name from the UI, "cli:<os user>" from `safewatch users`) and appends an event to the audit trail
here, so the UI and the command line are audited alike."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from index.casework import login_throttle
from index.casework.login_throttle import LoginPolicy, TooManyAttempts
from index.storage.repository import Repository
from safewatch.errors import SafeWatchError

ROLES = ("reviewer", "analyst", "supervisor", "admin")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256  # hashing a megabyte on every guess would be a denial of service
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# Generated passwords: no look-alikes (0/O/o, 1/l/I/i), so one read aloud or copied by hand works.
PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_FAILED_LOGINS = LoginPolicy.max_failures
AccountLocked = TooManyAttempts  # the name used before sign-in throttling moved to index.casework.login_throttle


class AccountError(SafeWatchError, ValueError):
    pass


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_password_rule(password: str, username: str = "") -> None:
    """Raise AccountError unless `password` may be used: long enough, not too long, not a common
    password, not containing the user name (of 4 or more characters). Every way of setting a
    password goes through here."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("Password must have at least %(length)d characters.", length=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("Password must have at most %(length)d characters.", length=MAX_PASSWORD_LENGTH)
    folded = password.lower()
    if folded in common_passwords() or (len(username) >= 4 and username.lower() in folded):
        raise AccountError("This password is too common or too easy to guess; choose another.")


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
    check_password_rule(password, username)
    _check_roles(roles)
    if repo.get_user(username) is not None:
        raise AccountError("User '%(username)s' already exists.", username=username)
    user = {"username": username, "display_name": display_name or username, "roles": roles,
            "password_hash": generate_password_hash(password), "disabled": False,
            "created_at": datetime.now(UTC).isoformat(), "session_generation": 0}
    repo.put_user(user, create=True)
    _audit(repo, "user_created", actor, username, request_id, roles=roles)
    return user


def authenticate(repo: Repository, username: str, password: str, *, client_address: str | None = None,
                 policy: LoginPolicy | None = None, now: datetime | None = None) -> dict | None:
    """The user, or None for a wrong name or password. Raises TooManyAttempts (alias AccountLocked)
    when the name is locked after `policy.max_failures` wrong passwords in a row, or the address sent
    too many within its window: checked and counted before the password, so a locked name cannot be
    probed and parallel guesses all count. Unknown names go the same way, hash check included."""
    now = now or datetime.now(UTC)
    if not username.strip():
        raise AccountError("Enter your username.")
    name = username.strip().lower()[:64]
    stamp = login_throttle.reserve(repo, name, client_address, policy or LoginPolicy(), now)
    user = repo.get_user(name) if _USERNAME.match(name) else None
    matches = check_password_hash(user["password_hash"] if user else _DUMMY_HASH, password[:MAX_PASSWORD_LENGTH])
    if user is None or user.get("disabled") or not matches:
        return None
    login_throttle.succeeded(repo, name, client_address, stamp)
    return user


def change_own_password(repo: Repository, username: str, current_password: str, new_password: str, *,
                        client_address: str | None = None, policy: LoginPolicy | None = None,
                        now: datetime | None = None) -> dict:
    """A signed-in user's new password: the current one is required (and counted like a sign-in, so a
    stolen session cannot guess it), the rule applies, and every session of the account ends."""
    check_password_rule(new_password, username)
    if authenticate(repo, username, current_password, client_address=client_address, policy=policy,
                    now=now) is None:
        raise AccountError("The current password is wrong.")
    if new_password == current_password:
        raise AccountError("The new password must differ from the current one.")
    return set_password(repo, username, new_password, actor=username)


def set_password(repo: Repository, username: str, password: str, *, actor: str,
                 request_id: str | None = None) -> dict:
    """A new password (and the account enabled, its sign-in lock lifted); every session of the
    account ends. The hash scheme lives here only."""
    check_password_rule(password, username)

    def change(user: dict | None) -> dict:
        if user is None:
            raise AccountError("No user '%(username)s'.", username=username)
        return {**user, "password_hash": generate_password_hash(password), "disabled": False,
                "session_generation": int(user.get("session_generation") or 0) + 1}

    user, _ = repo.update_user(username, change)
    assert user is not None  # update_user raised AccountError for an unknown name
    login_throttle.unlock(repo, username)
    _audit(repo, "password_reset", actor, username, request_id)
    return user


def set_disabled(repo: Repository, username: str, disabled: bool, *, actor: str,
                 request_id: str | None = None) -> None:
    """Disable (every session of the account ends, for good: enabling it again revives none) or enable."""
    def change(user: dict | None) -> dict:
        if user is None:
            raise AccountError("No user '%(username)s'.", username=username)
        generation = int(user.get("session_generation") or 0) + (1 if disabled else 0)
        return {**user, "disabled": disabled, "session_generation": generation}

    repo.update_user(username, change)
    _audit(repo, "user_disabled" if disabled else "user_enabled", actor, username, request_id)


def set_roles(repo: Repository, username: str, roles: list[str], *, actor: str,
              request_id: str | None = None) -> dict:
    """New roles for an account (known roles, at least one); an admin cannot take the admin role from
    their own account (nobody might be left to give it back). Nothing is written or audited when the
    roles do not change. Returns the account."""
    roles = [role for role in ROLES if role in roles]  # one order, no repeats
    _check_roles(roles)
    if actor == username and "admin" not in roles:
        raise AccountError("You cannot take the admin role from your own account.")
    previous: list[str] = []

    def change(user: dict | None) -> dict | None:
        if user is None:
            raise AccountError("No user '%(username)s'.", username=username)
        previous[:] = user.get("roles") or []
        return None if previous == roles else {**user, "roles": roles}

    user, written = repo.update_user(username, change)
    assert user is not None  # update_user raised AccountError for an unknown name
    if written:
        _audit(repo, "roles_changed", actor, username, request_id, roles=roles, previous=previous)
    return user


def generate_password(groups: int = 4, group_length: int = 4) -> str:
    """16 characters from PASSWORD_ALPHABET (about 92 bits) in groups: 'k7Pm-x3Qa-...'."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(group_length))
                    for _ in range(groups))


_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))
