"""Bad requests are 400s with a message in the UI's language, never 500s (issue #12 §5). Every route
with malformed parameters: tests/review_ui/test_route_matrix.py."""

import json

import pytest
from lxml import html as lxml_html

from index.casework.accounts import create_user
from index.storage.queries import QueryError, SearchRequest, parse_search_after
from review_ui.language import COOKIE as LANGUAGE_COOKIE

PASSWORD = "correct-horse-battery"


@pytest.fixture
def analyst(client, repo):
    create_user(repo, "an", PASSWORD, ["analyst"], actor="test")
    assert client.post("/login", data={"username": "an", "password": PASSWORD}).status_code == 302
    return client


def alert(response) -> str:
    return lxml_html.fromstring(response.get_data(as_text=True)).xpath("string(//*[@role='alert'])").strip()


@pytest.mark.parametrize(("query", "vietnamese", "english"), [
    ("from=2026-99-99", "'from' phải là một ngày có thật", "'from' must be a date written YYYY-MM-DD"),
    ("to=2026-02-30", "'to' phải là một ngày có thật", "'to' must be a date written YYYY-MM-DD, not '2026-02-30'"),
    ("after=%25%25%25", "Vị trí trang ('after')", "The page position ('after') is not one a search gave"),
    ("sort=newest&after=%5B%22x%22%2C%22y%22%5D", "Vị trí trang", "page position"),  # a string for a date
    ("sort=newest&after=%5B1e999%2C%22y%22%5D", "Vị trí trang", "page position"),  # infinity
    ("sort=newest&after=%5B99999999999999999999999%2C%22y%22%5D", "Vị trí trang", "page position"),
])
def test_a_bad_date_or_page_position_is_a_400_in_the_ui_language(analyst, query, vietnamese, english):
    response = analyst.get(f"/search?{query}")
    assert response.status_code == 400 and vietnamese in alert(response)
    analyst.set_cookie(LANGUAGE_COOKIE, "en")
    response = analyst.get(f"/search?{query}")
    assert response.status_code == 400 and english in alert(response)
    assert analyst.get(f"/search.csv?{query}").status_code == 400


def test_the_rule_is_the_search_request_s_not_the_view_s():
    with pytest.raises(QueryError, match="must be a date"):
        SearchRequest(date_from="2026-99-99")
    with pytest.raises(QueryError, match="page position"):
        SearchRequest(sort="newest", search_after=("yesterday", "p1"))
    with pytest.raises(QueryError, match="page position"):
        parse_search_after("[[1]", "newest")
    with pytest.raises(QueryError, match="page position"):
        parse_search_after("[[1]]", "relevance")
    assert parse_search_after("[1]", "newest") == ()  # made for another sort: the first page
    assert SearchRequest(sort="newest", search_after=(1767225600000, "p1"), date_to="2026-02-28").date_to


def test_query_keys_url_for_reads_never_reach_the_links(analyst, repo):
    from safewatch.records import post_id_for
    repo.bulk_upsert_posts([{"id": post_id_for(f"https://f.example/{n}"), "url": f"https://f.example/{n}",
                             "text": f"bán kẹo {n}", "status": "flagged", "collected_at": "2026-11-01T00:00:00Z"}
                            for n in range(25)])
    repo.refresh()
    hostile = {"q": "kẹo", "_scheme": "javascript", "_anchor": "x", "_external": "1", "_method": "DELETE",
               "endpoint": "admin.users", "values": "x"}
    response = analyst.get("/search", query_string={**hostile, "after": json.dumps([0.5, 1, "p"])})
    assert response.status_code == 200
    links = lxml_html.fromstring(response.get_data(as_text=True)).xpath("//nav[@class='pages']//a/@href")
    links += lxml_html.fromstring(analyst.get("/search", query_string=hostile).get_data(as_text=True)).xpath(
        "//a[contains(@href, 'search.csv')]/@href")
    assert len(links) == 3, links  # first page, next page, CSV
    for link in links:
        assert link.startswith("/search") and "q=" in link, link
        assert not any(key in link for key in ("_scheme", "_anchor", "_external", "_method", "endpoint", "values",
                                               "javascript", "#")), link


def test_an_empty_username_is_a_400_saying_what_to_enter(client, repo):
    response = client.post("/login", data={"username": "  ", "password": "x"})
    assert response.status_code == 400 and "Hãy nhập tên đăng nhập" in response.get_data(as_text=True)
    assert client.post("/login", data={"password": "x"}).status_code == 400
    assert client.post("/login", data={"username": "x" * 5000, "password": "x"}).status_code == 401
