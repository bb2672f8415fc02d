"""Why a change happened, as the audit trail stores it: a reason code with its values
(`{"reason_code": "claimed_with", "reason_values": {"post": "p-12"}}`), so that every page can say it
in its reader's language (review_ui/audit_text.py). The English sentence is kept in `reason` too, for
the command line and for reading the raw trail; text a person typed (a reviewer's note, the reason
for reopening) is stored as typed, in `reason` or in the values.

Events written before the codes existed hold only the English sentence in `reason`; `legacy_code`
recognises those sentences so that they are shown translated too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# code -> the English sentence, a template over the reason's values.
TEMPLATES: dict[str, str] = {
    "claimed_for_review": "claimed for review",
    "claimed_with": "claimed with %(post)s",
    "released": "released",
    "released_other_claim": "released: another post was claimed at the same time",
    "reopened": "reopened: %(note)s",
    "undo_failed": "changed again before a failed change could be undone",
    "notice_sent": "%(reference)s sent by %(channel)s",
    "notice_resent": "%(reference)s re-sent by %(channel)s",
    "notice_reference": "%(reference)s",
    "deadline_passed": "%(reference)s: deadline %(deadline)s passed",
    "removal_confirmed": "platform confirmed the removal",
    "removal_confirmed_on_notice": "%(reference)s: platform confirmed the removal",
    "content_gone": "content no longer online",
    "recheck_gone": "re-check: %(detail)s",
    "reappeared": "removed content found again: %(how)s as removed post %(original)s",
    "rescored": "re-scored with model %(version)s",
}
# How a reappeared post matched a removed one (index/casework/reappearance.py), as the `how` value.
REAPPEARED_HOW = {
    "same_post": "collected again at its own address", "text": "the same text",
    "near_duplicate": "nearly the same text", "media": "the same media (SHA-256)",
}


@dataclass(frozen=True)
class Reason:
    code: str
    values: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in TEMPLATES:
            raise ValueError(f"unknown reason code {self.code!r}")

    @property
    def text(self) -> str:
        """The English sentence."""
        return TEMPLATES[self.code] % self.values if self.values else TEMPLATES[self.code]


def reason(code: str, **values) -> Reason:
    return Reason(code, {name: str(value) for name, value in values.items()})


def event_fields(why: Reason | str | None) -> dict:
    """The fields of an event that say why: a Reason as code, values and sentence; text as it is."""
    if isinstance(why, Reason):
        return {"reason": why.text, "reason_code": why.code, "reason_values": why.values}
    return {"reason": why or ""}


# Sentences written before the codes (by this project's own code, in English), recognised by pattern.
_LEGACY: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(pattern, re.S), code) for pattern, code in (
    (r"claimed for review", "claimed_for_review"),
    (r"claimed with (?P<post>\S+)", "claimed_with"),
    (r"released", "released"),
    (r"released: another post was claimed at the same time", "released_other_claim"),
    (r"reopened: (?P<note>.*)", "reopened"),
    (r"changed again before a failed change could be undone", "undo_failed"),
    (r"(?P<reference>\S+) sent by (?P<channel>phone|letter|electronic)", "notice_sent"),
    (r"(?P<reference>\S+) re-sent by (?P<channel>phone|letter|electronic)", "notice_resent"),
    (r"(?P<reference>\S+): deadline (?P<deadline>\S+) passed", "deadline_passed"),
    (r"platform confirmed the removal", "removal_confirmed"),
    (r"(?P<reference>\S+): nền tảng xác nhận đã gỡ / platform confirmed", "removal_confirmed_on_notice"),
    (r"content no longer online", "content_gone"),
    (r"re-check: (?P<detail>.*)", "recheck_gone"),
    (r"removed content found again: (?P<how>.*) as removed post (?P<original>\S+)", "reappeared"),
    (r"re-scored with model (?P<version>\S+)", "rescored"),
))


def legacy_reason(text: str | None) -> Reason | None:
    """The Reason an old event's English sentence stands for, or None (a person's own text)."""
    for pattern, code in _LEGACY:
        found = pattern.fullmatch((text or "").strip())
        if found:
            return Reason(code, found.groupdict())
    return None


def of_event(event: dict) -> Reason | None:
    """The event's Reason: its stored code, else one recognised in its old sentence, else None."""
    code = event.get("reason_code")
    if code in TEMPLATES:
        return Reason(code, dict(event.get("reason_values") or {}))
    return legacy_reason(event.get("reason"))
