"""User accounts stored in the users index: roles, hashed passwords, enable/disable."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from werkzeug.security import check_password_hash, generate_password_hash

from index.repository import Repository
from safewatch.errors import SafeWatchError

ROLES = ("reviewer", "analyst", "supervisor", "admin")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
MIN_PASSWORD_LENGTH = 10


class AccountError(SafeWatchError, ValueError):
    pass


def create_user(repo: Repository, username: str, password: str, roles: list[str],
                display_name: str = "") -> dict:
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise AccountError("Username: 2-63 characters, lower-case letters, digits, '.', '_' or '-'.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Password must have at least {MIN_PASSWORD_LENGTH} characters.")
    unknown = [role for role in roles if role not in ROLES]
    if not roles or unknown:
        raise AccountError(f"Roles must be among: {', '.join(ROLES)}.")
    if repo.get_user(username) is not None:
        raise AccountError(f"User '{username}' already exists.")
    user = {"username": username, "display_name": display_name or username, "roles": roles,
            "password_hash": generate_password_hash(password), "disabled": False,
            "created_at": datetime.now(UTC).isoformat()}
    repo.put_user(user, create=True)
    return user


def authenticate(repo: Repository, username: str, password: str) -> dict | None:
    user = repo.get_user(username.strip().lower())
    if user is None:
        # Spend the same time as a real check, so timing does not reveal which names exist.
        check_password_hash(_DUMMY_HASH, password)
        return None
    if user.get("disabled") or not check_password_hash(user["password_hash"], password):
        return None
    return user


def set_password(repo: Repository, username: str, password: str) -> None:
    """A new password (and the account enabled); the hash scheme lives here only."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Password must have at least {MIN_PASSWORD_LENGTH} characters.")
    user = repo.get_user(username)
    if user is None:
        raise AccountError(f"No user '{username}'.")
    repo.put_user({**user, "password_hash": generate_password_hash(password), "disabled": False}, create=False)


def set_disabled(repo: Repository, username: str, disabled: bool) -> None:
    user = repo.get_user(username)
    if user is None:
        raise AccountError(f"No user '{username}'.")
    repo.put_user({**user, "disabled": disabled}, create=False)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))
