"""Tips ("tố giác, tin báo"): received from the public page, partner units' API, or entered by an officer
(phone, email, letter), and handled in their own queue.

    received -> triaged -> in_progress -> resolved (with an outcome)
                       \\             \\-> forwarded (to another unit)
                        \\-> resolved | forwarded

Every change goes through `_change()` here, whoever calls (the public page, the API, the review UI, the
command line, the crawler's fetch): it checks the actor's role and the transition, writes with optimistic
concurrency and appends an audit event (tip_id, action, from/to status). A tip is not resolved while a
post linked to it waits for a reviewer's decision. The reporter holds a one-time code (only its hash is
stored) with which `public_status()` tells them "received", "being handled" or "handled", nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from index.casework.permissions import Actor, PermissionDenied
from index.storage.repository import PostNotFound, Repository, StoredDoc, VersionConflict
from safewatch.errors import SafeWatchError
from safewatch.records import canonical_url, post_id_for
from safewatch.taxonomy import CODES, max_severity

INDEX = "tips"
CHANNELS = ("web", "api", "phone", "email", "letter")
OFFICER_CHANNELS = ("phone", "email", "letter")  # entered by an officer, who is recorded
NOT_SURE = "not_sure"
CATEGORIES = (*CODES, NOT_SURE)
STATUSES = ("received", "triaged", "in_progress", "resolved", "forwarded")
OPEN_STATUSES = ("received", "triaged", "in_progress")
TRANSITIONS = {
    "received": frozenset({"triaged"}),
    "triaged": frozenset({"in_progress", "resolved", "forwarded"}),
    "in_progress": frozenset({"resolved", "forwarded"}),
    "resolved": frozenset(),
    "forwarded": frozenset(),
}
OUTCOMES = ("content_removed", "warning_issued", "referred_investigation", "referred_child_protection",
            "no_violation", "duplicate", "outside_jurisdiction")
# What the reporter may see of a tip: nothing but one of these.
PUBLIC_STATUS = {"received": "received", "triaged": "being_handled", "in_progress": "being_handled",
                 "resolved": "handled", "forwarded": "handled"}
HANDLERS = ("reviewer", "supervisor")  # roles that handle tips (an admin holds every role)
UNDECIDED_POST_STATUSES = ("collected", "flagged", "in_review", "reappeared")
DISCLOSURE_PRIORITY = 10
MAX_URLS = 10
MAX_DESCRIPTION = 5000
MAX_CONTACT = 300


class TipError(SafeWatchError, ValueError):
    """A tip that cannot be filed or changed as asked; the message says why."""


class TipNotFound(SafeWatchError, LookupError):
    def __str__(self) -> str:
        return f"No tip {self.args[0]!r}."


@dataclass(frozen=True)
class TipIntake:
    """What a tip brings, whatever its channel."""
    channel: str
    urls: tuple[str, ...] = ()
    description: str = ""
    category: str = NOT_SURE
    contact: str = ""
    disclosure: bool = False
    partner: str | None = None  # channel api
    entered_by: str | None = None  # phone, email, letter: the officer
    image: dict | None = None  # {capture_id, sha256, content_type, bytes}, already checked and stored
    received_at: datetime | None = None  # a letter's date; default now


@dataclass
class Filed:
    tip: dict
    code: str  # shown once to the reporter; only its hash is kept


@dataclass(frozen=True)
class TipPolicy:
    triage_hours: float = 24.0

    @classmethod
    def from_config(cls, config) -> TipPolicy:
        return cls(config.tip_triage_hours)


def clean_urls(urls) -> tuple[str, ...]:
    """The reported addresses: web addresses only, one spelling each (canonical), at most MAX_URLS."""
    found: list[str] = []
    for raw in urls or ():
        url = str(raw).strip()
        if not url:
            continue
        if not url.lower().startswith(("http://", "https://")) or len(url) > 2048 or any(c.isspace() for c in url):
            raise TipError("'%(url)s' is not a web address (it must start with http:// or https://).",
                           url=url[:100])
        try:
            found.append(canonical_url(url))
        except ValueError:
            raise TipError("'%(url)s' is not a web address (it must start with http:// or https://).",
                           url=url[:100]) from None
    found = list(dict.fromkeys(found))
    if len(found) > MAX_URLS:
        raise TipError("At most %(count)d addresses per tip.", count=MAX_URLS)
    return tuple(found)


def _validated(intake: TipIntake) -> TipIntake:
    if intake.channel not in CHANNELS:
        raise TipError("Unknown channel '%(channel)s' (one of: %(channels)s).", channel=intake.channel[:30],
                       channels=", ".join(CHANNELS))
    if intake.category not in CATEGORIES:
        raise TipError("Unknown category '%(category)s'.", category=str(intake.category)[:40])
    if intake.channel in OFFICER_CHANNELS and not intake.entered_by:
        raise TipError("A tip received by phone, email or letter records the officer who entered it.")
    if intake.channel == "api" and not intake.partner:
        raise TipError("A tip received through the API records its partner.")
    description = (intake.description or "").strip()
    urls = clean_urls(intake.urls)
    if not urls and not description:
        raise TipError("Give the address of the content or describe what you saw.")
    if len(description) > MAX_DESCRIPTION:
        raise TipError("The description is longer than %(count)d characters.", count=MAX_DESCRIPTION)
    return TipIntake(intake.channel, urls, description, intake.category, (intake.contact or "").strip()[:MAX_CONTACT],
                     bool(intake.disclosure), intake.partner, intake.entered_by, intake.image, intake.received_at)


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").replace(" ", "").encode()).hexdigest()


def _new_code() -> str:
    """12 characters a reporter can copy or read out (no 0/O, 1/I): about 60 bits."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def priority(category: str, disclosure: bool) -> int:
    if disclosure:
        return DISCLOSURE_PRIORITY
    return max_severity([category]) if category in CODES else 3


