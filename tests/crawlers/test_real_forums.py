"""Real forum thread pages (#15): a phpBB 3 topic and a vBulletin 4 thread (from harvest's WEB-FORUM
gold standard, tests/crawlers/sites/real/harvest/), read with source entries written as the README tells
an operator. Every post comes out (text, shown name, permalink without the session id, date in the
site's zone, language) and no block is dropped silently."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawlers.pages.dates import parse_datetime
from crawlers.pages.forum import thread_page
from crawlers.pages.mastodon import status_record
from crawlers.registry import SourceError, load_sources
from safewatch.records import post_id_for
from tests.crawlers.fixture_server import FixtureServer, Reply

REAL = Path(__file__).parent / "sites" / "real"
PHPBB = (REAL / "harvest" / "videolan-phpbb3.html").read_bytes()
VBULLETIN = (REAL / "harvest" / "msworld-vbulletin4.html").read_bytes()
PHPBB_URL = "https://forum.videolan.org/viewtopic.php?f=14&t=145604"
VB_URL = "https://www.msworld.org/forum/showthread.php?143493-FDA-Approes-Generic-20mg-AND-40MG"

# As an operator writes them from the README (the comments say what each page showed).
SOURCES = """sources:
  - id: videolan
    name: The VideoLAN Forums (phpBB 3)
    platform: forum
    kind: html
    start_urls: ["{phpbb}"]
    language: en
    timezone: Europe/Paris          # footer: "All times are UTC+02:00" (Europe/Paris)
    follow: false
    rules:
      post: "div.post"
      body: "div.content"
      permalink: "p.author a::attr(href)"
      author: "dl.postprofile dt > a"
      author_link: "dl.postprofile dt > a::attr(href)"
      time: "xpath:.//p[@class='author']/text()[last()]"
      thread_title: "h2.topic-title a"
  - id: msworld
    name: MSWorld Forums (vBulletin 4)
    platform: forum
    kind: html
    start_urls: ["{vb}"]
    language: en
    timezone: Etc/GMT+5             # footer: "All times are GMT -5" (the Etc/ sign is reversed)
    follow: false
    rules:
      post: "li.postcontainer"
      body: "blockquote.postcontent"
      quote: "div.bbcode_quote"
      permalink: "a.postcounter::attr(href)"
      author: ".username_container a.username"
      author_link: ".username_container a.username::attr(href)"
      time: ".postdate .date"
      date_order: MDY               # 10-31-2017
      thread_title: "span.threadtitle a"
