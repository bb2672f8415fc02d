"""Cases: the posts, notices (and tips) about one actor, account or campaign, handled together.

A case has a title, an owner, a status (open -> in_progress -> closed, reopened by a supervisor), the
accounts it is about, its items ({kind, id}: "post", "notice", "tip"), an append-only notes thread
and tasks with an assignee and a due day. Every change is written with optimistic concurrency
(Repository.update_document: a concurrent change is read again, never overwritten) and appended to
the audit trail with the case's id; the case's timeline (index/casework/case_work.py) is built from those
events and the events of its items.

Who may do what to a case is answered here, once (`refusal`), for the UI and any other caller:
- reviewers, analysts and supervisors read cases, open them, add items, notes and tasks;
- the owner or a supervisor edits the title, accounts and owner, moves the status, removes items;
- a task is ticked done (or undone) by its assignee, the case's owner or a supervisor;
- only a supervisor reopens a closed case; a closed case takes no other change;
- deciding a case's posts together (index/casework/case_work.py) is for reviewers and supervisors.
An admin holds every role.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime

from index.casework import tips
from index.casework.permissions import Actor, PermissionDenied
from index.storage.repository import NoticeNotFound, Repository
from safewatch.errors import SafeWatchError
from safewatch.records import normalize_handle

STATUSES = ("open", "in_progress", "closed")
OPEN_STATUSES = ("open", "in_progress")
ITEM_KINDS = ("post", "notice", "tip")
# The field of an audit event that names an item of each kind (for the timeline).
EVENT_FIELDS = {"post": "post_id", "notice": "notice_id", "tip": "tip_id"}
READERS = ("reviewer", "analyst", "supervisor")
DECIDERS = ("reviewer", "supervisor")
MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 4000
MAX_ACCOUNTS = 50
MAX_ITEMS = 1000
MAX_NOTES = 1000
MAX_TASKS = 200


class CaseError(SafeWatchError, ValueError):
    """A case cannot be created or changed as asked."""


class CaseNotFound(CaseError, LookupError):
    """No case has this id."""


def refusal(actor: Actor | dict | str, action: str, case: dict | None = None,
            task: dict | None = None) -> SafeWatchError | None:
    """Why `actor` may not do `action` (read, create, contribute, edit, status, reopen, remove_item,
    task_status, decide) on `case`; None when they may."""
    actor = Actor.of(actor)
    if not actor.holds(*READERS):
        return PermissionDenied("Only reviewers, analysts and supervisors work on cases.")
    if action in ("read", "create"):
        return None
    assert case is not None, "an action on a case needs the case"
    if action == "reopen":
        if case.get("status") != "closed":
            return CaseError("Only a closed case can be reopened.")
        return None if actor.holds("supervisor") else PermissionDenied("Only a supervisor can reopen a closed case.")
    if case.get("status") == "closed":
        return CaseError("This case is closed; a supervisor can reopen it.")
    lead = actor.holds("supervisor") or case.get("owner") == actor.name
    if action == "contribute":
        return None
    if action in ("edit", "status", "remove_item"):
        return None if lead else PermissionDenied("Only the case's owner or a supervisor can do this.")
    if action == "task_status":
        assert task is not None, "a task's status needs the task"
        allowed = lead or task.get("assignee") == actor.name
        return None if allowed else PermissionDenied(
            "Only the task's assignee, the case's owner or a supervisor can tick a task.")
    if action == "decide":
        return None if actor.holds(*DECIDERS) else PermissionDenied(
            "Only reviewers and supervisors decide posts.")
    raise ValueError(f"unknown action {action!r}")


def can(actor, action: str, case: dict | None = None, task: dict | None = None) -> bool:
    return refusal(actor, action, case, task) is None


def require(actor, action: str, case: dict | None = None, task: dict | None = None) -> Actor:
    error = refusal(actor, action, case, task)
    if error is not None:
        raise error
    return Actor.of(actor)


# ---- reading ---------------------------------------------------------------------------------------

def get_case(repo: Repository, case_id: str) -> dict:
    found = repo.get_document("cases", case_id) if _plain_id(case_id) else None
    if found is None:
        raise CaseNotFound("No case with id %(case)s.", case=(case_id or "")[:40])
    return {"id": case_id, **found}


def cases_holding(repo: Repository, kind: str, item_id: str) -> list[dict]:
    """The cases that hold an item (for the post view), open ones first, newest first."""
    return repo.search_cases({"term": {"item_keys": f"{kind}:{item_id}"}}, size=100,
                             sort=[{"status": "desc"}, {"created_at": "desc"}],
                             fields=["case_id", "reference", "title", "status", "owner"])


def search_cases(repo: Repository, text: str = "", *, statuses: Iterable[str] = (), size: int = 100) -> list[dict]:
    """Cases whose title, notes, tasks, accounts or reference match `text` (diacritics optional),
    with the chosen statuses; best match first, else newest first."""
    filters = [{"terms": {"status": [s for s in statuses if s in STATUSES]}}] if statuses else []
    text = " ".join((text or "").split())[:200]
    query: dict = {"bool": {"filter": filters}}
    if text:
        handle = normalize_handle(text) or text
        query["bool"]["should"] = [
            {"multi_match": {"query": text, "fields": ["title^3", "title.exact^3", "notes.text", "notes.text.exact",
                                                      "tasks.text"], "operator": "and"}},
            {"term": {"accounts": handle}}, {"term": {"reference": text.upper()}}]
        query["bool"]["minimum_should_match"] = 1
    sort = [{"_score": "desc"}, {"created_at": "desc"}] if text else [{"created_at": "desc"}]
    return repo.search_cases(query, sort=sort, size=size,
                             fields=["case_id", "reference", "title", "status", "owner", "accounts", "created_at",
                                     "updated_at", "item_keys"])


def open_cases(repo: Repository, *, size: int = 200) -> list[dict]:
    """Open and in-progress cases, newest first (the "add to case" picker)."""
    return search_cases(repo, statuses=OPEN_STATUSES, size=size)


# ---- changing ----------------------------------------------------------------------------------

def create_case(repo: Repository, *, title: str, actor, accounts: Iterable[str] = (), owner: str | None = None,
                items: Iterable[tuple[str, str]] = (), request_id: str | None = None,
                now: datetime | None = None) -> dict:
    """Open a case (owned by `owner`, by default its creator), with items if given; returns it."""
    now = now or datetime.now(UTC)
    actor = require(actor, "create")
    title = _title(title)
    owner = _account(repo, owner or actor.name, "owner")
    checked = _checked_items(repo, items)
    number = repo.next_in_sequence(f"case-{now.year}")
    case_id = uuid.uuid4().hex[:20]
    at = now.isoformat()
    case = {"case_id": case_id, "reference": f"VV-{number:04d}/{now.year}", "title": title, "status": "open",
            "owner": owner, "accounts": [], "created_by": actor.name, "created_at": at, "updated_at": at,
            "items": [], "item_keys": [], "notes": [], "tasks": [],
            "status_changes": [{"at": at, "by": actor.name, "to": "open"}]}
    case["accounts"] = _accounts([*accounts, *_authors(repo, checked)])
    _put_items(case, checked, actor.name, at)
    repo.update_document("cases", case_id, lambda current: case if current is None else None, refresh=True)
    _audit(repo, case_id, "case_created", actor.name, at, request_id, reason=title,
           details={"reference": case["reference"], "owner": owner, "items": [list(i) for i in checked]})
    return {"id": case_id, **case}


def update_case(repo: Repository, case_id: str, *, actor, title: str | None = None, owner: str | None = None,
                accounts: Iterable[str] | None = None, status: str | None = None, reason: str = "",
                request_id: str | None = None, now: datetime | None = None) -> dict:
    """Change the title, owner, accounts and/or status; only what differs is written and audited."""
    now = now or datetime.now(UTC)
    at = now.isoformat()
    title = _title(title) if title is not None else None
    if status is not None and status not in STATUSES:
        raise CaseError("Unknown case status '%(status)s'.", status=status[:20])
    owner = _account(repo, owner, "owner") if owner else None
    accounts = _accounts(accounts) if accounts is not None else None
    changes: dict = {}

    def change(current: dict | None) -> dict | None:
        case = _existing(current, case_id)
        changes.clear()
        for name, value in (("title", title), ("owner", owner), ("accounts", accounts)):
            if value is not None and value != case.get(name):
                changes[name] = {"from": case.get(name), "to": value}
        if changes:
            require(actor, "edit", case)
        if status is not None and status != case["status"]:
            require(actor, "reopen" if case["status"] == "closed" else "status", case)
            changes["status"] = {"from": case["status"], "to": status}
        if not changes:
            return None
        updated = {**case, **{name: value["to"] for name, value in changes.items()}, "updated_at": at}
        if "status" in changes:
            updated["status_changes"] = [*case.get("status_changes", []),
                                         {"at": at, "by": Actor.of(actor).name, "to": status}]
            updated["closed_at"] = at if status == "closed" else None
        return updated

    stored, written = repo.update_document("cases", case_id, change, refresh=True)
    if written:
        action = "case_status_changed" if set(changes) == {"status"} else "case_updated"
        _audit(repo, case_id, action, Actor.of(actor).name, at, request_id, reason=(reason or "")[:MAX_TEXT_CHARS],
               from_status=changes.get("status", {}).get("from"), to_status=changes.get("status", {}).get("to"),
               details={"changes": changes})
    return {"id": case_id, **(stored or {})}


def add_items(repo: Repository, case_id: str, items: Iterable[tuple[str, str]], *, actor,
              request_id: str | None = None, now: datetime | None = None) -> tuple[list[tuple[str, str]], list]:
    """Add posts, notices or tips to a case; returns (added, already in it). The authors of added posts
    join the case's accounts. Unknown items are refused, all or nothing."""
    now = now or datetime.now(UTC)
    at = now.isoformat()
    checked = _checked_items(repo, items)
    if not checked:
        raise CaseError("Choose at least one post to add to the case.")
    authors = _authors(repo, checked)
    added: list[tuple[str, str]] = []

    def change(current: dict | None) -> dict | None:
        case = _existing(current, case_id)
        require(actor, "contribute", case)
        added[:] = [item for item in checked if f"{item[0]}:{item[1]}" not in case.get("item_keys", [])]
        if not added:
            return None
        if len(case.get("items", [])) + len(added) > MAX_ITEMS:
            raise CaseError("A case holds at most %(count)d items.", count=MAX_ITEMS)
        updated = {**case, "items": list(case.get("items", [])), "item_keys": list(case.get("item_keys", [])),
                   "accounts": _accounts([*case.get("accounts", []), *authors]), "updated_at": at}
        _put_items(updated, added, Actor.of(actor).name, at)
        return updated

    repo.update_document("cases", case_id, change, refresh=True)
    if added:
        _audit(repo, case_id, "case_items_added", Actor.of(actor).name, at, request_id,
               details={"items": [list(item) for item in added]})
    return added, [item for item in checked if item not in added]