def file_tip(repo: Repository, intake: TipIntake, *, policy: TipPolicy = TipPolicy(), actor: str = "",
             now: datetime | None = None) -> Filed:
    """Record a new tip (any channel); returns it with the reporter's one-time code."""
    intake = _validated(intake)
    now = now or datetime.now(UTC)
    received = intake.received_at or now
    if received > now + timedelta(minutes=5):
        raise TipError("The time the tip was received cannot be in the future.")
    year = received.astimezone(UTC).year
    number = repo.next_in_sequence(f"tips-{year}")
    reference = f"TB-{year}-{number:05d}"
    code = _new_code()
    tip_id = uuid.uuid4().hex
    tip = {
        "tip_id": tip_id, "reference": reference, "channel": intake.channel, "partner": intake.partner,
        "entered_by": intake.entered_by, "urls": list(intake.urls), "category": intake.category,
        "description": intake.description, "contact": intake.contact or None, "disclosure": intake.disclosure,
        "referral_needed": intake.disclosure, "priority": priority(intake.category, intake.disclosure),
        "image": intake.image, "code_hash": _code_hash(code), "status": "received",
        "received_at": received.isoformat(), "status_changed_at": now.isoformat(),
        "triage_deadline": (received + timedelta(hours=policy.triage_hours)).isoformat(),
        "post_ids": [], "fetches": [{"url": url, "state": "pending"} for url in intake.urls],
        "fetch_pending": bool(intake.urls),
    }
    repo.create_document(INDEX, tip_id, tip)
    who = actor or intake.entered_by or (f"partner:{intake.partner}" if intake.partner else "public")
    repo.append_event({"tip_id": tip_id, "action": "tip_received", "actor": who, "at": now.isoformat(),
                       "to_status": "received", "reason": f"{reference} via {intake.channel}",
                       "details": {"reference": reference, "channel": intake.channel, "urls": list(intake.urls),
                                   "category": intake.category, "disclosure": intake.disclosure}})
    return Filed({"id": tip_id, **tip}, code)


