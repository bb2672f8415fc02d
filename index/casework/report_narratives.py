"""What the supervisor writes into a period's report for the steering committee: the assessment
(đánh giá), the difficulties (khó khăn, vướng mắc) and the recommendations (kiến nghị, đề xuất).

One narrative per period (its first day and the day after its last: a custom range with the dates of a
month is that month's report). Only a supervisor (or an admin) writes it, whoever calls; a save made
on an earlier revision than the stored one is refused rather than overwriting a colleague's text; every
save that changes something is appended to the audit trail with the new texts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from index.casework.periods import Period
from index.casework.permissions import Actor, PermissionDenied
from index.storage.repository import Repository
from safewatch.errors import SafeWatchError

SECTIONS = ("assessment", "difficulties", "recommendations")
WRITERS = ("supervisor",)
MAX_CHARS = 20_000  # per section: several pages of a report
# Control characters (other than line breaks and tabs) and bidirectional overrides are dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class NarrativeError(SafeWatchError, ValueError):
    """The narrative cannot be saved as written."""


class NarrativeChanged(NarrativeError):
    """Someone saved the narrative since it was read."""


@dataclass(frozen=True)
class Narrative:
    period_start: date
    period_end: date  # exclusive
    sections: Mapping[str, str] = field(default_factory=lambda: dict.fromkeys(SECTIONS, ""))
    revision: int = 0  # 0: never saved
    updated_by: str | None = None
    updated_at: str | None = None

    @property
    def is_empty(self) -> bool:
        return not any(self.sections.get(name) for name in SECTIONS)


def narrative_id(period: Period) -> str:
    return f"{period.start.isoformat()}_{period.end.isoformat()}"


def normalized(text: object) -> str:
    """A section as stored: line breaks as \\n, control characters dropped, blank edges trimmed."""
    text = "" if text is None else str(text)
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def get_narrative(repo: Repository, period: Period) -> Narrative:
    stored = repo.get_report_narrative(narrative_id(period))
    if not stored:
        return Narrative(period.start, period.end)
    return _narrative(stored)


def save_narrative(repo: Repository, period: Period, sections: Mapping[str, object], *, actor: Actor,
                   revision: int, request_id: str | None = None, now: datetime | None = None) -> Narrative:
    """Store the period's narrative. `revision` is the one the writer read (0 for none): if someone
    saved since, NarrativeChanged. Sections not given keep their stored text; unknown ones are refused."""
    if not actor.holds(*WRITERS):
        raise PermissionDenied("Only a supervisor may write the report's assessment, difficulties and "
                               "recommendations.")
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise NarrativeError("Unknown section(s): %(sections)s.", sections=", ".join(unknown))
    texts = {name: normalized(value) for name, value in sections.items()}
    if any(len(text) > MAX_CHARS for text in texts.values()):
        raise NarrativeError("A section holds at most %(limit)d characters; shorten it or move details "
                                 "to an annex.", limit=MAX_CHARS)
    moment = (now or datetime.now(UTC)).isoformat()
    changed: list[str] = []

    def change(stored: dict | None) -> dict | None:
        current = (stored or {}).get("revision", 0)
        if current != revision:
            raise NarrativeChanged("Someone saved this report's narrative meanwhile; reload the page and "
                                   "write your changes again.")
        before = (stored or {}).get("sections") or {}
        changed[:] = [name for name in SECTIONS if name in texts and texts[name] != before.get(name, "")]
        if not changed:
            return None
        return {"period_start": period.start.isoformat(), "period_end": period.end.isoformat(),
                "sections": {name: texts.get(name, before.get(name, "")) for name in SECTIONS},
                "revision": current + 1, "updated_by": actor.name, "updated_at": moment}

    stored, wrote = repo.update_report_narrative(narrative_id(period), change)
    if wrote and stored:
        repo.append_event({"action": "report_narrative_saved", "actor": actor.name, "request_id": request_id,
                           "at": moment, "details": {
                               "period": {"start": period.start.isoformat(), "end_exclusive": period.end.isoformat()},
                               "revision": stored["revision"], "changed": changed,
                               "texts": {name: stored["sections"][name] for name in changed}}})
    return _narrative(stored) if stored else Narrative(period.start, period.end)


def _narrative(stored: dict) -> Narrative:
    sections = stored.get("sections") or {}
    return Narrative(date.fromisoformat(stored["period_start"]), date.fromisoformat(stored["period_end"]),
                     {name: sections.get(name, "") for name in SECTIONS}, stored.get("revision", 0),
                     stored.get("updated_by"), stored.get("updated_at"))