def remove_item(repo: Repository, case_id: str, kind: str, item_id: str, *, actor, reason: str = "",
                request_id: str | None = None, now: datetime | None = None) -> None:
    at = (now or datetime.now(UTC)).isoformat()
    key = f"{kind}:{item_id}"

    def change(current: dict | None) -> dict | None:
        case = _existing(current, case_id)
        require(actor, "remove_item", case)
        if key not in case.get("item_keys", []):
            raise CaseError("This item is not in the case.")
        return {**case, "item_keys": [k for k in case["item_keys"] if k != key], "updated_at": at,
                "items": [i for i in case["items"] if f"{i['kind']}:{i['id']}" != key]}

    repo.update_document("cases", case_id, change, refresh=True)
    _audit(repo, case_id, "case_item_removed", Actor.of(actor).name, at, request_id, reason=(reason or "")[:2000],
           details={"items": [[kind, item_id]]})


def add_note(repo: Repository, case_id: str, text: str, *, actor, request_id: str | None = None,
             now: datetime | None = None) -> dict:
    """Append a note to the case's thread (notes are never edited or deleted)."""
    at = (now or datetime.now(UTC)).isoformat()
    text = _text(text, "Write the note first.")
    note = {"note_id": uuid.uuid4().hex[:12], "by": Actor.of(actor).name, "at": at, "text": text}

    def change(current: dict | None) -> dict | None:
        case = _existing(current, case_id)
        require(actor, "contribute", case)
        if len(case.get("notes", [])) >= MAX_NOTES:
            raise CaseError("A case holds at most %(count)d notes.", count=MAX_NOTES)
        return {**case, "notes": [*case.get("notes", []), note], "updated_at": at}

    repo.update_document("cases", case_id, change, refresh=True)
    _audit(repo, case_id, "case_note_added", note["by"], at, request_id, reason=text)
    return note