def enter_tip(repo: Repository, intake: TipIntake, *, actor: Actor | str, policy: TipPolicy = TipPolicy(),
              now: datetime | None = None) -> Filed:
    """A tip received by phone, email or letter, entered by a reviewer or supervisor, who is recorded as the
    officer who entered it (on the tip and in the audit trail)."""
    actor = Actor.of(actor)
    _require(actor)
    if intake.channel not in OFFICER_CHANNELS:
        raise TipError("An officer enters tips received by phone, email or letter.")
    return file_tip(repo, TipIntake(**{**intake.__dict__, "entered_by": actor.name, "partner": None}), policy=policy,
                    actor=actor.name, now=now)


def get_tip(repo: Repository, tip_id: str) -> dict:
    return {"id": tip_id, **repo.get_stored(INDEX, tip_id, TipNotFound).source}


def by_reference(repo: Repository, reference: str) -> dict | None:
    found = repo.search_documents(INDEX, {"term": {"reference": reference.strip().upper()[:40]}}, size=1)
    return found[0] if found else None


def public_status(repo: Repository, reference: str, code: str) -> str | None:
    """received | being_handled | handled for the holder of the tip's code; None for any other pair (the
    same answer whether the reference exists or not)."""
    tip = by_reference(repo, reference or "")
    expected = tip.get("code_hash") if tip else "0" * 64
    if not hmac.compare_digest(expected or "", _code_hash(code or "")) or tip is None:
        return None
    return PUBLIC_STATUS.get(tip.get("status", ""), "received")


def is_overdue(tip: dict, now: datetime | None = None) -> bool:
    """Still waiting for triage past its deadline."""
    deadline = tip.get("triage_deadline")
    return tip.get("status") == "received" and bool(deadline) and \
        datetime.fromisoformat(str(deadline)) < (now or datetime.now(UTC))


def queue(repo: Repository, *, statuses: tuple[str, ...] = OPEN_STATUSES, now: datetime | None = None,
          size: int = 500) -> list[dict]:
    """Tips to handle: disclosures first, then by priority, then the nearest triage deadline."""
    now = now or datetime.now(UTC)
    query = {"bool": {"filter": [{"terms": {"status": list(statuses)}}]}} if statuses else {"match_all": {}}
    found = repo.search_documents(INDEX, query, size=size, source_excludes=["code_hash"],
                                  sort=[{"priority": "desc"}, {"triage_deadline": "asc"}, {"received_at": "asc"}])
    return [{**tip, "is_overdue": is_overdue(tip, now)} for tip in found]


# ---- changes: one function, audited -------------------------------------------------------------------


def _require(actor: Actor) -> None:
    if not actor.holds(*HANDLERS):
        raise PermissionDenied("Only reviewers and supervisors handle tips.")


def _change(repo: Repository, tip_id: str, *, actor: Actor | str, action: str, reason: str = "",
            change: Callable[[dict], dict], target: str | None = None, now: datetime | None = None,
            details: dict | None = None, system: bool = False) -> dict:
    """Apply `change` (the stored tip -> the fields to write) and audit it; `target` is the new status."""
    actor = Actor.of(actor)
    if not system:
        _require(actor)
    now = now or datetime.now(UTC)
    for _ in range(5):
        stored: StoredDoc = repo.get_stored(INDEX, tip_id, TipNotFound)
        current = stored.source.get("status", "received")
        if target is not None and target not in TRANSITIONS.get(current, ()):
            raise TipError("Cannot move tip %(reference)s from '%(current)s' to '%(target)s'.",
                           reference=stored.source.get("reference"), current=current, target=target)
        fields = change(stored.source)
        if target is not None:
            fields = {**fields, "status": target, "status_changed_at": now.isoformat()}
        try:
            repo.replace_stored(INDEX, stored, {**stored.source, **fields})
        except VersionConflict:
            continue
        repo.append_event({"tip_id": tip_id, "action": action, "actor": actor.name, "at": now.isoformat(),
                           "from_status": current, "to_status": target or current, "reason": reason,
                           "details": {"reference": stored.source.get("reference"), **(details or {})}})
        return {"id": tip_id, **stored.source, **fields}
    raise TipError("Someone else changed this tip at the same time; reload and try again.")


