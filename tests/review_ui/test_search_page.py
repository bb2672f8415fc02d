"""The search page as analysts use it (#14): teencode finds the plain text; a reversed range gets a
message; status is multi-select; facets are links that filter; page numbers and a previous page;
hits per day drawn on the server; each result shows the post's own text, then its thread's title;
the sort says which time it orders by."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from index.casework.accounts import create_user
from review_ui.language import COOKIE as LANGUAGE_COOKIE
from safewatch.records import post_id_for

PASSWORD = "a-long-password"


@pytest.fixture
def analyst(client, repo):
    create_user(repo, "an", PASSWORD, ["analyst"], actor="test")
    posts = [{"id": post_id_for(f"https://forum.example/t/{n}"), "url": f"https://forum.example/t/{n}",
              "text": f"em không cần bố mẹ biết, bài {n}", "title": "Chuyện học đường", "platform": "forum",
              "source": "demo", "status": "flagged" if n % 2 else "confirmed",
              "published_at": f"2026-11-{1 + n % 3:02d}T18:00:00+00:00",  # 2, 3, 4 Nov in Vietnam
              "collected_at": "2026-11-20T00:00:00+00:00"} for n in range(45)]
    posts.append({"id": post_id_for("https://news.example/a"), "url": "https://news.example/a", "text": "tin khác",
                  "platform": "news", "source": "other", "status": "collected"})
    repo.bulk_upsert_posts(posts)
    repo.refresh()
    client.set_cookie(LANGUAGE_COOKIE, "en")  # the page in English
    client.post("/login", data={"username": "an", "password": PASSWORD})
    return client


def _links(page: str, css_class: str) -> list[tuple[str, str]]:
    return [(unescape(href), re.sub(r"<[^>]+>", "", text).strip())
            for href, text in re.findall(rf'<a class="{css_class}[^"]*"[^>]*href="([^"]+)"[^>]*>(.*?)</a>', page, re.S)]


def test_teencode_pages_chart_and_results(analyst):
    response = analyst.get("/search?q=ko+can+bo+me&sort=posted_newest")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "45 results" in page
    assert "Sorted by: Posting time, newest first" in page
    # Post text first, the thread title after it as context.
    first = page.index('class="post-text"')
    assert first < page.index("In thread: Chuyện học đường", first)
    # Hits per day, days in Vietnam: 2, 3 and 4 November, 15 each.
    bars = re.findall(r'data-day="([\d-]+)" data-count="(\d+)"', page)
    assert bars == [("2026-11-02", "15"), ("2026-11-03", "15"), ("2026-11-04", "15")]
    # Three pages: numbers, no previous page on the first.
    numbers = _links(page, "page-number")
    assert [text for _, text in numbers] == ["2", "3"] and 'rel="prev"' not in page
    second = analyst.get(numbers[0][0]).get_data(as_text=True)
    assert 'aria-current="page" class="page-number current">2<' in second
    previous = re.search(r'<a rel="prev" href="([^"]+)"', second).group(1)
    assert "page=" not in unescape(previous) and "q=ko+can+bo+me" in unescape(previous)
    third = analyst.get("/search?q=ko+can+bo+me&page=3").get_data(as_text=True)
    assert third.count('class="post-text"') == 5 and 'rel="next"' not in third


def test_facets_filter_and_status_is_multi_select(analyst):
    page = analyst.get("/search?q=bo+me").get_data(as_text=True)
    facets = dict((text.rsplit(" ", 1)[0], href) for href, text in _links(page, "facet"))
    flagged = facets["Flagged"]
    assert parse_qs(urlsplit(flagged).query) == {"q": ["bo me"], "status": ["flagged"]}
    filtered = analyst.get(flagged).get_data(as_text=True)
    assert "22 results" in filtered  # the odd ones of 45
    # The chosen facet is marked and its link takes the filter off again.
    chosen = re.search(r'<a class="facet chosen"[^>]*href="([^"]+)"', filtered).group(1)
    assert parse_qs(urlsplit(unescape(chosen)).query) == {"q": ["bo me"]}
    both = analyst.get("/search?q=bo+me&status=flagged&status=confirmed").get_data(as_text=True)
    assert "45 results" in both
    assert len(re.findall(r'<input type="checkbox" name="status" value="(?:flagged|confirmed)" checked>', both)) == 2
    # Platform typed in another case, or picked from the facet values offered in the form.
    assert "45 results" in analyst.get("/search?q=bo+me&platform=FORUM").get_data(as_text=True)
    assert '<datalist id="platform-values"><option value="forum">' in page


def test_a_reversed_or_bad_range_is_refused_with_a_message(analyst):
    response = analyst.get("/search?q=bo+me&from=2026-11-04&to=2026-11-02")
    assert response.status_code == 400
    assert "reversed: &#39;from&#39; (2026-11-04) is after &#39;to&#39; (2026-11-02)" in response.get_data(as_text=True)
    assert analyst.get("/search?from=2026-13-01").status_code == 400
    assert analyst.get("/search?page=abc").status_code == 400
    assert analyst.get("/search.csv?from=2026-11-04&to=2026-11-02").status_code == 400
    # The range is days in Vietnam: 4 November there holds the posts of 18:00 UTC on 3 November.
    assert "15 results" in analyst.get("/search?q=bo+me&from=2026-11-04&to=2026-11-04").get_data(as_text=True)
