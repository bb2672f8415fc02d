"""Status changes: allowed transitions only, one winner when two reviewers act at once, an event
for every change."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from index.casework import lifecycle
from index.casework.lifecycle import ConcurrentChange, TransitionError
from safewatch.records import post_id_for


@pytest.fixture
def flagged_post(repo):
    url = "http://f.example/t/9#post-9"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": "bán kẹo cho học sinh",
                             "status": "flagged", "priority": 4.0, "labels": ["drugs"]}])
    return post_id_for(url)


def test_claim_then_confirm_records_reviewer_and_events(repo, flagged_post):
    lifecycle.claim(repo, flagged_post, reviewer="lan", request_id="req-1")
    lifecycle.decide(repo, flagged_post, reviewer="lan", confirm=True, categories=["drugs"], note="rõ ràng",
                     request_id="req-2")
    post = repo.get_post(flagged_post).source
    assert post["status"] == "confirmed" and post["reviewer"] == "lan" and post["categories"] == ["drugs"]
    events = repo.events_for(flagged_post)
    assert [(e["from_status"], e["to_status"], e["request_id"]) for e in events] == [
        ("flagged", "in_review", "req-1"), ("in_review", "confirmed", "req-2")]
    assert all(e["actor"] == "lan" and e["at"] for e in events)


def test_invalid_transition_is_refused_with_a_clear_message(repo, flagged_post):
    with pytest.raises(TransitionError, match="Cannot change a post from 'flagged' to 'removed'"):
        lifecycle.transition(repo, flagged_post, "removed", actor="lan")
    with pytest.raises(TransitionError, match="Unknown status"):
        lifecycle.transition(repo, flagged_post, "deleted", actor="lan")
    assert repo.get_post(flagged_post).source["status"] == "flagged"
    assert repo.events_for(flagged_post) == []


def test_confirm_needs_a_category(repo, flagged_post):
    lifecycle.claim(repo, flagged_post, reviewer="lan")
    with pytest.raises(TransitionError, match="at least one category"):
        lifecycle.decide(repo, flagged_post, reviewer="lan", confirm=True, categories=[])


def test_a_claimed_post_is_not_given_to_another_reviewer_until_the_claim_expires(repo, flagged_post):
    now = datetime.now(UTC)
    lifecycle.claim(repo, flagged_post, reviewer="lan", now=now)
    with pytest.raises(ConcurrentChange, match="being reviewed by lan"):
        lifecycle.claim(repo, flagged_post, reviewer="minh", now=now + timedelta(minutes=5))
    with pytest.raises(ConcurrentChange):
        lifecycle.decide(repo, flagged_post, reviewer="minh", confirm=False, categories=[],
                         now=now + timedelta(minutes=5))
    lifecycle.claim(repo, flagged_post, reviewer="minh", now=now + timedelta(minutes=16))
    assert repo.get_post(flagged_post).source["claimed_by"] == "minh"


def test_two_reviewers_deciding_at_once_cannot_both_win(repo, flagged_post):
    """Both read the post, then both write: optimistic concurrency lets exactly one through."""
    lifecycle.claim(repo, flagged_post, reviewer="lan")
    # Both hold the same read of the post, as two browser tabs would.
    snapshot = repo.get_post(flagged_post)
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(target, actor):
        barrier.wait()
        try:
            lifecycle.transition(repo, flagged_post, target, actor=actor, expected=snapshot)
            outcomes.append(("won", target))
        except ConcurrentChange:
            outcomes.append(("lost", target))

    threads = [threading.Thread(target=decide, args=("confirmed", "lan")),
               threading.Thread(target=decide, args=("dismissed", "lan2"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o[0] for o in outcomes) == ["lost", "won"]
    winner = next(target for result, target in outcomes if result == "won")
    assert repo.get_post(flagged_post).source["status"] == winner
    assert [e["to_status"] for e in repo.events_for(flagged_post)] == ["in_review", winner]


def test_audit_events_survive_a_blocked_events_index(repo, flagged_post, tmp_path):
    from index.storage import schema
    repo.spool_dir = tmp_path / "spool"
    events_index = schema.current_index(repo, next(s for s in schema.SPECS if s.name == "events"))
    repo.client.indices.put_settings(index=events_index, settings={"index.blocks.write": True})
    try:
        lifecycle.claim(repo, flagged_post, reviewer="lan")
    finally:
        repo.client.indices.put_settings(index=events_index, settings={"index.blocks.write": False})
    assert repo.get_post(flagged_post).source["status"] == "in_review"
    assert repo.events_for(flagged_post) == []
    assert repo.replay_events() == 1 and repo.replay_events() == 0
    repo.refresh()
    assert [e["to_status"] for e in repo.events_for(flagged_post)] == ["in_review"]


def test_a_decision_during_a_migration_is_refused_cleanly(repo, flagged_post):
    from index.storage import schema
    from index.storage.repository import IndexBusy
    posts_index = schema.current_index(repo, next(s for s in schema.SPECS if s.name == "posts"))
    repo.client.indices.put_settings(index=posts_index, settings={"index.blocks.write": True})
    try:
        with pytest.raises(IndexBusy, match="being migrated"):
            lifecycle.claim(repo, flagged_post, reviewer="lan")
    finally:
        repo.client.indices.put_settings(index=posts_index, settings={"index.blocks.write": False})
    assert repo.get_post(flagged_post).source["status"] == "flagged" and repo.events_for(flagged_post) == []


def test_claim_next_never_gives_one_post_to_two_reviewers(repo):
    urls = [f"http://f.example/q/{n}" for n in range(6)]
    repo.bulk_upsert_posts([{"id": post_id_for(u), "url": u, "text": "x", "status": "flagged", "priority": 1.0 + n,
                             "collected_at": "2026-11-20T00:00:00+00:00"} for n, u in enumerate(urls)])
    repo.refresh()
    claimed, barrier = [], threading.Barrier(4)

    def reviewer(name):
        barrier.wait()
        for _ in range(2):
            post = lifecycle.claim_next(repo, reviewer=name)
            if post:
                claimed.append((name, post["id"]))
                lifecycle.decide(repo, post["id"], reviewer=name, confirm=False, categories=[])

    threads = [threading.Thread(target=reviewer, args=(f"r{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [post_id for _, post_id in claimed]
    assert len(ids) == len(set(ids)) == 6
    assert lifecycle.claim_next(repo, reviewer="late") is None
    for name, post_id in claimed:
        assert repo.get_post(post_id).source["reviewer"] == name


def _flag_posts(repo, count):
    urls = [f"http://f.example/busy/{n}" for n in range(count)]
    repo.bulk_upsert_posts([{"id": post_id_for(u), "url": u, "text": "x", "status": "flagged",
                             "priority": 1.0 + n / count, "collected_at": "2026-11-20T00:00:00+00:00"}
                            for n, u in enumerate(urls)])
    repo.refresh()
    return [post_id_for(u) for u in urls]


def test_a_post_decided_since_the_queue_was_read_is_not_claimed_again(repo, flagged_post):
    """The queue a reviewer read can name a post another reviewer has decided since: claiming it is
    refused (the claim path never reopens a decision), and claim_next goes on to the next post."""
    lifecycle.claim(repo, flagged_post, reviewer="lan")
    lifecycle.decide(repo, flagged_post, reviewer="lan", confirm=False, categories=[])
    with pytest.raises(ConcurrentChange, match="not waiting for review"):
        lifecycle.claim(repo, flagged_post, reviewer="minh")
    assert repo.get_post(flagged_post).source["status"] == "dismissed"
    assert lifecycle.claim_next(repo, reviewer="minh") is None


def test_claim_next_looks_past_a_contested_top_of_the_queue(repo):
    """The search lags behind the claims of others (here: 25 taken without a refresh, more than one
    batch of candidates): the reviewer still gets a waiting post, never "the queue is empty"."""
    ids = _flag_posts(repo, 40)
    repo.client.indices.put_settings(index=repo.posts, settings={"index.refresh_interval": "-1"})
    expires = (datetime.now(UTC) + timedelta(minutes=15)).isoformat()
    taken = ids[-25:]  # the most urgent 25
    for post_id in taken:
        repo.client.update(index=repo.posts, id=post_id, refresh=False,
                           doc={"status": "in_review", "claimed_by": "other", "claim_expires_at": expires})
    post = lifecycle.claim_next(repo, reviewer="lan")
    assert post is not None and post["id"] not in taken and post["claimed_by"] == "lan"


def test_claim_next_under_sixteen_reviewers_never_says_empty_while_posts_wait(repo):
    ids = _flag_posts(repo, 120)
    claimed, lies, barrier = [], [], threading.Barrier(16)

    def reviewer(name):
        barrier.wait()
        while True:
            post = lifecycle.claim_next(repo, reviewer=name)
            if post is None:
                repo.refresh()
                if (waiting := repo.count_posts(status="flagged")):
                    lies.append((name, waiting))  # told "empty" while posts were still waiting
                return
            claimed.append(post["id"])
            lifecycle.decide(repo, post["id"], reviewer=name, confirm=False, categories=[])  # one held at a time

    threads = [threading.Thread(target=reviewer, args=(f"r{n}",)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert lies == []
    assert sorted(claimed) == sorted(ids)  # every post claimed, none twice


def test_decision_records_severity_and_next_step(repo, flagged_post):
    from index.casework.lifecycle import TransitionError
    lifecycle.claim(repo, flagged_post, reviewer="lan")
    with pytest.raises(TransitionError, match="next step"):
        lifecycle.decide(repo, flagged_post, reviewer="lan", confirm=False, categories=[], follow_up="takedown")
    with pytest.raises(TransitionError, match="1 to 5"):
        lifecycle.decide(repo, flagged_post, reviewer="lan", confirm=True, categories=["drugs"], severity=9)
    decided = lifecycle.decide(repo, flagged_post, reviewer="lan", confirm=True, categories=["drugs", "grooming"],
                               follow_up="investigation", note="liên quan vụ việc khác")
    assert decided["severity"] == 5 and decided["follow_up"] == "investigation" and decided["referred_at"]
    assert "referred_to_investigation" in [e["action"] for e in repo.events_for(flagged_post)]


def test_a_decision_is_read_back_at_once_where_it_is_counted_or_listed_though_not_refreshed(repo):
    """A decision is the busiest write, so it is not refreshed at once. With the scheduled refresh off
    (searches would never see it by themselves): the reviewer's next claim skips it, the post's
    history and the period report include it, and its event is there for the case timeline."""
    from index.casework.periods import period
    from index.casework.reports import build_report
    now = datetime.now(UTC)
    urls = [f"http://f.example/now/{n}" for n in range(2)]
    repo.bulk_upsert_posts([{"id": post_id_for(u), "url": u, "text": "x", "status": "flagged", "labels": ["drugs"],
                             "priority": 1.0 + n, "collected_at": now.isoformat()} for n, u in enumerate(urls)])
    repo.refresh()
    first, second = map(post_id_for, urls)
    this_month = period("month", now.date())
    before = build_report(repo, this_month).figures
    for index in (repo.posts, repo.events):
        repo.client.indices.put_settings(index=index, settings={"index.refresh_interval": "-1"})
    held = lifecycle.claim_next(repo, reviewer="lan")
    lifecycle.decide(repo, held["id"], reviewer="lan", confirm=True, categories=["drugs"])
    unseen = repo.client.search(index=repo.posts, query={"term": {"status": "confirmed"}})["hits"]["total"]["value"]
    assert unseen == 0  # not refreshed: a plain search does not see it yet
    after = build_report(repo, this_month).figures
    assert (after.reviewed, after.confirmed) == (before.reviewed + 1, before.confirmed + 1)
    other = {first, second} - {held["id"]}
    assert lifecycle.claim_next(repo, reviewer="lan")["id"] in other
    current = repo.get_post(held["id"]).source
    assert [e["to_status"] for e in repo.events_for(held["id"], current=current)] == ["in_review", "confirmed"]
