"""How many tips one client address may file on the public page: a sliding window, counted in one
conditional write per tip (Repository.update_document), so tips sent at once are all counted."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from index.storage.repository import Repository
from safewatch.errors import SafeWatchError

INDEX = "tip_throttle"


class TooManyTips(SafeWatchError):
    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        super().__init__("Too many reports from your connection: please try again in %(minutes)d minute(s), "
                         "or call the hotline 111.", minutes=minutes)


def reserve(repo: Repository, address: str | None, *, limit: int, window_minutes: float, now: datetime,
            kind: str = "tip") -> None:
    """Count one tip (or, kind "status", one status look-up) from `address`, or raise TooManyTips when the
    window is full."""
    start = now - timedelta(minutes=window_minutes)
    refused: list[datetime] = []

    def change(current: dict | None) -> dict | None:
        recent = sorted(a for a in (current or {}).get("attempts", []) if datetime.fromisoformat(a) > start)
        refused.clear()
        if len(recent) >= limit:
            refused.append(datetime.fromisoformat(recent[0]) + timedelta(minutes=window_minutes))
            return None
        return {"attempts": [*recent, now.isoformat()]}

    repo.update_document(INDEX, f"{kind}:{(address or 'unknown')[:64]}", change, refresh=True)
    if refused:
        raise TooManyTips(max(1, math.ceil((refused[0] - now).total_seconds() / 60)))