def triage(repo: Repository, tip_id: str, *, actor: Actor | str, category: str | None = None, note: str = "",
           disclosure: bool | None = None, now: datetime | None = None) -> dict:
    """A handler has read the tip: its category (may be corrected) and whether it discloses abuse of a child."""
    now = now or datetime.now(UTC)
    if category is not None and category not in CATEGORIES:
        raise TipError("Unknown category '%(category)s'.", category=category[:40])

    def fields(tip: dict) -> dict:
        chosen = category or tip.get("category") or NOT_SURE
        disclosed = tip.get("disclosure", False) if disclosure is None else bool(disclosure)
        return {"category": chosen, "disclosure": disclosed, "referral_needed": disclosed or tip.get("referral_needed"),
                "priority": priority(chosen, disclosed), "triaged_at": now.isoformat(),
                "triaged_by": Actor.of(actor).name, "note": note or tip.get("note")}
    return _change(repo, tip_id, actor=actor, action="tip_triaged", reason=note, change=fields, target="triaged",
                   now=now, details={"category": category})


def start(repo: Repository, tip_id: str, *, actor: Actor | str, note: str = "", now: datetime | None = None) -> dict:
    return _change(repo, tip_id, actor=actor, action="tip_in_progress", reason=note,
                   change=lambda tip: {"note": note or tip.get("note")}, target="in_progress", now=now)


def resolve(repo: Repository, tip_id: str, *, actor: Actor | str, outcome: str, note: str = "",
            duplicate_of: str | None = None, now: datetime | None = None) -> dict:
    """Close the tip with its outcome. Refused while a linked post waits for a reviewer's decision."""
    now = now or datetime.now(UTC)
    if outcome not in OUTCOMES:
        raise TipError("Unknown outcome '%(outcome)s'.", outcome=str(outcome)[:40])
    original = None
    if outcome == "duplicate":
        original = by_reference(repo, duplicate_of or "")
        if original is None or original["id"] == tip_id:
            raise TipError("A duplicate names the reference of the other tip (TB-…).")

    def fields(tip: dict) -> dict:
        posts = repo.post_fields(list(tip.get("post_ids") or []), ["status"])
        undecided = [pid for pid, post in posts.items() if post.get("status") in UNDECIDED_POST_STATUSES]
        if undecided:
            raise TipError("A linked post is still waiting for a reviewer's decision: decide it first (%(count)d "
                           "undecided).", count=len(undecided))
        if outcome == "content_removed" and not any(p.get("status") == "removed" for p in posts.values()):
            raise TipError("No linked post is recorded as removed: link the removed post first.")
        return {"outcome": outcome, "duplicate_of": original["reference"] if original else None,
                "resolved_at": now.isoformat(), "resolved_by": Actor.of(actor).name, "note": note or tip.get("note")}
    return _change(repo, tip_id, actor=actor, action="tip_resolved", reason=note, change=fields, target="resolved",
                   now=now, details={"outcome": outcome, "duplicate_of": duplicate_of})


