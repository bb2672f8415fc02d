"""A real XenForo forum installed under a sub-path (#15): GTPlanet's forum under /forum/ (XenForo 1, from
harvest's WEB-FORUM gold standard, tests/crawlers/sites/real/harvest/gtplanet-xenforo1.html), read with a
source entry of kind `xenforo` written as the README tells an operator. Every post comes out (text, shown
name, permalink under /forum/, date in the board's zone, language), and a re-check asks the post's own
captured link: never the site root's /posts/N/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import HtmlResponse, Request

from crawlers.pages.xenforo import is_thread_page, still_there, thread_page, thread_page_links
from crawlers.registry import load_sources
from index.casework import lifecycle
from safewatch.records import post_id_for
from tests.crawlers.fixture_server import FixtureServer, Reply
from tests.crawlers.test_recheck import under_notice

PAGE = (Path(__file__).parent / "sites" / "real" / "harvest" / "gtplanet-xenforo1.html").read_bytes()
SITE = "https://www.gtplanet.net"
THREAD = "/forum/threads/f1-2018-general-discussion.378195/"

# As an operator writes it from the README (the comment says what the page showed).
SOURCE = """sources:
  - id: gtplanet
    name: GTPlanet Forums (XenForo 1, under /forum/)
    platform: forum
    kind: xenforo
    start_urls: ["{start}"]
    language: en
    timezone: Europe/London     # the page's serverTimeInfo: midnight at UTC+01:00 in June (British time)
    follow: false
    rate_limit: {{concurrency: 1, delay: 0}}