def add_task(repo: Repository, case_id: str, text: str, *, actor, assignee: str | None = None,
             due: str | None = None, request_id: str | None = None, now: datetime | None = None) -> dict:
    """Add a task (to an assignee, by a due day YYYY-MM-DD, both optional)."""
    at = (now or datetime.now(UTC)).isoformat()
    text = _text(text, "Say what the task is.")
    assignee = _account(repo, assignee, "assignee") if assignee else None
    if due:
        try:
            due = date.fromisoformat(due.strip()).isoformat()
        except ValueError:
            raise CaseError("Write the due day as YYYY-MM-DD.") from None
    task = {"task_id": uuid.uuid4().hex[:12], "text": text, "assignee": assignee, "due": due or None, "done": False,
            "done_by": None, "done_at": None, "created_by": Actor.of(actor).name, "created_at": at}

    def change(current: dict | None) -> dict | None:
        case = _existing(current, case_id)
        require(actor, "contribute", case)
        if len(case.get("tasks", [])) >= MAX_TASKS:
            raise CaseError("A case holds at most %(count)d tasks.", count=MAX_TASKS)
        return {**case, "tasks": [*case.get("tasks", []), task], "updated_at": at}

    repo.update_document("cases", case_id, change, refresh=True)
    _audit(repo, case_id, "case_task_added", str(task["created_by"]), at, request_id, reason=text,
           details={"task_id": task["task_id"], "assignee": assignee, "due": task["due"]})
    return task


