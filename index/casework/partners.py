"""API keys of partner units and platforms (`POST /api/v1/tips`).

A key is shown once, when it is made; only its SHA-256 is stored (as the document id), so a stolen index
gives no key. Making and revoking a key are audited; a revoked key answers 401 like an unknown one."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime

from index.storage.repository import Repository
from safewatch.errors import SafeWatchError

INDEX = "partners"
KEY_PREFIX = "swp_"
_NAME = re.compile(r"^[\w .,&()\-]{2,80}$")


class PartnerError(SafeWatchError, ValueError):
    pass


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def add(repo: Repository, name: str, *, actor: str, now: datetime | None = None) -> str:
    """A new key for partner `name`; returns the key (never stored)."""
    name = " ".join((name or "").split())
    if not _NAME.match(name):
        raise PartnerError("A partner's name has 2 to 80 letters, digits, spaces or . , & ( ) -.")
    now = now or datetime.now(UTC)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    repo.create_document(INDEX, _key_hash(key), {"name": name, "key_prefix": key[:10], "created_at": now.isoformat(),
                                                 "created_by": actor})
    repo.append_event({"action": "partner_key_created", "actor": actor, "at": now.isoformat(),
                       "reason": name, "details": {"partner": name, "key_prefix": key[:10]}})
    return key


def authenticate(repo: Repository, key: str | None) -> dict | None:
    """The partner holding `key`, or None (unknown, malformed or revoked)."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    found = repo.get_document(INDEX, _key_hash(key))
    if found is None or found.get("revoked_at"):
        return None
    return found


def listing(repo: Repository) -> list[dict]:
    return repo.search_documents(INDEX, {"match_all": {}}, sort=[{"created_at": "desc"}])


def revoke(repo: Repository, key_id_or_name: str, *, actor: str, now: datetime | None = None) -> list[dict]:
    """Revoke a key (its id in `listing`) or every key of a partner (its name); returns the keys revoked."""
    now = now or datetime.now(UTC)
    chosen = [p for p in listing(repo) if not p.get("revoked_at")
              and (p["id"] == key_id_or_name or p["name"] == key_id_or_name or p["key_prefix"] == key_id_or_name)]
    if not chosen:
        raise PartnerError("No active key with this id, prefix or partner name.")
    for partner in chosen:
        document = {k: v for k, v in partner.items() if k != "id"}
        repo.put_document(INDEX, partner["id"], {**document, "revoked_at": now.isoformat(), "revoked_by": actor})
        repo.append_event({"action": "partner_key_revoked", "actor": actor, "at": now.isoformat(),
                           "reason": partner["name"],
                           "details": {"partner": partner["name"], "key_prefix": partner["key_prefix"]}})
    repo.refresh()
    return chosen