def forward(repo: Repository, tip_id: str, *, actor: Actor | str, unit: str, note: str = "",
            now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    unit = (unit or "").strip()[:200]
    if not unit:
        raise TipError("Name the unit the tip is forwarded to.")
    return _change(repo, tip_id, actor=actor, action="tip_forwarded", reason=note or unit, target="forwarded",
                   change=lambda tip: {"forwarded_to": unit, "resolved_at": now.isoformat(),
                                       "resolved_by": Actor.of(actor).name, "note": note or tip.get("note")},
                   now=now, details={"unit": unit})


def mark_disclosure(repo: Repository, tip_id: str, *, actor: Actor | str, note: str = "",
                    now: datetime | None = None, system: bool = False) -> dict:
    """The tip tells of abuse of a specific child: to the top of the queue, marked for referral."""
    return _change(repo, tip_id, actor=actor, action="tip_disclosure_marked", reason=note, now=now, system=system,
                   change=lambda tip: {"disclosure": True, "referral_needed": True,
                                       "priority": DISCLOSURE_PRIORITY})


def link_post(repo: Repository, tip_id: str, post: str, *, actor: Actor | str, now: datetime | None = None,
              system: bool = False) -> dict:
    """Link a stored post (its id or address) to the tip. A post below the classifier's threshold
    (collected) is flagged for review, so that a reviewer decides it: reported content is never left unread."""
    from index.casework import lifecycle
    post_id = post.strip() if len(post.strip()) == 40 and "/" not in post else post_id_for(post.strip())
    try:
        stored = repo.get_post(post_id)
    except PostNotFound:
        raise TipError("No stored post has this id or address; a reported address is fetched first.") from None
    tip = get_tip(repo, tip_id)
    name = Actor.of(actor).name
    if stored.source.get("status", "collected") == "collected":
        lifecycle.transition(repo, post_id, "flagged", actor=name, reason=f"reported in tip {tip['reference']}",
                             expected=stored)
    if stored.source.get("disclosure") and not tip.get("disclosure"):
        mark_disclosure(repo, tip_id, actor=actor, note="the linked post is a child's disclosure", system=system)
    return _change(repo, tip_id, actor=actor, action="tip_post_linked", reason=post_id, system=system, now=now,
                   change=lambda tip: {"post_ids": list(dict.fromkeys([*(tip.get("post_ids") or []), post_id]))},
                   details={"post_id": post_id})


# ---- the fetch of reported addresses (crawlers/tip_fetch.py does the fetching) -------------------------


@dataclass
class FetchOutcome:
    url: str
    state: str  # fetched | unreachable | refused
    reason: str = ""
    post_id: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def pending_fetches(repo: Repository, *, limit: int = 200) -> list[dict]:
    """Tips with addresses not fetched yet, oldest first."""
    return repo.search_documents(INDEX, {"term": {"fetch_pending": True}}, size=limit,
                                 sort=[{"received_at": "asc"}], source_excludes=["code_hash", "description"])


def record_fetches(repo: Repository, tip_id: str, outcomes: list[FetchOutcome], *, actor: str = "tip-fetch") -> dict:
    """Each address fetched once: its outcome recorded on the tip, the post it gave linked (audited)."""
    by_url = {outcome.url: outcome for outcome in outcomes}
    system = Actor.system(actor)
    tip = get_tip(repo, tip_id)
    for outcome in outcomes:
        if outcome.state == "fetched" and outcome.post_id and outcome.post_id not in (tip.get("post_ids") or []):
            try:
                link_post(repo, tip_id, outcome.post_id, actor=system, system=True)
            except TipError as error:  # the post could not be stored: the address stays a tip's address
                outcome.state, outcome.reason = "unreachable", str(error)

    def fields(stored: dict) -> dict:
        fetches = []
        for entry in stored.get("fetches") or []:
            done = by_url.get(entry.get("url"))
            if done is not None and entry.get("state") == "pending":
                entry = {"url": done.url, "state": done.state, "post_id": done.post_id, "reason": done.reason[:300],
                         "at": done.at.isoformat()}
            fetches.append(entry)
        return {"fetches": fetches, "fetch_pending": any(e.get("state") == "pending" for e in fetches)}
    return _change(repo, tip_id, actor=system, action="tip_fetched", system=True, change=fields,
                   reason="; ".join(f"{o.url}: {o.state}" for o in outcomes)[:1000])


def events(repo: Repository, tip_id: str) -> list[dict]:
    return [event for event in repo.scan_events({"term": {"tip_id": tip_id}}, sort=[{"at": "asc"}])]