"""


def sources(tmp_path: Path, phpbb: str = PHPBB_URL, vb: str = VB_URL) -> dict:
    path = tmp_path / "sources.yml"
    path.write_text(SOURCES.format(phpbb=phpbb, vb=vb), encoding="utf-8")
    return {source.id: source for source in load_sources(path)}


def read(source, url: str, body: bytes):
    response = HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))
    return thread_page(response, source=source.id, platform=source.platform, rules=source.forum_rules,
                       timezone=source.zone)


PARIS = timezone(timedelta(hours=2))  # summer time in 2018 and 2020
PHPBB_POSTS = [  # (post id, shown name, handle, time, start of the text)
    ("477321", "Mari", "190754", datetime(2018, 7, 20, 20, 59, tzinfo=PARIS), "Hi, I've been using VLC"),
    ("477439", "mfkl", "180340", datetime(2018, 7, 23, 9, 58, tzinfo=PARIS), "Have a look here:"),
    ("477701", "Mari", "190754", datetime(2018, 7, 25, 18, 19, tzinfo=PARIS), "Ok, I see that forum"),
    ("477769", "Mari", "190754", datetime(2018, 7, 26, 18, 13, tzinfo=PARIS), "Okay, this worked."),
    ("502751", "COKEDUDE", "21882", datetime(2020, 4, 21, 21, 33, tzinfo=PARIS), "Since this took me awhile"),
]


def test_every_post_of_a_real_phpbb3_topic(tmp_path):
    source = sources(tmp_path)["videolan"]
    page = read(source, PHPBB_URL, PHPBB)
    assert page.unaccounted == {}
    assert len(page.records) == len(PHPBB_POSTS)
    for record, (post_id, name, handle, when, start) in zip(page.records, PHPBB_POSTS, strict=True):
        # every link on the page carries the session id; the stored link, shown and sent in notices, does not
        assert record.url == f"https://forum.videolan.org/viewtopic.php?p={post_id}#p{post_id}"
        assert record.thread_url == PHPBB_URL
        assert record.canonical_url == f"https://forum.videolan.org/viewtopic.php?p={post_id}#p{post_id}"
        assert (record.author_name, record.author, record.published_at) == (name, handle, when)
        assert record.published_at.utcoffset() == timedelta(hours=2)
        assert record.text.startswith(start) and record.language == "en"
        assert record.author_url == f"https://forum.videolan.org/memberlist.php?mode=viewprofile&u={handle}"
        assert record.title == "Recording primary monitor in dual monitor setup"
    # the quoted post is kept apart from the reply's own words
    reply = page.records[3]
    assert "Have a look here" not in reply.text and reply.quotes[0].startswith("Have a look here")


GMT_MINUS_5 = timezone(timedelta(hours=-5))
VB_POSTS = [
    ("1504900", "its2much", "70024-its2much", datetime(2017, 10, 4, 11, 0, tzinfo=GMT_MINUS_5), "Just read that"),
    ("1505375", "its2much", "70024-its2much", datetime(2017, 10, 31, 13, 56, tzinfo=GMT_MINUS_5), "with my special"),
    ("1505554", "alanpgh", "1935-alanpgh", datetime(2017, 11, 11, 20, 42, tzinfo=GMT_MINUS_5), "Here's the link"),
    ("1505588", "Mamabug", "2900-Mamabug", datetime(2017, 11, 14, 11, 14, tzinfo=GMT_MINUS_5), "Thanks for the"),
]


def test_every_post_of_a_real_vbulletin4_thread_under_a_sub_path(tmp_path):
    source = sources(tmp_path)["msworld"]
    page = read(source, VB_URL, VBULLETIN)
    # vBulletin 4 writes each body as <blockquote class="postcontent">: no body is taken for a quote
    assert page.unaccounted == {}
    assert len(page.records) == len(VB_POSTS)
    for record, (post_id, name, handle, when, start) in zip(page.records, VB_POSTS, strict=True):
        assert record.canonical_url == ("https://www.msworld.org/forum/showthread.php?"
                                        f"143493-FDA-Approes-Generic-20mg-AND-40MG&p={post_id}#post{post_id}")
        assert record.url == f"{VB_URL}&p={post_id}#post{post_id}"  # as linked, without "&s=953b…"
        assert (record.author_name, record.author, record.published_at) == (name, handle, when)
        assert record.text.startswith(start) and record.language == "en"
        assert "953b335396c68d8ed9286adf3abe3c27" not in (record.author_url or "") + record.author
        assert record.title == "FDA Approes Generic 20mg AND 40MG"
    assert "~ Faith" not in page.records[3].text  # the signature is outside the body


def test_month_first_dates_and_the_date_order_rule(tmp_path):
    zone = timezone(timedelta(hours=-5))
    assert parse_datetime("10-31-2017, 01:56 PM", timezone=zone) is None  # day 10 of month 31: no guess
    assert parse_datetime("10-31-2017, 01:56 PM", timezone=zone, month_first=True) == \
        datetime(2017, 10, 31, 13, 56, tzinfo=zone)
    assert parse_datetime("10-04-2017, 11:00 AM", timezone=zone).month == 4  # DMY by default
    bad = SOURCES.format(phpbb=PHPBB_URL, vb=VB_URL).replace("date_order: MDY", "date_order: YMD")
    (tmp_path / "bad.yml").write_text(bad, encoding="utf-8")
    with pytest.raises(SourceError, match="date_order"):
        load_sources(tmp_path / "bad.yml")


def test_a_crawl_of_both_real_pages_stores_every_post(run_crawl, repo, tmp_path):
    routes = {"/viewtopic.php?f=14&t=145604": Reply(PHPBB),
              "/forum/showthread.php?143493-FDA-Approes-Generic-20mg-AND-40MG": Reply(VBULLETIN)}
    with FixtureServer(routes) as server:
        registry = SOURCES.format(phpbb=server.url("/viewtopic.php?f=14&t=145604"),
                                  vb=server.url("/forum/showthread.php?143493-FDA-Approes-Generic-20mg-AND-40MG"))
        result = run_crawl(registry, "videolan", "msworld")
        first_url = server.url("/viewtopic.php?p=477321#p477321")
    assert result.returncode == 0, result.output
    assert "post blocks" not in result.stdout and "posts dropped" not in result.stdout, result.stdout
    assert repo.count_posts(source="videolan") == len(PHPBB_POSTS)
    assert repo.count_posts(source="msworld") == len(VB_POSTS)
    first = repo.get_post(post_id_for(first_url)).source
    assert first["author_name"] == "Mari" and first["published_at"].startswith("2018-07-20T20:59:00+02:00")
    assert first["language"] == "en"


def test_the_language_mastodon_reports_is_kept_on_a_real_answer():
    import json
    status = json.loads((REAL / "mastodon_py" / "status.json").read_bytes())
    record = status_record(status, "http://localhost:3000", source="m", platform="mastodon")
    assert status["language"] == "ja" and record.language == "ja"  # "Toot!" alone says nothing
