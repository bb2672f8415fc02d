"""Cases: the list and search, a case's page (items, notes, tasks, timeline, deciding its posts
together), and "add to case" from the queue, a post and search results.

Every change goes through index.casework.cases / index.casework.case_work, which check who may do it and audit it; this
module reads the form, calls one function and says what happened."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext

from index.casework import case_work, cases, tips
from index.casework.cases import CaseNotFound
from index.casework.lifecycle import FOLLOW_UPS
from index.casework.permissions import Actor, PermissionDenied
from index.storage.repository import VersionConflict
from review_ui.language import error_text
from review_ui.security import login_required, repository, safe_next
from safewatch.errors import SafeWatchError
from safewatch.taxonomy import CATEGORIES, CODES

bp = Blueprint("cases", __name__, url_prefix="/cases")
WORKERS = cases.READERS
MAX_CHOSEN = 200
STATUS_LABELS = {"open": lazy_gettext("Open"), "in_progress": lazy_gettext("In progress"),
                 "closed": lazy_gettext("Closed")}
KIND_LABELS = {"post": lazy_gettext("Post"), "notice": lazy_gettext("Notice"), "tip": lazy_gettext("Tip")}
# The case's own events in its timeline, in the UI's language (items' events show their status change).
ACTION_LABELS = {
    "case_created": lazy_gettext("Case opened"), "case_updated": lazy_gettext("Case edited"),
    "case_status_changed": lazy_gettext("Case status changed"), "case_items_added": lazy_gettext("Items added"),
    "case_item_removed": lazy_gettext("Item removed"), "case_note_added": lazy_gettext("Note"),
    "case_task_added": lazy_gettext("Task added"), "case_task_done": lazy_gettext("Task done"),
    "case_task_reopened": lazy_gettext("Task not done"), "case_posts_decided": lazy_gettext("Posts decided together"),
    "status_change": lazy_gettext("Status change"),
    "referred_to_investigation": lazy_gettext("Referred to investigation"),
}


@bp.app_context_processor
def case_helpers() -> dict:
    """For every page: the cases a post is in (post view) and the open cases ("add to case" forms);
    both are queried only when a template calls them."""
    def cases_of_post(post_id: str) -> list[dict]:
        return cases.cases_holding(repository(), "post", post_id) if _may_work() else []

    def cases_to_pick() -> list[dict]:
        return cases.open_cases(repository()) if _may_work() else []

    return {"cases_of_post": cases_of_post, "cases_to_pick": cases_to_pick, "case_status_label": case_status_label}


def case_status_label(status: str | None) -> str:
    label = STATUS_LABELS.get(status or "")
    return str(label) if label is not None else status or ""


def _may_work() -> bool:
    return bool(g.get("user")) and cases.can(g.user, "read")


def _actor() -> Actor:
    return Actor.of(g.user)


def _chosen_posts() -> list[str]:
    return list(dict.fromkeys(v.strip()[:200] for v in request.form.getlist("post_id") if v.strip()))[:MAX_CHOSEN]


def _case(case_id: str) -> dict:
    try:
        return cases.get_case(repository(), case_id)
    except CaseNotFound:
        abort(404)


def _act(case_id: str, change, success: str | None):
    """Run a change of index.casework.cases; flash its outcome; back to the case."""
    _case(case_id)
    try:
        outcome = change()
    except PermissionDenied:
        abort(403)
    except VersionConflict:
        flash(gettext("Someone changed this meanwhile; reload the page."), "error")
    except SafeWatchError as error:
        flash(error_text(error), "error")
    else:
        if success:
            flash(success, "success")
        return outcome
    return None


def _back(case_id: str):
    return redirect(url_for("cases.show", case_id=case_id))


@bp.route("")
@login_required(*WORKERS)
def index():
    text = (request.args.get("q") or "")[:200]
    status = request.args.get("status") if request.args.get("status") in (*cases.STATUSES, "all") else "active"
    statuses = cases.OPEN_STATUSES if status == "active" else (() if status == "all" else (status,))
    found = cases.search_cases(repository(), text, statuses=statuses)
    return render_template("cases/list.html", cases=found, q=text, status=status, statuses=cases.STATUSES)


@bp.route("/new", methods=["POST"])
@login_required(*WORKERS)
def create():
    """Open a case (from the cases page, or with posts chosen in the queue, a post or search results)."""
    try:
        case = cases.create_case(repository(), title=request.form.get("title", "")[:1000], actor=_actor(),
                                 accounts=_lines(request.form.get("accounts", "")),
                                 items=[("post", p) for p in _chosen_posts()], request_id=g.request_id)
    except PermissionDenied:
        abort(403)
    except SafeWatchError as error:
        flash(error_text(error), "error")
        return redirect(_return_to())
    flash(gettext("Case %(reference)s opened.", reference=case["reference"]), "success")
    return _back(case["id"])


@bp.route("/add", methods=["POST"])
@login_required(*WORKERS)
def add():
    """The "add to case" form: the chosen posts into an open case, or into a new one with the title typed."""
    case_id = (request.form.get("case_id") or "").strip()[:40]
    if not case_id:
        return create()
    posts = _chosen_posts()
    outcome = _act(case_id, lambda: cases.add_items(repository(), case_id, [("post", p) for p in posts],
                                                    actor=_actor(), request_id=g.request_id), None)
    if outcome is None:
        return redirect(_return_to())
    added, already = outcome
    flash(ngettext("%(num)d post added to the case.", "%(num)d posts added to the case.", len(added)), "success")
    if already:
        flash(ngettext("%(num)d post was already in it.", "%(num)d posts were already in it.", len(already)), "info")
    return _back(case_id)


@bp.route("/<case_id>")
@login_required(*WORKERS)
def show(case_id: str):
    repo = repository()
    case = _case(case_id)
    actor = _actor()
    post_ids = case_work.post_ids(case)
    posts = {p["id"]: p for p in repo.posts_by_ids(post_ids)} if post_ids else {}
    notice_rows = []
    for item in case.get("items", []):
        if item["kind"] == "notice":
            try:
                notice_rows.append({"id": item["id"], **repo.get_notice(item["id"]).source})
            except SafeWatchError:
                notice_rows.append({"id": item["id"]})
    tip_rows = []
    for item in case.get("items", []):
        if item["kind"] == "tip":
            try:
                tip_rows.append(tips.get_tip(repo, item["id"]))
            except SafeWatchError:
                tip_rows.append({"id": item["id"]})
    users = [u["username"] for u in repo.list_users() if not u.get("disabled") and Actor.of(u).holds(*WORKERS)]
    can = {action: cases.can(actor, action, case) for action in ("contribute", "edit", "status", "remove_item",
                                                                 "decide", "reopen")}
    tasks = [{**task, "may_tick": cases.can(actor, "task_status", case, task)} for task in case.get("tasks", [])]
    return render_template("cases/show.html", case=case, posts=[posts.get(p, {"id": p}) for p in post_ids],
                           notices=notice_rows, tips=tip_rows,
                           tasks=tasks, timeline=case_work.timeline(repo, case), users=users, can=can,
                           statuses=cases.STATUSES, categories=CATEGORIES, follow_ups=FOLLOW_UPS,
                           action_labels=ACTION_LABELS, kind_labels=KIND_LABELS)


@bp.route("/<case_id>/edit", methods=["POST"])
@login_required(*WORKERS)
def edit(case_id: str):
    form = request.form
    _act(case_id, lambda: cases.update_case(
        repository(), case_id, actor=_actor(), title=form.get("title", "")[:1000] if "title" in form else None,
        owner=form.get("owner") or None, status=form.get("status") or None, reason=form.get("reason", "")[:2000],
        accounts=_lines(form["accounts"]) if "accounts" in form else None, request_id=g.request_id),
        gettext("Case saved."))
    return _back(case_id)


@bp.route("/<case_id>/items", methods=["POST"])
@login_required(*WORKERS)
def add_item(case_id: str):
    kind = request.form.get("kind") if request.form.get("kind") in cases.ITEM_KINDS else "post"
    item_id = (request.form.get("item_id") or "").strip()[:200]
    _act(case_id, lambda: cases.add_items(repository(), case_id, [(kind, item_id)], actor=_actor(),
                                          request_id=g.request_id), gettext("Added to the case."))
    return _back(case_id)


@bp.route("/<case_id>/items/remove", methods=["POST"])
@login_required(*WORKERS)
def remove_item(case_id: str):
    kind = request.form.get("kind") if request.form.get("kind") in cases.ITEM_KINDS else "post"
    _act(case_id, lambda: cases.remove_item(repository(), case_id, kind, (request.form.get("item_id") or "")[:200],
                                            actor=_actor(), request_id=g.request_id),
         gettext("Removed from the case."))
    return _back(case_id)


@bp.route("/<case_id>/notes", methods=["POST"])
@login_required(*WORKERS)
def add_note(case_id: str):
    _act(case_id, lambda: cases.add_note(repository(), case_id, request.form.get("text", "")[:10_000],
                                         actor=_actor(), request_id=g.request_id), gettext("Note added."))
    return _back(case_id)


@bp.route("/<case_id>/tasks", methods=["POST"])
@login_required(*WORKERS)
def add_task(case_id: str):
    form = request.form
    _act(case_id, lambda: cases.add_task(repository(), case_id, form.get("text", "")[:10_000], actor=_actor(),
                                         assignee=form.get("assignee") or None, due=form.get("due") or None,
                                         request_id=g.request_id), gettext("Task added."))
    return _back(case_id)


@bp.route("/<case_id>/tasks/<task_id>", methods=["POST"])
@login_required(*WORKERS)
def tick_task(case_id: str, task_id: str):
    done = request.form.get("done") == "1"
    _act(case_id, lambda: cases.set_task_done(repository(), case_id, task_id[:40], done, actor=_actor(),
                                              request_id=g.request_id),
         gettext("Task marked done.") if done else gettext("Task marked not done."))
    return _back(case_id)


@bp.route("/<case_id>/decision", methods=["POST"])
@login_required("reviewer", "supervisor")
def decide(case_id: str):
    """The same decision for the chosen posts of the case; each post decided and audited on its own."""
    form = request.form
    action = form.get("action")
    if action not in ("confirm", "dismiss"):
        abort(400)
    severity = form.get("severity", "")
    follow_up = form.get("follow_up", "none") if action == "confirm" else "none"
    outcome = _act(case_id, lambda: case_work.decide_posts(
        repository(), case_id, actor=_actor(), confirm=action == "confirm", chosen=_chosen_posts(),
        categories=[c for c in form.getlist("categories") if c in CODES], note=form.get("note", "")[:2000],
        severity=int(severity) if severity.isdigit() else None, follow_up=follow_up,
        request_id=g.request_id), None)
    if outcome is not None:
        decided, left = outcome
        flash(ngettext("%(num)d post decided.", "%(num)d posts decided.", len(decided)), "success")
        if left:
            flash(ngettext("%(num)d post was left alone (held by someone else, already decided or not waiting "
                           "for review).", "%(num)d posts were left alone (held by someone else, already "
                           "decided or not waiting for review).", len(left)), "info")
        if decided and follow_up in ("warning", "takedown"):
            return redirect(url_for("notices.new", kind=follow_up, post_id=decided))
    return _back(case_id)


def _lines(value: str) -> list[str]:
    """Accounts typed one per line or separated by commas."""
    return [part.strip() for line in value[:10_000].splitlines() for part in line.split(",") if part.strip()]


def _return_to() -> str:
    """Back to the page the form was on (a local path only), else the cases page."""
    target = request.form.get("next") or ""
    return safe_next(target) if target.startswith("/") else url_for("cases.index")
