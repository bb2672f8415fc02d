"""Time to removal, defined once: from the sending of the notice that covered a post to the post's
removal, and whether the removal met that notice's deadline. The notice's own figure (index.casework.notices,
when its last post goes) and the reports' figure per removed post (index.casework.reports) both use it."""

from __future__ import annotations

from datetime import datetime


def hours_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 3600, 3)


def removal_timing(sent_at: str | datetime, deadline: str | datetime | None,
                   removed_at: str | datetime) -> tuple[float, bool | None]:
    """(hours from sending to removal, removed by the deadline; None without a deadline)."""
    sent, removed = _moment(sent_at), _moment(removed_at)
    return hours_between(sent, removed), (removed <= _moment(deadline)) if deadline else None


def first_deadline(notice: dict) -> str | None:
    """The deadline of a notice's first sending: a re-sending (escalation) does not reset the clock."""
    sendings = notice.get("sendings") or []
    return (sendings[0].get("deadline") if sendings else None) or notice.get("deadline")


def covering_notice(notices: list[dict], post_id: str, removed_at: str) -> dict | None:
    """The notice whose sending a removal is timed from: of the notices holding the post that were sent
    on or before the removal, a removal request before a warning, then the latest sent."""
    removed = _moment(removed_at)
    sent = [n for n in notices if post_id in n.get("post_ids", ()) and n.get("sent_at")
            and _moment(n["sent_at"]) <= removed]
    if not sent:
        return None
    return max(sent, key=lambda n: (n.get("kind") == "takedown", _moment(n["sent_at"])))


def _moment(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