def set_task_done(repo: Repository, case_id: str, task_id: str, done: bool, *, actor,
                  request_id: str | None = None, now: datetime | None = None) -> dict:
    at = (now or datetime.now(UTC)).isoformat()
    name = Actor.of(actor).name
    found: dict = {}

    def change(current: dict | None) -> dict | None:
        case = _existing(current, case_id)
        task = next((t for t in case.get("tasks", []) if t["task_id"] == task_id), None)
        if task is None:
            raise CaseError("This task is not in the case.")
        require(actor, "task_status", case, task)
        found.update(task)
        if bool(task.get("done")) == done:
            return None
        ticked = {**task, "done": done, "done_by": name if done else None, "done_at": at if done else None}
        found.update(ticked)
        return {**case, "updated_at": at,
                "tasks": [ticked if t["task_id"] == task_id else t for t in case["tasks"]]}

    _, written = repo.update_document("cases", case_id, change, refresh=True)
    if written:
        _audit(repo, case_id, "case_task_done" if done else "case_task_reopened", name, at, request_id,
               reason=found.get("text", ""), details={"task_id": task_id})
    return found


# ---- figures -------------------------------------------------------------------------------------

def figures(repo: Repository, start: datetime, end: datetime, *, now: datetime | None = None) -> dict[str, int]:
    """Open cases by status for a report period [start, end): open and in_progress at its cutoff (the
    earlier of its end and now), their sum open_total, and cases opened and closed within it."""
    cutoff = min(now or datetime.now(UTC), end)
    rows = repo.search_cases({"range": {"created_at": {"lt": cutoff.isoformat()}}}, sort=[{"created_at": "asc"}],
                             size=10_000, fields=["created_at", "status_changes"])
    result = {"open": 0, "in_progress": 0, "open_total": 0, "opened": 0, "closed": 0}
    for case in rows:
        changes = [(datetime.fromisoformat(c["at"]), c["to"]) for c in case.get("status_changes") or []]
        before_cutoff = [status for at, status in changes if at < cutoff]
        status = before_cutoff[-1] if before_cutoff else "open"
        if status in OPEN_STATUSES:
            result[status] += 1
        if start <= datetime.fromisoformat(case["created_at"]) < cutoff:
            result["opened"] += 1
        if any(start <= at < cutoff and to == "closed" for at, to in changes):
            result["closed"] += 1
    result["open_total"] = result["open"] + result["in_progress"]
    return result


