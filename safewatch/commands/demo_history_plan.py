"""The demo's worked history, planned: which posts, and what the unit did with each, when.

A pure function of a seed, of `now` and of which texts the classifier flags: the same inputs give the
same plan. It plans about a year back from `now`: posts collected (texts from the seed corpus, so the
classifier flags them as it would real ones), reviewers' decisions (confirmed, dismissed, referred to
investigation), warnings and removal requests drafted, approved and sent, removals within and past the
24-hour deadline, the scheduler marking notices overdue, re-sendings, content that reappears after its
removal. Nothing is planned after `now`: a step that would fall later did not happen yet, so the most
recent posts wait for review and the most recent notices wait for approval, sending or removal.

safewatch.commands.demo_history plays the plan through the domain functions (index.casework.lifecycle,
index.casework.notices, index.casework.reappearance), passing each step's time as `now`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

# The unit's staff in the demo's worked history (safewatch.commands.demo_history): name -> (roles, display name).
# Their passwords are random and never shown; `safewatch users` can give one a password to sign in.
DEMO_STAFF = {
    "demo-reviewer-an": (("reviewer",), "Nguyễn Văn An (demo)"),
    "demo-reviewer-binh": (("reviewer",), "Trần Thị Bình (demo)"),
    "demo-reviewer-chau": (("reviewer",), "Lê Minh Châu (demo)"),
    "demo-supervisor-dung": (("supervisor",), "Phạm Quốc Dũng (demo)"),
    "demo-supervisor-ha": (("supervisor",), "Đỗ Thu Hà (demo)"),
}
SOURCE = "demo-history"
HOST = "demo-history.invalid"  # RFC 2606: never resolves, so no re-check ever reaches a real site
SEED = 830
DAYS = 365
SEED_DATA = Path(__file__).resolve().parents[2] / "classifier" / "seed" / "data"
DEADLINE_HOURS = 24.0

REVIEWERS = tuple(name for name, (roles, _) in DEMO_STAFF.items() if "reviewer" in roles)
SUPERVISORS = tuple(name for name, (roles, _) in DEMO_STAFF.items() if "supervisor" in roles)
# Posts per category over the year: roughly what a provincial unit sees on the platforms it watches.
HARMFUL = {"drugs": 20, "gambling": 18, "scam": 16, "bullying": 16, "sexual_content": 12, "grooming": 10,
           "trafficking": 10, "dangerous_challenge": 10, "violence_gore": 10, "self_harm": 8, "child_privacy": 8,
           "hate_extremism": 6, "superstition": 6, "child_sexual_abuse": 3}
HARD_NEGATIVES = 120  # candidates: the classifier flags some of them, and reviewers dismiss those
SAFE = 60  # everyday posts, collected and (mostly) never flagged
PLATFORMS = {"facebook": 5, "tiktok": 4, "youtube": 2, "zalo": 2, "forum": 2}
REFERRED = {"grooming", "child_sexual_abuse", "trafficking"}  # often also referred to investigation
WARNED = {"bullying", "child_privacy", "hate_extremism", "superstition", "scam"}  # often a warning first
HANDLES = ("demo_shop_pod", "demo_keo_ngot", "demo_tai_xiu", "demo_nha_cai", "demo_acc_an_danh", "demo_boc_phot",
           "demo_viec_nhe", "demo_thu_thach", "demo_clip_hot", "demo_hack_game", "demo_tien_ao", "demo_gai_xinh",
           "demo_anh_trai", "demo_kenh_review", "demo_group_kin", "demo_tuyen_dung", "demo_thay_boi", "demo_fan_page")
REAPPEARED = 8  # removed posts whose text is posted again; the last REAPPEARED_WAITING wait for review
REAPPEARED_WAITING = 2
STILL_ONLINE = timedelta(days=45)  # only removal requests sent this recently may still be unanswered
RECENT = 14  # harmful posts collected in the last RECENT_HOURS: the work in progress today
RECENT_HOURS = 72


@dataclass(frozen=True)
class PlannedPost:
    key: str
    url: str
    platform: str
    text: str
    author: str
    categories: tuple[str, ...]  # the reviewer's, from the seed corpus's labels (empty: safe)
    collected_at: datetime
    reappearance_of: str | None = None  # key of the removed post whose text this repeats


@dataclass(frozen=True)
class Step:
    at: datetime
    action: str  # decide | draft | approve | send | remove | mark_overdue | reappear
    args: dict = field(default_factory=dict)


@dataclass
class Plan:
    posts: list[PlannedPost]  # collected up front (bulk)
    reappearing: list[PlannedPost]  # collected when they reappear (a `reappear` step)
    steps: list[Step]  # in time order


Candidate = tuple[str, tuple[str, ...], bool]  # text, the seed corpus's labels, an everyday (safe) post


def candidate_texts(rng: random.Random) -> list[Candidate]:
    """Every post the history may use, in a seeded order."""
    chosen: list[Candidate] = []
    for category, count in HARMFUL.items():
        rows = [row for row in _rows(f"{category}.jsonl") if row.get("labels") == [category]]
        chosen += [(row["text"], (category,), False) for row in rng.sample(rows, min(count, len(rows)))]
    chosen += [(row["text"], (), False) for row in rng.sample(_rows("safe_hard_negatives.jsonl"), HARD_NEGATIVES)]
    chosen += [(row["text"], (), True) for row in rng.sample(_rows("safe_everyday.jsonl"), SAFE)]
    return chosen


def _rows(name: str) -> list[dict]:
    with (SEED_DATA / name).open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def plan(now: datetime, texts: list[Candidate], flagged: list[bool], *,
         seed: int = SEED, deadline_hours: float = DEADLINE_HOURS) -> Plan:
    """The history for `texts` (from candidate_texts), `flagged[i]` saying whether the classifier flags
    text i. Hard negatives the classifier does not flag are left out (a real crawl would have
    collected them, but a year of clean posts is not what the demo is about)."""
    rng = random.Random(seed)
    start = now - timedelta(days=DAYS)
    posts: list[PlannedPost] = []
    for number, ((text, categories, everyday), is_flagged) in enumerate(zip(texts, flagged, strict=True)):
        if not categories and not is_flagged and not everyday:
            continue
        platform = rng.choices(list(PLATFORMS), weights=list(PLATFORMS.values()))[0]
        # More posts in recent months: the unit watches more sources as the year goes on.
        collected = start + timedelta(days=DAYS * rng.random() ** 0.8, minutes=rng.randrange(24 * 60))
        posts.append(PlannedPost(f"h{number:04d}", f"https://{HOST}/{platform}/{number:04d}", platform, text,
                                 rng.choice(HANDLES), categories, _before(collected, now)))
    harmful = [number for number, post in enumerate(posts) if post.categories]
    for number in rng.sample(harmful, min(RECENT, len(harmful))):
        recent = now - timedelta(hours=rng.uniform(1, RECENT_HOURS))
        posts[number] = replace(posts[number], collected_at=recent.astimezone(UTC))
    posts.sort(key=lambda post: post.collected_at)
    flagged_keys = {f"h{number:04d}" for number, value in enumerate(flagged) if value}
    builder = _Builder(rng, now, timedelta(hours=deadline_hours))
    takedowns: list[tuple[datetime, PlannedPost, str]] = []
    for post in posts:
        if post.key not in flagged_keys:
            continue
        decided = builder.decide(post)
        if decided is None or not post.categories:
            continue
        follow_up, reviewer = decided
        if follow_up == "warning":
            builder.warning(post, reviewer)
        elif follow_up != "none":
            takedowns.append((builder.decided_at[post.key], post, reviewer))
    builder.takedowns(takedowns)
    reappearing = builder.reappearances(posts, flagged_keys)
    steps = sorted(builder.steps, key=lambda step: step.at)
    return Plan(posts, reappearing, [step for step in steps if step.at <= now])


class _Builder:
    """Adds each post's steps; times drawn from one seeded generator, in a fixed order."""

    def __init__(self, rng: random.Random, now: datetime, deadline: timedelta) -> None:
        self.rng, self.now, self.deadline = rng, now, deadline
        self.steps: list[Step] = []
        self.decided_at: dict[str, datetime] = {}
        self.removed_at: dict[str, datetime] = {}
        self.notices = 0

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high))

    def add(self, at: datetime, action: str, **args) -> datetime:
        self.steps.append(Step(at, action, args))
        return at

    def decide(self, post: PlannedPost) -> tuple[str, str] | None:
        at = post.collected_at + self.hours(0.5, 30)
        if at > self.now:
            return None  # still waiting for review
        reviewer = self.rng.choice(REVIEWERS)
        category = post.categories[0] if post.categories else None
        roll = self.rng.random()
        if category is None:
            follow_up = "dismiss"
        elif category in REFERRED and roll < 0.45:
            follow_up = "investigation"
        elif category in WARNED and roll < 0.45:
            follow_up = "warning"
        elif roll < 0.08:
            follow_up = "none"
        else:
            follow_up = "takedown"
        self.decided_at[post.key] = at
        self.add(at, "decide", post=post.key, reviewer=reviewer, follow_up=follow_up,
                 categories=list(post.categories))
        return follow_up, reviewer

    def warning(self, post: PlannedPost, reviewer: str) -> None:
        """A warning to the poster, sent by the reviewer; heeded within the deadline, or escalated to a
        removal request once the scheduler has marked it overdue."""
        key = self.new_notice()
        drafted = self.add(self.decided_at[post.key] + self.hours(0.3, 3), "draft", notice=key, kind="warning",
                           posts=[post.key], by=reviewer, recipient=post.author)
        sent = self.add(drafted + self.hours(0.1, 1), "send", notice=key, by=reviewer, channel="electronic")
        deadline = sent + self.deadline
        if self.rng.random() < 0.55:
            self.remove(key, [post.key], sent + self.deadline * self.rng.uniform(0.04, 0.83))
            return
        self.add(deadline + self.hours(0.5, 6), "mark_overdue")
        self.takedown([post], reviewer, deadline + self.hours(6, 30))

    def takedowns(self, queued: list[tuple[datetime, PlannedPost, str]]) -> None:
        """Removal requests: posts confirmed on one platform within two days go in one notice (≤ 3)."""
        open_groups: dict[str, list[tuple[datetime, PlannedPost, str]]] = {}
        for item in sorted(queued, key=lambda item: item[0]):
            group = open_groups.setdefault(item[1].platform, [])
            if group and (len(group) == 3 or item[0] - group[0][0] > timedelta(hours=48)):
                self.takedown([post for _, post, _ in group], group[0][2], group[-1][0] + self.hours(0.5, 4))
                group.clear()
            group.append(item)
        for group in open_groups.values():
            if group:
                self.takedown([post for _, post, _ in group], group[0][2], group[-1][0] + self.hours(0.5, 4))

    def takedown(self, posts: list[PlannedPost], drafter: str, drafted: datetime) -> None:
        key = self.new_notice()
        keys = [post.key for post in posts]
        supervisor = self.rng.choice(SUPERVISORS)
        self.add(drafted, "draft", notice=key, kind="takedown", posts=keys, by=drafter, recipient="")
        approved = self.add(drafted + self.hours(0.5, 8), "approve", notice=key, by=supervisor)
        channel = self.rng.choices(("electronic", "letter", "phone"), weights=(7, 2, 1))[0]
        sent = self.add(approved + self.hours(0.2, 3), "send", notice=key, by=supervisor, channel=channel)
        deadline = sent + self.deadline
        outcome = self.rng.choices(("within", "late", "online"), weights=(66, 22, 12))[0]
        if outcome == "online" and sent < self.now - STILL_ONLINE:  # escalated until gone, in the end
            outcome = "late"
        if outcome == "within":
            for post in keys:
                self.remove(key, [post], sent + self.deadline * self.rng.uniform(0.06, 0.95))
            return
        self.add(deadline + self.hours(0.5, 6), "mark_overdue")
        resent = deadline + self.hours(6, 20)
        if self.rng.random() < 0.6:
            self.add(resent, "send", notice=key, by=supervisor, channel="electronic")
        if outcome == "late":
            for post in keys:
                self.remove(key, [post], resent + self.hours(2, 60))

    def remove(self, notice: str, posts: list[str], at: datetime) -> None:
        """Found gone by the re-check, or confirmed by the platform and recorded by a supervisor later."""
        by = "recheck" if self.rng.random() < 0.7 else self.rng.choice(SUPERVISORS)
        recorded = at if by == "recheck" else at + self.hours(0.5, 6)
        self.add(recorded, "remove", notice=notice, posts=posts, by=by, removed_at=at)
        for post in posts:
            self.removed_at[post] = at

    def reappearances(self, posts: list[PlannedPost], flagged_keys: set[str]) -> list[PlannedPost]:
        """Removed posts whose text comes back on the same platform, under another account; most are
        confirmed and requested again, the latest wait at the top of the review queue."""
        removed = [post for post in posts if post.key in flagged_keys
                   and self.removed_at.get(post.key, self.now) < self.now - timedelta(days=12)]
        found = []
        chosen = self.rng.sample(removed, min(REAPPEARED, len(removed)))
        for number, original in enumerate(chosen):
            waiting = number >= len(chosen) - REAPPEARED_WAITING  # found again in the last days
            later = timedelta(days=self.rng.uniform(3, 60))
            at = _before(self.now - self.hours(3, 40) if waiting else self.removed_at[original.key] + later, self.now)
            copy = PlannedPost(f"r{number:03d}", f"https://{HOST}/{original.platform}/{original.key}-r{number}",
                               original.platform, original.text, self.rng.choice(HANDLES), original.categories,
                               at, reappearance_of=original.key)
            found.append(copy)
            self.add(at, "reappear", post=copy.key)
            reviewed = at + self.hours(0.5, 8)
            if not waiting and reviewed < self.now:
                reviewer = self.rng.choice(REVIEWERS)
                self.add(reviewed, "decide", post=copy.key, reviewer=reviewer, follow_up="takedown",
                         categories=list(copy.categories))
                self.takedown([copy], reviewer, reviewed + self.hours(0.5, 3))
        return found

    def new_notice(self) -> str:
        self.notices += 1
        return f"n{self.notices:03d}"


def _before(moment: datetime, now: datetime) -> datetime:
    return min(moment, now - timedelta(minutes=30)).astimezone(UTC)
