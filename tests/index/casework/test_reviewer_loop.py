"""The reviewer's loop in the domain (index/casework/lifecycle.py, index/storage/review_queue.py): one held post per
reviewer, release, related posts decided together (each its own events), the queue's filters and sorts."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from index.casework import lifecycle
from index.casework.lifecycle import AlreadyHolding, TransitionError
from index.storage.queries import QueryError
from index.storage.review_queue import QueueRequest, page_body, read_page
from safewatch.records import post_id_for

NOW = datetime.now(UTC)


def _flag(repo, n, **fields):
    url = f"http://loop.example/t/{n}"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": f"bài số {n}", "status": "flagged",
                             "priority": 1.0 + n / 10, "labels": ["drugs"], "platform": "forum", "source": "demo",
                             "collected_at": NOW.isoformat(), **fields}])
    repo.refresh()
    return post_id_for(url)


def test_a_reviewer_holds_one_post_next_gives_it_back_and_release_frees_it(repo):
    first, second = _flag(repo, 1), _flag(repo, 2)
    held = lifecycle.claim_next(repo, reviewer="lan")
    assert held["id"] == second  # the most urgent
    assert lifecycle.claim_next(repo, reviewer="lan")["id"] == second  # n again: the same post, not a second one
    with pytest.raises(AlreadyHolding, match="already hold another post") as refused:
        lifecycle.claim(repo, first, reviewer="lan")
    assert refused.value.post_id == second
    assert repo.get_post(first).source["status"] == "flagged"
    with pytest.raises(TransitionError, match="do not hold"):
        lifecycle.release(repo, second, reviewer="minh")
    lifecycle.release(repo, second, reviewer="lan")
    released = repo.get_post(second).source
    assert released["status"] == "flagged" and released["claimed_by"] is None
    assert [e["to_status"] for e in repo.events_for(second)] == ["in_review", "flagged"]
    assert lifecycle.claim(repo, first, reviewer="lan")["claimed_by"] == "lan"  # free to take another now


def test_an_expired_claim_does_not_count_as_held(repo):
    first, second = _flag(repo, 1), _flag(repo, 2)
    lifecycle.claim(repo, first, reviewer="lan", now=NOW - timedelta(minutes=30))
    assert lifecycle.claim(repo, second, reviewer="lan", now=NOW)["claimed_by"] == "lan"


def test_two_claims_at_once_by_one_reviewer_leave_at_most_one_held(repo):
    ids = [_flag(repo, n) for n in range(4)]
    barrier, outcomes = threading.Barrier(4), []

    def take(post_id):
        barrier.wait()
        try:
            lifecycle.claim(repo, post_id, reviewer="lan")
            outcomes.append("held")
        except (AlreadyHolding, lifecycle.ConcurrentChange):
            outcomes.append("refused")

    threads = [threading.Thread(target=take, args=(post_id,)) for post_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    repo.refresh()
    assert len(repo.posts_held_by("lan", now=datetime.now(UTC).isoformat())) <= 1


def test_related_posts_are_decided_together_each_with_its_own_events(repo):
    main, copy, other_held, decided = (_flag(repo, n, content_hash="a" * 64) for n in range(4))
    lifecycle.claim(repo, decided, reviewer="minh")
    lifecycle.decide(repo, decided, reviewer="minh", confirm=False, categories=[])
    lifecycle.claim(repo, other_held, reviewer="minh")
    lifecycle.claim(repo, main, reviewer="lan")
    with pytest.raises(TransitionError, match="Decide this post first"):
        lifecycle.decide_related(repo, main, [copy], reviewer="lan", confirm=True, categories=["drugs"])
    lifecycle.decide(repo, main, reviewer="lan", confirm=True, categories=["drugs"], note="cùng một tin")
    done, left = lifecycle.decide_related(repo, main, [copy, other_held, decided], reviewer="lan", confirm=True,
                                          categories=["drugs"], note="cùng một tin", request_id="req-9")
    assert done == [copy] and left == [other_held, decided]
    copied = repo.get_post(copy).source
    assert copied["status"] == "confirmed" and copied["reviewer"] == "lan" and copied["categories"] == ["drugs"]
    assert [(e["to_status"], e["request_id"]) for e in repo.events_for(copy)] == [
        ("in_review", "req-9"), ("confirmed", "req-9")]
    assert repo.get_post(other_held).source["claimed_by"] == "minh"
    assert repo.get_post(decided).source["status"] == "dismissed"


def _page(repo, **asked):
    posts, facets = read_page(repo.review_queue_page(page_body(QueueRequest(**asked), now=datetime.now(UTC))))
    return [post["id"] for post in posts], facets


def test_queue_filters_and_sorts(repo):
    old = _flag(repo, 1, labels=["superstition"], platform="facebook", source="fb-groups",
                collected_at=(NOW - timedelta(days=10)).isoformat())
    mid = _flag(repo, 2, labels=["gambling"], collected_at=(NOW - timedelta(days=3)).isoformat())
    new = _flag(repo, 3, labels=["grooming"], priority=0.1)
    held = _flag(repo, 4, labels=["drugs"])
    lifecycle.claim(repo, held, reviewer="minh")
    assert set(_page(repo)[0]) == {old, mid, new, held}  # posts others hold are shown too
    assert _page(repo, categories=("gambling",))[0] == [mid]
    assert set(_page(repo, min_severity=4)[0]) == {new, held}
    assert _page(repo, platform="facebook")[0] == [old] and _page(repo, source="fb-groups")[0] == [old]
    assert set(_page(repo, age="day")[0]) == {new, held} and _page(repo, age="older")[0] == [old]
    assert set(_page(repo, age="week")[0]) == {mid, new, held}
    assert _page(repo, sort="oldest")[0][:2] == [old, mid] and _page(repo, sort="newest")[0][-2:] == [mid, old]
    assert _page(repo, sort="severity")[0][0] == new and _page(repo, sort="severity")[0][-1] == old
    assert _page(repo)[1] == {"platform": ["facebook", "forum"], "source": ["demo", "fb-groups"]}


@pytest.mark.parametrize("asked, message", [({"categories": ("nope",)}, "Unknown category"),
                                            ({"min_severity": 7}, "1 to 5"), ({"age": "year"}, "Unknown age"),
                                            ({"sort": "random"}, "Unknown sort")])
def test_bad_queue_requests_are_refused_with_a_message(asked, message):
    with pytest.raises(QueryError, match=message):
        QueueRequest(**asked)


def _refresh_off(repo):
    for index in (repo.posts, repo.events):
        repo.client.indices.put_settings(index=index, settings={"index.refresh_interval": "-1"})


def _held_by(repo, reviewer, ids):
    now = datetime.now(UTC).isoformat()
    return [post_id for post_id in ids if (lambda p: p["status"] == "in_review" and p["claimed_by"] == reviewer
                                           and p["claim_expires_at"] > now)(repo.get_post(post_id).source)]


def test_a_claim_counts_at_once_though_searches_do_not_see_it_yet(repo):
    """Claims are not refreshed at once (every reviewer makes one a minute). With the scheduled refresh off,
    so that searches never see them by themselves: the claimer's next "next" gives the same post, a second
    claim is refused, another reviewer gets another post, the queue page names the holder, and the post's
    history has the claim."""
    from index.storage.review_queue import REVIEW_FIELDS, as_stored_now
    first, second, third = _flag(repo, 1), _flag(repo, 2), _flag(repo, 3)
    _refresh_off(repo)
    held = lifecycle.claim_next(repo, reviewer="lan")["id"]
    assert held == third
    unseen = repo.client.search(index=repo.posts, query={"term": {"status": "in_review"}})["hits"]["total"]["value"]
    assert unseen == 0  # not refreshed: a plain search still sees the post as flagged
    assert lifecycle.claim_next(repo, reviewer="lan")["id"] == third
    with pytest.raises(AlreadyHolding) as refused:
        lifecycle.claim(repo, first, reviewer="lan")
    assert refused.value.post_id == third
    assert lifecycle.claim_next(repo, reviewer="minh")["id"] == second

    def queue_page():
        posts, _ = read_page(repo.review_queue_page(page_body(QueueRequest(), now=datetime.now(UTC))))
        current = repo.post_fields([post["id"] for post in posts], list(REVIEW_FIELDS))
        return {post["id"]: post["claimed_by"] for post in as_stored_now(posts, current)}

    assert queue_page() == {third: "lan", second: "minh", first: None}
    current = repo.get_post(third).source
    assert [(e["to_status"], e["actor"]) for e in repo.events_for(third, current=current)] == [("in_review", "lan")]
    lifecycle.decide(repo, third, reviewer="lan", confirm=False, categories=[])
    assert queue_page() == {second: "minh", first: None}  # decided meanwhile: off the page
    assert lifecycle.claim_next(repo, reviewer="lan")["id"] == first


def test_many_nexts_at_once_by_one_reviewer_unrefreshed_leave_one_post_held(repo):
    """Four tabs press "next" at the same instant while searches see none of the claims: the hold record,
    moved only from the version each read, lets one claim stand; the others give their post back."""
    ids = [_flag(repo, n) for n in range(6)]
    _refresh_off(repo)
    barrier, outcomes = threading.Barrier(4), []

    def press_next():
        barrier.wait()
        try:
            outcomes.append(lifecycle.claim_next(repo, reviewer="lan")["id"])
        except (AlreadyHolding, lifecycle.ConcurrentChange) as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=press_next) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    held = _held_by(repo, "lan", ids)
    assert len(held) == 1, (held, outcomes)
    assert repo.get_hold("lan").source["post_id"] == held[0]
    assert lifecycle.claim_next(repo, reviewer="lan")["id"] == held[0]
