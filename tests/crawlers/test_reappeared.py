"""Reappeared content (#15): a collected post whose text or media matches a removed post becomes
`reappeared`, at the top of the queue, linked to the removed original and its notice, through the
lifecycle (audited), and the crawl summary counts it. On a real saved page (a WordPress comment)."""

from __future__ import annotations

from datetime import UTC, datetime

from index.casework import notices, reappearance
from index.casework.lifecycle import claim
from safewatch.records import content_hash, post_id_for
from tests.actors import CHIEF
from tests.crawlers.fixture_server import FixtureServer, Reply
from tests.crawlers.test_follow_and_try import COMMENT_RULES, WORDPRESS
from tests.crawlers.test_recheck import under_notice

SPAM = ("We totally agree that we could have lived without the celebrity nude photo leaks! The Fappening was an "
        "awful phenomenon. That's exactly why we created Hiddn, an app that will protect our photos from being "
        "stolen and used against our will on the web.")


def removed_post(repo, url: str, text: str) -> tuple[str, str]:
    post_id = under_notice(repo, url, text=text)
    repo.bulk_update_posts([(post_id, {"content_hash": content_hash(text)})])  # as the crawler stores it
    notices.record_removal(repo, post_id, actor=CHIEF, removed_at=datetime.now(UTC), reason="re-check: HTTP 404")
    [notice] = repo.find_notices(post_id=post_id)
    repo.refresh()
    return post_id, notice["id"]


def new_post(repo, url: str, text: str, status: str = "flagged", **fields) -> dict:
    doc = {"id": post_id_for(url), "url": url, "text": text, "content_hash": content_hash(text), "status": status,
           "platform": "web", "source": "s", "kind": "html", "priority": 2.0, "labels": ["scam"], **fields}
    repo.bulk_upsert_posts([doc])
    repo.refresh()
    return doc


def test_text_and_near_duplicates_of_a_removed_post_reappear_at_the_top_of_the_queue(repo):
    original, notice_id = removed_post(repo, "http://old.example/p/1", SPAM)
    copy = new_post(repo, "http://new.example/c/9", SPAM)
    edited = new_post(repo, "http://new.example/c/10", SPAM.replace("totally", "really") + " Try it!")
    other = new_post(repo, "http://new.example/c/11", "Một bài viết khác hẳn, không liên quan gì đến bài đã gỡ cả.")
    decided = new_post(repo, "http://new.example/c/12", SPAM + " ", status="dismissed")
    found = reappearance.find_by_text(repo, [copy, edited, other, decided])
    assert {(f.post_id, f.original_id, f.match) for f in found} == {
        (copy["id"], original, "text"), (edited["id"], original, "near_duplicate")}
    assert sorted(reappearance.mark(repo, found, actor="crawler")) == sorted([copy["id"], edited["id"]])
    repo.refresh()
    stored = repo.get_post(copy["id"]).source
    assert stored["status"] == "reappeared" and stored["reappeared_of"] == original
    assert stored["reappeared_notice_ids"] == [notice_id] and stored["reappeared_match"] == "text"
    assert stored["priority"] == reappearance.REAPPEARED_PRIORITY and stored["reappeared_at"]
    assert repo.get_post(other["id"]).source["status"] == "flagged"
    assert repo.get_post(decided["id"]).source["status"] == "dismissed"  # a reviewer's decision stands
    [event] = [e for e in repo.events_for(copy["id"]) if e["action"] == "status_change"]
    assert (event["from_status"], event["to_status"]) == ("flagged", "reappeared") and original in event["reason"]
    queue = [post["id"] for post in repo.review_queue(size=10)]
    assert set(queue[:2]) == {copy["id"], edited["id"]} and other["id"] in queue
    taken = claim(repo, copy["id"], reviewer="lan")  # a reviewer takes it to confirm the match
    assert taken["status"] == "in_review"
    assert repo.count_posts(reappeared_match="text") == 1  # what a report counts (field reappeared_at)


def test_identical_media_of_a_removed_post_reappears(repo):
    original, _ = removed_post(repo, "http://old.example/p/2", "Ảnh cũ đã bị gỡ bỏ theo yêu cầu của cơ quan chức năng")
    repo.bulk_update_posts([(original, {"media": [{"url": "http://old.example/a.jpg", "sha256": "ab" * 32}]})])
    fresh = new_post(repo, "http://new.example/c/20", "Một bài đăng lại chỉ có hình ảnh, chữ khác hoàn toàn nhé")
    repo.refresh()
    found = reappearance.find_by_media(repo, {fresh["id"]: ["ab" * 32], "unrelated": ["cd" * 32]})
    assert [(f.post_id, f.original_id, f.match) for f in found] == [(fresh["id"], original, "media")]
    assert reappearance.mark(repo, found) == [fresh["id"]]
    assert repo.get_post(fresh["id"]).source["status"] == "reappeared"


def test_a_crawl_finds_a_removed_comment_again_on_a_real_wordpress_page(run_crawl, repo):
    from scrapy.http import HtmlResponse

    from crawlers.pages.forum import ForumRules, thread_posts
    rules = ForumRules(post="article.fyre-comment-article", body=".fyre-comment", author=".fyre-comment-username")
    comment = thread_posts(HtmlResponse("http://old.example/", body=WORDPRESS), source="s", rules=rules)[1].text
    assert "bit.ly/hiddnapp" in comment
    # The same spam posted before with another link, removed on a notice; now it is back on this page.
    original, notice_id = removed_post(repo, "http://old.example/comment/5",
                                       comment.replace("bit.ly/hiddnapp", "bit.ly/hiddn-old"))
    with FixtureServer({"/article": Reply(WORDPRESS.decode())}) as server:
        registry = f"""sources:
  - id: flavorwire
    name: Flavorwire
    platform: web
    kind: html
    follow: false
    start_urls: ["{server.url('/article')}"]
{COMMENT_RULES}"""
        result = run_crawl(registry, "flavorwire")
    assert result.returncode == 0, result.output
    assert "1 reappeared" in result.stdout, result.output
    [post] = [p for p in repo.scan_posts({"term": {"status": "reappeared"}}, fields=["reappeared_of", "text",
              "reappeared_notice_ids", "reappeared_match"], sort=[], limit=10)]
    assert post["reappeared_of"] == original and post["reappeared_notice_ids"] == [notice_id]
    assert post["reappeared_match"] == "near_duplicate" and "Hiddn" in post["text"]
