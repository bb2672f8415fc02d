"""Re-check: posts under a notice are fetched again; removal is recognised in its usual forms and
recorded with its time, a post still online past its deadline is overdue, and nothing is ever
marked removed because of a network error."""

from datetime import UTC, datetime, timedelta

from scrapy.http import HtmlResponse, Request

from crawlers.recheck import decide
from index.casework import lifecycle, notices
from index.casework.notices import NoticeDraft
from safewatch.records import post_id_for
from tests.actors import CHIEF, LAN
from tests.crawlers.fixture_server import FixtureServer, Reply

THREAD = """<html><body><h1>Rao vặt</h1>
<article id="post-1"><div class="body">Pod 1 lần giá học sinh, ib mình</div></article>
<article id="post-3"><div class="body">Bài khác vẫn còn</div></article></body></html>"""
ARTICLE = "<html><body><p>Nạp 50k nhận 500k tại nhà cái uy tín, rút tiền liền tay, link ở bio</p></body></html>"


def response(url, status=200, body="", redirects=None):
    request = Request(url, meta={"redirect_urls": redirects} if redirects else {})
    return HtmlResponse(url, status=status, body=body.encode(), encoding="utf-8", request=request)


def test_decisions_on_each_kind_of_answer():
    post = {"url": "http://f.example/t/1#post-1", "text": "Pod 1 lần giá học sinh, ib mình"}
    assert decide(post, response("http://f.example/t/1", 404))[0] == "removed"
    assert decide(post, response("http://f.example/t/1", 410))[0] == "removed"
    assert decide(post, response("http://f.example/t/1", 503))[0] == "unreachable"
    assert decide(post, response("http://f.example/t/1", 403))[0] == "unreachable"
    to_login = response("http://f.example/login?next=/t/1", redirects=["http://f.example/t/1"])
    assert decide(post, to_login)[0] == "removed"
    assert decide(post, response("http://f.example/", redirects=["http://f.example/t/1"]))[0] == "removed"
    assert decide(post, response("http://f.example/t/1", body=THREAD)) == ("present", "element #post-1 is on the page")
    gone = {**post, "url": "http://f.example/t/1#post-2"}
    assert decide(gone, response("http://f.example/t/1", body=THREAD))[0] == "removed"
    article = {"url": "http://n.example/a",
               "text": "Nạp 50k nhận 500k tại nhà cái uy tín, rút tiền liền tay, link ở bio"}
    assert decide(article, response("http://n.example/a", body=ARTICLE))[0] == "present"
    assert decide(article, response("http://n.example/a", body="<p>Bài viết không tồn tại</p>"))[0] == "removed"


T0 = datetime.now(UTC) - timedelta(days=3)  # notices sent three days ago: past their 24-hour deadline


def under_notice(repo, url: str, text: str = "Pod 1 lần giá học sinh, ib mình") -> str:
    post_id = post_id_for(url)
    repo.bulk_upsert_posts([{"id": post_id, "url": url, "text": text, "status": "flagged", "labels": ["drugs"],
                             "platform": "forum", "source": "demo", "kind": "html"}])
    lifecycle.claim(repo, post_id, reviewer="lan", now=T0)
    lifecycle.decide(repo, post_id, reviewer="lan", confirm=True, categories=["drugs"], now=T0)
    notice = notices.draft(repo, NoticeDraft("takedown", "platform", "Forum", (post_id,)), actor=LAN, now=T0)
    notices.approve(repo, notice["notice_id"], actor=CHIEF, now=T0)
    notices.send(repo, notice["notice_id"], channel="electronic", actor=LAN, now=T0)
    return post_id


def test_recheck_command_records_removals_overdue_and_never_guesses(run_crawl, repo):
    routes = {
        "/gone": Reply("<h1>Not found</h1>", status=404),
        "/suspended": Reply("", status=410),
        "/moved": Reply("", status=302, headers={"Location": "/login?next=/moved"}),
        "/login": Reply("<form>Đăng nhập</form>"),
        "/thread": Reply(THREAD),
        "/busy": Reply("<h1>Service Unavailable</h1>", status=503),
        "/robots.txt": Reply("User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
    }
    with FixtureServer(routes) as server:
        posts = {name: under_notice(repo, server.url(path)) for name, path in (
            ("404", "/gone"), ("410", "/suspended"), ("login", "/moved"), ("element", "/thread#post-2"),
            ("present", "/thread#post-1"), ("503", "/busy"), ("robots", "/private/x"))}
        posts["refused"] = under_notice(repo, "http://127.0.0.1:9/closed-port")
        result = run_crawl("sources: []\n", args=("--all",), command="recheck")
        assert result.returncode == 0, result.output
        names = {post_id: name for name, post_id in posts.items()}
        assert "4 removed, 1 still online, 3 could not be checked" in result.stdout, (
            result.output, names, server.paths_requested())
    stored = {name: repo.get_post(post_id).source for name, post_id in posts.items()}
    for name in ("404", "410", "login", "element"):
        assert stored[name]["status"] == "removed" and stored[name]["removed_at"], name
        assert stored[name]["last_check"] == "removed" and stored[name]["check_count"] == 1
    assert stored["present"]["status"] == "overdue" and stored["present"]["last_check"] == "present"
    for name in ("503", "robots", "refused"):
        assert stored[name]["status"] != "removed" and stored[name]["last_check"] == "unreachable", name
    closed = repo.find_notices(statuses=("removed",), post_id=posts["404"])
    assert closed and closed[0]["within_deadline"] is False and closed[0]["removal_hours"] > 24
    [check] = [e for e in repo.events_for(posts["404"]) if e["action"] == "recheck"]
    assert check["details"]["http_status"] == 404 and check["details"]["evidence"]["sha256"]

    again = run_crawl("sources: []\n", command="recheck")  # all checked just now: nothing is due
    assert "Nothing to re-check" in again.stdout, again.output


def test_the_scheduler_runs_the_recheck_when_due(run_crawl, repo):
    with FixtureServer({"/gone": Reply("<h1>Not found</h1>", status=404)}) as server:
        post_id = under_notice(repo, server.url("/gone"))
        result = run_crawl("sources: []\n", args=("--once",), command="scheduler")
    assert result.returncode == 0, result.output
    assert "re-checking posts under a notice" in result.stdout and "1 removed" in result.stdout, result.output
    assert repo.get_post(post_id).source["status"] == "removed"


def test_kinds_with_their_own_checks_are_asked():
    from crawlers.recheck import check_url
    mastodon = {"kind": "mastodon", "url": "https://social.example/@kiet/1234", "text": "x"}
    assert check_url(mastodon) == "https://social.example/api/v1/statuses/1234"
    assert check_url({"kind": "forum", "url": "http://f.example/t/1#post-1"}) == "http://f.example/t/1"
