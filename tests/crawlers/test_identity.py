"""Identity and nothing lost (#15), on real saved pages (tests/crawlers/sites/real/, sources and
licences in each folder's README): stable post ids, feeds' original links and leading BOMs, nested post
blocks and their parents, every block accounted for, authors, dates, languages."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import HtmlResponse, XmlResponse

from crawlers.pages import mastodon as api
from crawlers.pages.dates import parse_datetime
from crawlers.pages.feed import feed_posts
from crawlers.pages.forum import ForumRules, profile_url, thread_page
from crawlers.pages.language import detect_language, platform_language
from crawlers.registry import SourceError, load_sources
from crawlers.summary import summary_lines
from safewatch.records import PostRecord, canonical_url, post_id_for

REAL = Path(__file__).parent / "sites" / "real"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
ARTICLE = "https://lemire.me/blog/2019/08/02/json-parsing-simdjson-vs-json-for-modern-c/"


def _wordpress() -> HtmlResponse:
    return HtmlResponse(ARTICLE, body=(REAL / "trafilatura" / "lemire.me.json.html").read_bytes(), encoding="utf-8")


# WordPress threaded comments: a reply is an <li class="comment"> inside the <li> of the comment it answers.
WORDPRESS = ForumRules(post="li.comment", permalink=".comment-metadata a::attr(href)", author=".comment-author .fn",
                       author_link=".comment-author .fn a::attr(href)", time=".comment-metadata time::text",
                       body=".comment-content", thread_title="h1.entry-title")


# --- stable post ids -------------------------------------------------------------------------------

@pytest.mark.parametrize(("visit", "page"), [
    ("https://forum.example/showthread.php?s=8f3a9c&t=5512&p=2", "https://forum.example/showthread.php?p=2&t=5512"),
    ("https://forum.example/viewtopic.php?f=2&t=3&sid=0a1b2c3d", "https://forum.example/viewtopic.php?f=2&t=3"),
    ("https://forum.example/index.php?PHPSESSID=abc123&topic=7.0", "https://forum.example/index.php?topic=7.0"),
    ("https://forum.example/thread.jsp;jsessionid=0A1B2C3D?id=9", "https://forum.example/thread.jsp?id=9"),
    ("https://forum.example/thread.jsp;JSESSIONID=0A1B2C3D", "https://forum.example/thread.jsp"),
    ("https://forum.example/t/9?JSESSIONID=x", "https://forum.example/t/9"),
    ("https://news.example/a?utm_source=fb&utm_medium=social&fbclid=IwAR0x", "https://news.example/a"),
    ("https://forum.example/showthread.php?s=&t=5512#post77", "https://forum.example/showthread.php?t=5512#post77"),
])
def test_session_and_tracking_parameters_never_make_a_new_post_id(visit, page):
    assert canonical_url(visit) == page
    assert post_id_for(visit) == post_id_for(page)


def test_parameters_that_name_the_page_are_kept():
    assert canonical_url("https://forum.example/showthread.php?t=1") != canonical_url(
        "https://forum.example/showthread.php?t=2")
    assert canonical_url("https://forum.example/search.php?sort=new") == "https://forum.example/search.php?sort=new"


# --- feeds -----------------------------------------------------------------------------------------

def _feed(prefix: bytes = b"") -> list[PostRecord]:
    body = (REAL / "feedjira" / "PaulDixExplainsNothing.xml").read_bytes()
    return feed_posts(XmlResponse("http://feeds.feedburner.com/PaulDixExplainsNothing", body=prefix + body),
                      source="blog", platform="blog")


def test_a_feedburner_entry_is_identified_by_its_original_link_not_the_redirect():
    posts = _feed()
    assert [post.url for post in posts] == [
        "http://www.pauldix.net/2009/01/making-a-ruby-c-library-even-faster.html",
        "http://www.pauldix.net/2009/01/sax-machine-sax-parsing-made-easy.html"]


@pytest.mark.parametrize("prefix", [b"\n", b"  \r\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n", b"\n\xef\xbb\xbf"])
def test_whitespace_or_a_bom_before_the_xml_declaration_keeps_the_entity_references(prefix):
    plain = _feed()
    posts = _feed(prefix)
    assert [post.text for post in posts] == [post.text for post in plain]
    assert posts[0].text.startswith("Last week I released the first version of a SAX based XML parsing library")
    assert "<p>" not in posts[0].text and not posts[0].text.startswith("p")
    assert posts[0].published_at == datetime(2009, 1, 22, 10, 50, 22, tzinfo=timezone(timedelta(hours=-5)))


def test_feed_authors_keep_the_name_as_shown_and_a_normalised_form():
    document = _feed()[0].to_document()
    assert document["author_name"] == "Paul Dix" and document["author"] == "paul dix"


# --- nested blocks, replies, authors, dates --------------------------------------------------------

def test_wordpress_threaded_comments_each_with_its_parent_date_and_author():
    page = thread_page(_wordpress(), source="blog", platform="blog", rules=WORDPRESS, timezone=ZoneInfo("UTC"))
    posts = {post.url.rsplit("#", 1)[1]: post for post in page.records}
    assert list(posts) == ["comment-421882", "comment-422154", "comment-422230", "comment-422240", "comment-422257"]
    assert page.unaccounted == {}
    # A comment enclosing its replies is read without them: its own words, its own date.
    assert posts["comment-422154"].text == "vcpkg has simdjson in its repo (for those that did not know)."
    assert posts["comment-422240"].text.startswith("Daniel, you wrote")
    assert "Please try it out!" not in posts["comment-422240"].text
    # Replies point to the comment they answer; top-level comments to nothing.
    assert posts["comment-422230"].parent_url == posts["comment-422154"].url
    assert posts["comment-422257"].parent_url == posts["comment-422240"].url
    assert posts["comment-421882"].parent_url is None and posts["comment-422154"].parent_url is None
    # "August 5, 2019 at 1:46 pm", printed in the blog's zone (UTC: its <time datetime> says so).
    assert posts["comment-422230"].published_at == datetime(2019, 8, 5, 13, 46, tzinfo=UTC)
    assert posts["comment-421882"].published_at == datetime(2019, 8, 3, 4, 11, tzinfo=UTC)
    assert posts["comment-422257"].published_at == datetime(2019, 8, 5, 20, 28, tzinfo=UTC)
    lemire = posts["comment-422230"].to_document()
    assert lemire["author_name"] == "Daniel Lemire" and lemire["author"] == "en"  # handle from the profile link
    assert lemire["author_url"] == "https://lemire.me/en/"
    wmu = posts["comment-422240"].to_document()
    assert wmu["author_name"] == "wmu" and wmu["author"] == "wmu" and wmu["author_url"] is None
    assert all(post.language == "en" for post in page.records)


def test_the_same_page_in_vietnam_time_when_the_source_gives_no_zone():
    page = thread_page(_wordpress(), source="blog", rules=WORDPRESS)
    assert page.records[2].published_at == datetime(2019, 8, 5, 13, 46, tzinfo=VN)


def test_two_posts_with_one_address_are_both_kept_and_counted():
    # A permalink rule that finds the page's canonical link for every block (an absolute XPath): the
    # article and its five comments all claim the article's address.
    rules = ForumRules(post="article", permalink="xpath://link[@rel='canonical']/@href",
                       body=".entry-content, .comment-content", time="time::attr(datetime)")
    page = thread_page(_wordpress(), source="blog", rules=rules)
    assert len(page.records) == 6 and len({post.post_id for post in page.records}) == 6
    assert page.records[0].url == ARTICLE and page.records[0].text.startswith("JSON is the ubiquitous")
    assert page.records[0].published_at == datetime(2019, 8, 2, 15, 57, 41, tzinfo=UTC)
    assert all(post.url.startswith(ARTICLE + "#sw-") for post in page.records[1:])
    assert page.unaccounted == {"same_url": 5}


def test_a_body_the_quote_rule_also_matches_is_kept():
    # vBulletin 4 writes each body as <blockquote class="postcontent restore">, which the default quote
    # rule ("blockquote") matched: every body vanished. The body itself is never one of its quotes.
    rules = ForumRules(post="li.comment", body="div.comment-content", quote="div.comment-content, blockquote")
    page = thread_page(_wordpress(), source="blog", rules=rules)
    assert len(page.records) == 5 and page.unaccounted == {}
    assert page.records[1].text == "vcpkg has simdjson in its repo (for those that did not know)."


def test_blocks_without_a_record_are_counted_with_their_reason():
    page = thread_page(_wordpress(), source="blog", rules=ForumRules(post="li.comment", body=".comment-content",
                                                                      quote="p"))
    assert page.records == [] and page.unaccounted == {"empty_after_quotes": 5}
    page = thread_page(_wordpress(), source="blog", rules=ForumRules(post="li.comment", body=".no-such-body"))
    assert page.records == [] and page.unaccounted == {"no_text": 5}
    lines = summary_lines({"safewatch/unaccounted/empty_after_quotes": 5, "safewatch/unaccounted/same_url": 2})
    assert any("blocks empty once quotes are taken out × 5" in line and "sharing another post's address" in line
               for line in lines)


@pytest.mark.parametrize(("link", "profile"), [
    ("https://forum.example/members/kiet9x.12/?tooltip=true#profile", "https://forum.example/members/kiet9x.12/"),
    ("https://forum.example/member.php?u=2&s=8f3a9c", "https://forum.example/member.php?u=2"),
    ("https://forum.example/memberlist.php?mode=viewprofile&u=54&sid=0a1b", "https://forum.example/memberlist.php?mode=viewprofile&u=54"),
    ("https://lemire.me/en/", "https://lemire.me/en/"),
    (None, None),
])
def test_profile_urls_without_query_or_fragment_unless_the_query_names_the_profile(link, profile):
    assert profile_url(link) == profile


# --- dates -----------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=VN)


@pytest.mark.parametrize(("text", "expected"), [
    ("12/03/24 14:05", datetime(2024, 3, 12, 14, 5, tzinfo=VN)),
    ("12-03-99", datetime(1999, 3, 12, tzinfo=VN)),
    ("03-12-2019, 09:41 PM", datetime(2019, 12, 3, 21, 41, tzinfo=VN)),
    ("12/03/2024 12:05 am", datetime(2024, 3, 12, 0, 5, tzinfo=VN)),
    ("12/03/2024 12:05 pm", datetime(2024, 3, 12, 12, 5, tzinfo=VN)),
    ("12/03/2024 09:41 CH", datetime(2024, 3, 12, 21, 41, tzinfo=VN)),
    ("12/03/2024 09:41 SA", datetime(2024, 3, 12, 9, 41, tzinfo=VN)),
    ("March 19, 2019 at 6:47 am", datetime(2019, 3, 19, 6, 47, tzinfo=VN)),
    ("3. März 2024 14:05", datetime(2024, 3, 3, 14, 5, tzinfo=VN)),
    ("19 mars 2019 à 18h47", datetime(2019, 3, 19, 18, 47, tzinfo=VN)),
])
def test_two_digit_years_am_pm_and_month_names(text, expected):
    assert parse_datetime(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["13:05 pm", "12/03/2024 13:05 pm", "Today", "March 2019", "sắp tới"])
def test_dates_that_cannot_be_read_whole_are_none(text):
    assert parse_datetime(text, now=NOW) is None


def test_a_time_without_zone_is_the_sources_local_time():
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_datetime("12.03.2024 14:05", timezone=berlin) == datetime(2024, 3, 12, 14, 5, tzinfo=berlin)
    assert parse_datetime("2024-03-12T14:05:00", timezone=berlin) == datetime(2024, 3, 12, 14, 5, tzinfo=berlin)
    assert parse_datetime("2024-03-12T14:05:00+07:00", timezone=berlin) == datetime(2024, 3, 12, 14, 5, tzinfo=VN)


def test_a_source_names_its_timezone_and_a_wrong_one_is_refused(tmp_path):
    path = tmp_path / "sources.yml"
    entry = ("sources:\n  - id: f1\n    name: F\n    platform: forum\n    kind: html\n"
             "    start_urls: ['https://forum.example/']\n")
    path.write_text(entry + "    timezone: Europe/Berlin\n", encoding="utf-8")
    assert load_sources(path)[0].zone == ZoneInfo("Europe/Berlin")
    path.write_text(entry, encoding="utf-8")
    assert load_sources(path)[0].timezone == "Asia/Ho_Chi_Minh"
    path.write_text(entry + "    timezone: Hanoi\n", encoding="utf-8")
    with pytest.raises(SourceError, match="field 'timezone': 'Hanoi' is not a time zone name"):
        load_sources(path)


# --- languages -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "language"), [
    ("Der schnelle braune Fuchs springt über den faulen Hund", "de"),
    ("これは日本語の文章です。よろしくお願いします", "ja"),
    ("Je pense que la vie est belle et que nous devons en profiter", "fr"),
    ("Cho mình hỏi bài tập này với ạ", "vi"),
    ("ko bt j luon, ib mik nhe", "vi"),
    ("ae oi check this out, quá hay luôn", "mixed"),
])
def test_languages_are_iso_639_1_codes(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize(("reported", "code"), [("de", "de"), ("pt-BR", "pt"), ("zh_Hant", "zh"), (None, None),
                                                ("", None), ("und", None), (7, None)])
def test_the_platforms_language_as_an_iso_code(reported, code):
    assert platform_language(reported) == code


def test_a_language_reported_by_mastodon_is_kept():
    status = {"id": "1", "url": "https://mastodon.example/@hans/1", "uri": "https://mastodon.example/users/hans/1",
              "visibility": "public", "language": "de", "created_at": "2024-05-20T07:30:00.000Z",
              "content": "<p>ok ok ok ok ok ok ok ok ok</p>",
              "account": {"acct": "hans", "display_name": "Hans Müller", "url": "https://mastodon.example/@hans"}}
    record = api.status_record(status, "https://mastodon.example", source="masto", platform="mastodon")
    assert record.language == "de"
    status_pt = {**status, "language": "pt-BR", "content": "<p>Bom dia a todos, hoje vamos falar sobre a escola</p>"}
    assert api.status_record(status_pt, "https://mastodon.example", source="m", platform="m").language == "pt"
    # An app tags a post with the phone's language: a plainly Vietnamese post tagged "ja" is Vietnamese.
    status_vi = {**status, "language": "ja", "content": "<p>Cho mình hỏi bài tập này với ạ</p>"}
    assert api.status_record(status_vi, "https://mastodon.example", source="m", platform="m").language == "vi"
    assert record.to_document()["author_name"] == "Hans Müller" and record.to_document()["author"] == "hans"