# ---- helpers -----------------------------------------------------------------------------------

def _existing(current: dict | None, case_id: str) -> dict:
    if current is None:
        raise CaseNotFound("No case with id %(case)s.", case=case_id[:40])
    return current


def _plain_id(value: str) -> bool:
    return bool(value) and len(value) <= 40 and value.isascii() and value.isalnum()


def _title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not 1 <= len(title) <= MAX_TITLE_CHARS or any(ord(ch) < 32 or ord(ch) == 127 for ch in title):
        raise CaseError("Give the case a title of 1 to %(count)d characters.", count=MAX_TITLE_CHARS)
    return title


def _text(text: str | None, empty: str) -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise CaseError(empty)
    if len(text) > MAX_TEXT_CHARS:
        raise CaseError("At most %(count)d characters.", count=MAX_TEXT_CHARS)
    return text


def _accounts(values: Iterable[str | None]) -> list[str]:
    found = list(dict.fromkeys(h for h in (normalize_handle(v[:200]) for v in values if v) if h))
    if len(found) > MAX_ACCOUNTS:
        raise CaseError("A case names at most %(count)d accounts.", count=MAX_ACCOUNTS)
    return found


def _account(repo: Repository, username: str | None, role: str) -> str | None:
    """A user who may work on cases (an owner, an assignee)."""
    user = repo.get_user((username or "").strip().lower()[:64]) if username else None
    if user is None or user.get("disabled") or not Actor.of(user).holds(*READERS):
        if role == "owner":
            raise CaseError("'%(name)s' is not an active account that works on cases.", name=(username or "")[:64])
        raise CaseError("'%(name)s' is not an active account that can take a task.", name=(username or "")[:64])
    return user["username"]


def _checked_items(repo: Repository, items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The items as (kind, id), each once, every one known; CaseError naming the unknown ones."""
    wanted = list(dict.fromkeys(_by_id(repo, kind, (item_id or "").strip()) for kind, item_id in items))
    if len(wanted) > MAX_ITEMS:
        raise CaseError("A case holds at most %(count)d items.", count=MAX_ITEMS)
    unknown = [f"{kind}:{item_id[:60]}" for kind, item_id in wanted if kind not in ITEM_KINDS or not item_id]
    posts = [item_id for kind, item_id in wanted if kind == "post" and item_id]
    found = set(repo.post_fields(posts, ["post_id"])) if posts else set()
    unknown += [f"post:{p[:60]}" for p in posts if p not in found]
    for kind, item_id in wanted:
        if kind == "notice" and item_id:
            try:
                repo.get_notice(item_id)
            except NoticeNotFound:
                unknown.append(f"notice:{item_id[:60]}")
        elif kind == "tip" and item_id and repo.get_document("tips", item_id) is None:
            unknown.append(f"tip:{item_id[:60]}")
    if unknown:
        raise CaseError("Unknown item(s): %(items)s.", items=", ".join(unknown[:10]))
    return wanted


def _by_id(repo: Repository, kind: str, item_id: str) -> tuple[str, str]:
    """A tip may be named by the reference people read on it (TB-2026-00001) as well as by its id."""
    if kind == "tip" and item_id.upper().startswith("TB-"):
        tip = tips.by_reference(repo, item_id)
        if tip is not None:
            return kind, tip["id"]
    return kind, item_id


def _authors(repo: Repository, items: list[tuple[str, str]]) -> list[str]:
    posts = [item_id for kind, item_id in items if kind == "post"]
    return [fields["author"] for fields in repo.post_fields(posts, ["author"]).values() if fields.get("author")]


def _put_items(case: dict, items: list[tuple[str, str]], by: str, at: str) -> None:
    for kind, item_id in items:
        case["items"].append({"kind": kind, "id": item_id, "added_by": by, "added_at": at})
        case["item_keys"].append(f"{kind}:{item_id}")


def _audit(repo: Repository, case_id: str, action: str, actor: str, at: str, request_id: str | None, *,
           reason: str = "", details: dict | None = None, **fields) -> None:
    repo.append_event({"case_id": case_id, "action": action, "actor": actor, "at": at, "reason": reason,
                       "request_id": request_id, "details": details or {},
                       **{k: v for k, v in fields.items() if v is not None}})
