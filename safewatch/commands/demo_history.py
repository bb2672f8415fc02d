"""`safewatch demo`'s worked history: about a year of the unit's work, so that the notice board and every
report show real figures out of the box.

The plan (safewatch.commands.demo_history_plan) is played step by step, in time order, through the functions
every caller uses: posts are scored by the classifier and bulk-written as a crawl writes them; reviewers
claim and decide (index.casework.lifecycle); notices are drafted, approved, sent and re-sent, and removals
recorded by the re-check or by a supervisor (index.casework.notices, crawlers.recheck); the scheduler marks
overdue notices; removed content found again is marked (index.casework.reappearance). Each step passes its time
as `now`, so statuses, the audit trail and the reports are exactly what that year of use would have
left. No status is ever written here.

Demo data is marked as such: source "demo-history", addresses under demo-history.invalid, accounts
named demo-… (safewatch.commands.demo). Seeding is deterministic (seeded random; the same model flags the same
texts) and done once per set of indices: a completed history leaves the event `demo_history_seeded`,
and a second run changes nothing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from safewatch.commands import demo_history_plan as history
from safewatch.errors import SafeWatchError
from safewatch.taxonomy import BY_CODE

MARKER = "demo_history_seeded"
DECISION_MINUTES = 4  # from a claim to the decision
DISMISSAL_NOTE = "Không vi phạm: nội dung tuyên truyền, hỏi đáp hoặc đời thường."


@dataclass
class SeedSummary:
    seeded: bool = False  # False: the history was already there (or a partial one: see `partial`)
    partial: bool = False
    posts: int = 0
    steps: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # steps a domain function refused (a bug in the plan)
    seconds: float = 0.0


def is_seeded(repo) -> bool:
    found = repo.search_events({"term": {"action": MARKER}}, sort=[{"at": "desc"}], size=1)
    return found["hits"]["total"]["value"] > 0


def seed_history(repo, classifier, *, now: datetime | None = None, seed: int = history.SEED,
                 deadline_hours: float = history.DEADLINE_HOURS, reference_suffix: str = "SW",
                 log: Callable[[str], None] = print) -> SeedSummary:
    """Play the worked history into `repo` (once: see the module's docstring); returns what was done."""
    from index.casework.permissions import Actor

    started, summary = time.monotonic(), SeedSummary()
    now = now or datetime.now(UTC)
    if is_seeded(repo):
        log("  the worked history is already in place")
        return summary
    if repo.count_posts(source=history.SOURCE):
        summary.partial = True
        log(f"  posts of source '{history.SOURCE}' exist without a completed history (an interrupted run); "
            "left as they are")
        return summary
    users = {user["username"]: Actor.of(user) for user in ensure_staff(repo)}
    repo = type(repo)(RefreshBeforeSearch(repo.client, f"{repo.prefix}-*"), repo.prefix, spool_dir=repo.spool_dir)
    texts = history.candidate_texts(random.Random(seed))
    predictions = classifier.predict([text for text, _, _ in texts])
    # A child telling of harm done to them is referred to child protection, never taken down: such texts
    # would make a false history of removals, so they are left out.
    kept = [number for number, prediction in enumerate(predictions) if not prediction.disclosure]
    texts, predictions = [texts[number] for number in kept], [predictions[number] for number in kept]
    plan = history.plan(now, texts, [p.flagged for p in predictions], seed=seed, deadline_hours=deadline_hours)
    scored = {text: prediction for (text, _, _), prediction in zip(texts, predictions, strict=True)}
    player = _Player(repo, classifier, scored, users, plan, deadline_hours, reference_suffix)
    player.ingest(plan.posts)
    for step in plan.steps:
        try:
            player.play(step)
        except (SafeWatchError, KeyError) as error:
            summary.refused.append(f"{step.at.isoformat()} {step.action} {step.args}: {error}")
            continue
        summary.actions[step.action] = summary.actions.get(step.action, 0) + 1
    from index.casework import notices
    notices.mark_overdue(repo, now=now)  # the scheduler's pass of today
    summary.posts, summary.steps, summary.seeded = len(plan.posts) + len(plan.reappearing), len(plan.steps), True
    repo.append_event({"action": MARKER, "actor": "system:demo", "at": now.isoformat(),
                       "reason": f"worked history of the demo (source {history.SOURCE}, seed {seed})",
                       "details": {"posts": summary.posts, "steps": summary.steps, "seed": seed}})
    repo.refresh()
    summary.seconds = time.monotonic() - started
    return summary


class RefreshBeforeSearch:
    """The Elasticsearch client, as the history's repository uses it: a write does not refresh its index
    at once (Repository refreshes after every single-document write, so that the next page a person
    opens shows it); instead, the first search of an index written since refreshes it. Every search the
    domain functions make still sees every write before it, and the history's few thousand writes take
    seconds, not minutes. Reads by id (get, mget) are real-time in Elasticsearch either way."""

    _WRITES = ("index", "create", "update", "delete", "bulk")
    _SEARCHES = ("search", "count", "msearch")

    def __init__(self, client, indices: str, dirty: set | None = None) -> None:
        self._client, self._indices = client, indices  # indices: the pattern of the history's indices
        self._dirty = dirty if dirty is not None else set()  # written since their last refresh (or "*")

    def __getattr__(self, name: str):
        attribute = getattr(self._client, name)
        if name in self._WRITES:
            def write(*args, **kwargs):
                kwargs.pop("refresh", None)
                self._dirty.add(kwargs.get("index") or "*")  # a bulk names its indices per action
                return attribute(*args, **kwargs)
            return write
        if name in self._SEARCHES:
            def search(*args, **kwargs):
                target = kwargs.get("index")
                if "*" in self._dirty or target is None or not isinstance(target, str):
                    if self._dirty:
                        self._client.indices.refresh(index=self._indices)
                    self._dirty.clear()
                elif target in self._dirty:
                    self._client.indices.refresh(index=target)
                    self._dirty.discard(target)
                return attribute(*args, **kwargs)
            return search
        if name == "options":  # elasticsearch.helpers (scan, bulk) go through client.options(...)
            return lambda *args, **kwargs: RefreshBeforeSearch(attribute(*args, **kwargs), self._indices,
                                                                 self._dirty)
        return attribute


class _Player:
    def __init__(self, repo, classifier, scored: dict, users: dict, plan: history.Plan, deadline_hours: float,
                 reference_suffix: str) -> None:
        self.repo, self.classifier, self.scored, self.users = repo, classifier, scored, users
        self.deadline_hours, self.reference_suffix = deadline_hours, reference_suffix
        self.posts = {post.key: post for post in [*plan.posts, *plan.reappearing]}
        self.notice_ids: dict[str, str] = {}

    def ingest(self, posts: list[history.PlannedPost]) -> list[dict]:
        """Score and bulk-write posts as the crawl pipeline does (crawlers.pipelines.ScoredPost)."""
        from crawlers.pipelines import ScoredPost
        from safewatch.records import PostRecord

        records = [PostRecord(url=post.url, source=history.SOURCE, platform=post.platform, kind="html",
                              text=post.text, author=post.author, language="vi",
                              published_at=post.collected_at - timedelta(minutes=47), collected_at=post.collected_at)
                   for post in posts]
        predictions = [self.scored[record.text] for record in records]
        flagged = [(record.text, prediction) for record, prediction in zip(records, predictions, strict=True)
                   if prediction.flagged]
        explained = iter(self.classifier.explain_many([text for text, _ in flagged], [p for _, p in flagged]))
        documents = [ScoredPost(record, prediction, next(explained) if prediction.flagged else {}).to_document()
                     for record, prediction in zip(records, predictions, strict=True)]
        result = self.repo.bulk_upsert_posts(documents)
        if result.errors:
            raise SafeWatchError("Demo history: %(count)d posts were refused.", count=len(result.errors))
        self.repo.refresh()
        return documents

    def play(self, step: history.Step) -> None:
        getattr(self, f"_{step.action}")(step.at, **step.args)

    def _post_id(self, key: str) -> str:
        from safewatch.records import post_id_for
        return post_id_for(self.posts[key].url)

    def _decide(self, at: datetime, *, post: str, reviewer: str, follow_up: str, categories: list[str]) -> None:
        from index.casework import lifecycle
        post_id = self._post_id(post)
        lifecycle.claim(self.repo, post_id, reviewer=reviewer, now=at)
        confirm = follow_up != "dismiss"
        names = ", ".join(BY_CODE[code].name_vi for code in categories)
        note = f"Xác nhận vi phạm: {names}." if confirm else DISMISSAL_NOTE
        lifecycle.decide(self.repo, post_id, reviewer=reviewer, confirm=confirm,
                         categories=categories if confirm else [], note=note,
                         follow_up=follow_up if confirm else "none", now=at + timedelta(minutes=DECISION_MINUTES))

    def _draft(self, at: datetime, *, notice: str, kind: str, posts: list[str], by: str, recipient: str) -> None:
        from index.casework import notices
        request = notices.NoticeDraft(kind=kind, recipient_type="poster" if kind == "warning" else "platform",
                                      recipient=recipient, post_ids=tuple(self._post_id(key) for key in posts),
                                      note="Dữ liệu minh hoạ (demo).")
        drafted = notices.draft(self.repo, request, actor=self.users[by], reference_suffix=self.reference_suffix,
                                now=at)
        self.notice_ids[notice] = drafted["notice_id"]

    def _approve(self, at: datetime, *, notice: str, by: str) -> None:
        from index.casework import notices
        notices.approve(self.repo, self.notice_ids[notice], actor=self.users[by], now=at)

    def _send(self, at: datetime, *, notice: str, by: str, channel: str) -> None:
        from index.casework import notices
        notices.send(self.repo, self.notice_ids[notice], channel=channel, actor=self.users[by],
                     deadline_hours=self.deadline_hours, now=at)

    def _remove(self, at: datetime, *, notice: str, posts: list[str], by: str, removed_at: datetime) -> None:
        post_ids = [self._post_id(key) for key in posts]
        if by == "recheck":
            from crawlers.recheck import CheckResult, apply
            apply(self.repo, [CheckResult(post_id, "removed", "HTTP 404: the page is gone", http_status=404,
                                          checked_at=removed_at) for post_id in post_ids], now=at)
            return
        from index.casework import notices
        notices.record_removal_on_notice(self.repo, self.notice_ids[notice], post_ids, actor=self.users[by],
                                         removed_at=removed_at, reason="nền tảng xác nhận đã gỡ (demo)", now=at)

    def _mark_overdue(self, at: datetime) -> None:
        from index.casework import notices
        notices.mark_overdue(self.repo, now=at)

    def _reappear(self, at: datetime, *, post: str) -> None:
        from index.casework import reappearance
        documents = self.ingest([self.posts[post]])
        reappearance.mark(self.repo, reappearance.find_by_text(self.repo, documents), now=at)


def ensure_staff(repo) -> list[dict]:
    """The accounts of DEMO_STAFF, created when missing; returns their user documents."""
    from index.casework.accounts import create_user, generate_password
    users = []
    for username, (roles, display_name) in history.DEMO_STAFF.items():
        user = repo.get_user(username)
        if user is None:
            user = create_user(repo, username, generate_password(), list(roles), display_name, actor="system:demo")
        users.append(user)
    return users