"""

LONDON = ZoneInfo("Europe/London")
# (post id, shown name, handle, time as printed, post it quotes, start of its own text), in page order
POSTS = [
    (12323128, "khr1s", "khr1s.279499", "May 15, 2018 1:20 PM", None, "Hi guys in 40 minutes from now F1 2018"),
    (12323222, "baldgye", "baldgye.150169", "May 15, 2018 2:47 PM", None, "Isn't it coming out a month sooner"),
    (12323300, "Matt Stephens", "matt-stephens.290013", "May 15, 2018 4:02 PM", 12323222, "Previous two games"),
    (12323305, "baldgye", "baldgye.150169", "May 15, 2018 4:06 PM", 12323300, "Yeah I always had September"),
    (12323330, "Matt Stephens", "matt-stephens.290013", "May 15, 2018 4:27 PM", None, "Anyone have any predictions"),
    (12333913, "AMG 4 LIFE", "amg-4-life.270049", "May 24, 2018 5:46 PM", None, "https://nl.motorsport.com/f1/"),
    (12334083, "Matt Stephens", "matt-stephens.290013", "May 24, 2018 7:35 PM", None, "(Removed out of courtesy)"),
    (12334171, "AMG 4 LIFE", "amg-4-life.270049", "May 24, 2018 8:39 PM", 12334083, "Thanks for the more in depth"),
    (12343055, "ProjectWHaT", "projectwhat.239466", "May 31, 2018 8:51 PM", None, "If you signed up for the beta"),
    (12343157, "Matt Stephens", "matt-stephens.290013", "May 31, 2018 10:24 PM", 12343055, "Pretty sure it was"),
    # 12365561 (LITTLEBLACKO): an Instagram embed and no text, counted as a block without text
    (12365744, "MagpieRacer", "magpieracer.47171", "Jun 18, 2018 2:06 PM", 12365561, "Brawn GP and Williams FW25"),
    (12365786, "SestoScudo", "sestoscudo.291147", "Jun 18, 2018 2:36 PM", None, "I hope we get more classic cars"),
    (12365916, "Theiceman1", "theiceman1.263457", "Jun 18, 2018 4:04 PM", None, "So...only with Headline Edt"),
    # quotes "MildAshers", the name 12365744's author had then: the link, not the name, says which post
    (12366012, "305Michael305", "305michael305.297654", "Jun 18, 2018 4:58 PM", 12365744, "I’m defently digital"),
    (12366173, "GOTMAXPOWER", "gotmaxpower.145146", "Jun 18, 2018 7:00 PM", 12365744, "Why is the Williams missing"),
    (12366188, "ProjectWHaT", "projectwhat.239466", "Jun 18, 2018 7:12 PM", None, "Here's the E3 interview"),
    (12366240, "Carbon_6", "carbon_6.289534", "Jun 18, 2018 7:55 PM", 12366173, 'Guess not every sponsor could be "b'),
    (12366292, "ykiki", "ykiki.179624", "Jun 18, 2018 8:41 PM", 12366240, "I'm guessing there's no Itaipava"),
    (12366293, "GOTMAXPOWER", "gotmaxpower.145146", "Jun 18, 2018 8:43 PM", 12366240, "It's a shame because"),
    (12366644, "Suzumiya", "suzumiya.180577", "Jun 19, 2018 3:33 AM", 12366292, "The Mature rating theory is false"),
    (12367305, "Gadge", "gadge.186173", "Jun 19, 2018 4:49 PM", 12323300, "I think this is why they may have"),
    (12369749, "speedkinduci", "speedkinduci.252736", "Jun 21, 2018 10:56 AM", None, "New French GP Trailer"),
    (12383050, "ProjectWHaT", "projectwhat.239466", "Jul 1, 2018 10:11 PM", None, "http://blog.codemasters.com/f1/06"),
    (12383100, "305Michael305", "305michael305.297654", "Jul 1, 2018 10:59 PM", None, "Sweet"),
    (12386518, "nyrmetros", "nyrmetros.285557", "Jul 4, 2018 2:52 PM", 12365786, "Agreed. I hate the majority"),
    (12386525, "baldgye", "baldgye.150169", "Jul 4, 2018 2:56 PM", 12383050, "old Mclaren front wing..."),
    (12386890, "jake2013guy", "jake2013guy.233356", "Jul 4, 2018 10:05 PM", 12386525, "They're always launch spec"),
    (12386893, "baldgye", "baldgye.150169", "Jul 4, 2018 10:06 PM", 12386890, "2017 is still rocking the launch"),
    (12387624, "ProjectWHaT", "projectwhat.239466", "Jul 5, 2018 3:20 PM", None, "New video that shows off"),
]
EMBED_ONLY = 12365561  # its quote has no text either
# Texts too short for any identifier to say (a bare address, one word) and one it gets wrong ("Brawn GP and
# Williams FW25": Welsh, say py3langid's statistics); every other post is English.
UNSURE_LANGUAGE = {12365744, 12383050, 12383100}


def source(tmp_path: Path, start: str):
    path = tmp_path / "sources.yml"
    path.write_text(SOURCE.format(start=start), encoding="utf-8")
    [entry] = load_sources(path)
    return entry


def served(base: str) -> bytes:
    """The saved page as the forum serves it from `base` (its <base>, canonical and links name the site)."""
    return PAGE.replace(SITE.encode(), base.encode())


def read(base: str, tmp_path: Path):
    url = base + THREAD
    response = HtmlResponse(url, body=served(base), encoding="utf-8", request=Request(url))
    entry = source(tmp_path, url)
    return response, thread_page(response, source=entry.id, platform=entry.platform, timezone=entry.zone)


def test_every_post_of_a_real_xenforo1_thread_under_a_sub_path(tmp_path):
    response, page = read(SITE, tmp_path)
    assert is_thread_page(response)
    assert page.unaccounted == {"no_text": 1}  # the Instagram embed alone, counted, never silently lost
    assert len(page.records) == len(POSTS)
    for record, (post_id, name, handle, printed, quoted, start) in zip(page.records, POSTS, strict=True):
        assert record.url == f"{SITE}/forum/posts/{post_id}/"  # the route the page names, under /forum/
        assert (record.author_name, record.author) == (name, handle)
        assert record.author_url == f"{SITE}/forum/members/{handle}/"
        assert record.published_at == datetime.strptime(printed, "%b %d, %Y %I:%M %p").replace(tzinfo=LONDON)
        assert record.published_at.utcoffset().total_seconds() == 3600  # British summer time
        assert record.text.startswith(start), (post_id, record.text)
        assert record.parent_url == (f"{SITE}/forum/posts/{quoted}/" if quoted else None)
        assert bool(record.quotes) == bool(quoted and quoted != EMBED_ONLY) and "Click to expand" not in record.text
        assert record.kind == "xenforo" and record.title == "F1 2018 General Discussion"
        assert record.thread_url == SITE + THREAD
        if post_id not in UNSURE_LANGUAGE:
            assert record.language == "en", (post_id, record.text)
    first, reply = page.records[0], page.records[2]
    assert first.published_at.isoformat() == "2018-05-15T13:20:00+01:00"  # not the "Last edited" time
    assert first.media_urls == ["http://oi67.tinypic.com/30caakn.jpg"]  # behind the image proxy
    assert first.engagement == {"likes": 3}
    assert reply.quotes == ["baldgye: Isn't it coming out a month sooner than they traditionally do?"]
    assert reply.text.startswith("Previous two games") and "Isn't it" not in reply.text
    assert page.records[23].text == "Sweet" and page.records[23].language == "unknown"
    assert page.records[22].language == "unknown"  # a bare link says nothing of a language
    # the other pages of the thread, from XenForo 1's page navigation (12 pages)
    assert thread_page_links(response).urls == [f"{SITE}{THREAD}page-{n}" for n in range(2, 13)]


def test_still_there_reads_xenforo1_pages(tmp_path):
    response, page = read(SITE, tmp_path)
    assert still_there(response, {"url": page.records[5].url}) is True
    assert still_there(response, {"url": f"{SITE}/forum/posts/12323200/"}) is False  # not on page 1, where it'd be
    assert still_there(response, {"url": f"{SITE}/forum/posts/12399999/"}) is None  # may be on page 2
    gone = HtmlResponse(f"{SITE}/forum/posts/12323222/", status=404, encoding="utf-8", body=NOT_FOUND)
    assert still_there(gone, {"url": f"{SITE}/forum/posts/12323222/"}) is False


NOT_FOUND = b"""<!DOCTYPE html><html id="XenForo"><body><div id="content" class="error"><div class="pageContent">
<div class="errorOverlay"><div class="baseHtml">The requested post could not be found.</div></div>
</div></div></body></html>"""
POST = 12323222  # baldgye's "Isn't it coming out a month sooner…"


def routes(case: str) -> dict[str, Reply]:
    """The forum under /forum/ as each case has it; the site root answers 404 for /posts/N/ throughout
    (the forum is not there), as /forum/posts/N/ does once the post is deleted."""
    thread = {THREAD: lambda request: Reply(served(f"http://{request.headers['host']}"))}
    redirect = Reply("", status=301, headers={"Location": f"{THREAD}#post-{POST}"})  # XenForo: to its page
    post = {"present": redirect, "removed": Reply(NOT_FOUND, status=404), "root_404": redirect}[case]
    return {**thread, f"/forum/posts/{POST}/": post, f"/posts/{POST}/": Reply("<h1>Not Found</h1>", status=404)}


@pytest.mark.parametrize(("case", "outcome"), [("present", "0 removed, 1 still online"),
                                               ("removed", "1 removed, 0 still online"),
                                               ("root_404", "0 removed, 1 still online")])
def test_crawl_then_recheck_asks_the_posts_own_link_under_the_sub_path(run_crawl, repo, case, outcome):
    with FixtureServer(routes(case)) as server:
        start = server.url(THREAD)
        crawl = run_crawl(SOURCE.format(start=start), "gtplanet")
        assert crawl.returncode == 0, crawl.output
        assert repo.count_posts(source="gtplanet") == len(POSTS), crawl.output
        assert "blocks without text × 1" in crawl.stdout, crawl.stdout
        captured = server.url(f"/forum/posts/{POST}/")
        stored = repo.get_post(post_id_for(captured)).source
        assert stored["author_name"] == "baldgye" and stored["language"] == "en"
        assert stored["published_at"].startswith("2018-05-15T14:47:00+01:00")
        # the crawled post flagged (by an analyst: the classifier let it through), then put under a removal request
        lifecycle.transition(repo, post_id_for(captured), "flagged", actor="lan", reason="test")
        repo.refresh()
        post_id = under_notice(repo, stored["url"], text=stored["text"])
        repo.bulk_update_posts([(post_id, {"kind": "xenforo"})])
        repo.refresh()
        result = run_crawl("sources: []\n", args=("--all",), command="recheck")
        requested = server.paths_requested()
    assert result.returncode == 0, result.output
    assert outcome in result.stdout, (result.output, requested)
    assert f"/forum/posts/{POST}/" in requested and f"/posts/{POST}/" not in requested
    after = repo.get_post(post_id).source
    if case == "removed":
        assert after["status"] == "removed" and after["last_check"] == "removed"
    else:
        assert after["status"] != "removed" and after["last_check"] == "present"
