"""Saved searches against the real node: validated, replaced by name, private to their owner,
counted in one request, audited."""

import pytest

from index.casework.saved_searches import (
    SavedSearchError,
    SavedSearchNotFound,
    delete_saved_search,
    list_saved_searches,
    normalize_query,
    save_search,
    search_request,
)
from index.storage import schema
from safewatch.records import post_id_for


def _post(n: int, text: str, status: str, categories: list[str]) -> dict:
    url = f"http://f.example/s/{n}"
    return {"id": post_id_for(url), "url": url, "text": text, "status": status, "categories": categories,
            "labels": categories, "platform": "forum", "source": "t", "collected_at": "2026-11-20T00:00:00+00:00"}


def test_only_search_parameters_with_valid_values_are_saved():
    assert normalize_query("?q=k%E1%BA%B9o&category=drugs&status=flagged&after=%5B1%5D&platform=") == \
        "q=k%E1%BA%B9o&category=drugs&status=flagged"
    assert normalize_query("status=flagged&status=confirmed&from=2026-11-01&to=2026-11-30&sort=newest") == \
        "status=flagged&status=confirmed&from=2026-11-01&to=2026-11-30&sort=newest"
    refused = {"q=a&debug=1": "'debug' is not a search parameter", "status=lost": "Unknown status 'lost'",
               "category=weather": "Unknown category 'weather'", "sort=random": "Unknown sort 'random'",
               "from=2026-02-30": "'from' must be a date", "to=20261130": "'to' must be a date",
               "q=a&q=b": "'q' may be given only once", "q=" + "x" * 501: "'q' is too long",
               "q=" + "x" * 2000: "too long to save"}
    for query, message in refused.items():
        with pytest.raises(SavedSearchError, match=message):
            normalize_query(query)
    request = search_request("q=k%E1%BA%B9o&category=drugs&status=flagged&sort=newest")
    assert (request.text, request.categories, request.statuses, request.sort) == ("kẹo", ("drugs",), ("flagged",),
                                                                                 "newest")


def test_save_replace_list_count_and_delete_own_searches_only(repo):
    assert schema.current_index(repo, next(s for s in schema.SPECS if s.name == "saved_searches"))
    repo.bulk_upsert_posts([_post(1, "bán kẹo ngậm cho học sinh", "flagged", ["drugs"]),
                            _post(2, "kẹo dẻo cần sa giao tận trường", "flagged", ["drugs"]),
                            _post(3, "kẹo mút ngon", "collected", []),
                            _post(4, "soi kèo bóng đá", "flagged", ["gambling"])])
    repo.refresh()
    drugs = save_search(repo, "lan", "Kẹo ma túy", "q=keo&category=drugs&status=flagged", request_id="r1")
    assert drugs["name"] == "Kẹo ma túy" and drugs["query"] == "q=keo&category=drugs&status=flagged"
    save_search(repo, "lan", "Cờ bạc", "category=gambling")
    save_search(repo, "minh", "kẹo ma túy", "q=keo")  # same name, another user: their own
    replaced = save_search(repo, "lan", "  KẸO   MA TÚY ", "q=keo&category=drugs")  # same name: replaces
    assert replaced["id"] == drugs["id"] and replaced["created_at"] == drugs["created_at"]

    mine = list_saved_searches(repo, "lan", with_counts=True)
    assert [(s["name"], s["query"], s["count"]) for s in mine] == [
        ("Cờ bạc", "category=gambling", 1), ("KẸO MA TÚY", "q=keo&category=drugs", 2)]
    assert [(s["name"], "count" in s) for s in list_saved_searches(repo, "minh")] == [("kẹo ma túy", False)]
    assert list_saved_searches(repo, "nobody", with_counts=True) == []

    with pytest.raises(SavedSearchNotFound):
        delete_saved_search(repo, "minh", drugs["id"])  # lan's: not minh's to delete
    with pytest.raises(SavedSearchNotFound):
        delete_saved_search(repo, "minh", "../../etc")
    assert delete_saved_search(repo, "lan", drugs["id"])["name"] == "KẸO MA TÚY"
    with pytest.raises(SavedSearchNotFound):
        delete_saved_search(repo, "lan", drugs["id"])
    assert [s["name"] for s in list_saved_searches(repo, "lan")] == ["Cờ bạc"]
    assert [s["name"] for s in list_saved_searches(repo, "minh")] == ["kẹo ma túy"]

    events = repo.client.search(index=repo.events, query={"term": {"actor": "lan"}}, sort=[{"at": "asc"}],
                                size=10)["hits"]["hits"]
    assert [e["_source"]["action"] for e in events] == ["search_saved", "search_saved", "search_saved",
                                                         "saved_search_deleted"]
    assert events[0]["_source"]["request_id"] == "r1"
    assert events[2]["_source"]["details"]["replaced"] is True
    assert events[2]["_source"]["details"]["previous_query"] == "q=keo&category=drugs&status=flagged"


def test_names_and_bad_queries_are_refused_with_a_message(repo):
    for name in ("", "   ", "x" * 81, "bell\x07"):
        with pytest.raises(SavedSearchError, match="name of 1 to 80"):
            save_search(repo, "lan", name, "q=a")
    with pytest.raises(SavedSearchError, match="not a search parameter"):
        save_search(repo, "lan", "bad", "q=a&size=10000")
    assert list_saved_searches(repo, "lan") == []
