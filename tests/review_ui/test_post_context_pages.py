"""The post view's media (from the evidence store, blurred) and near-duplicates, and saved searches on
the search page, through Flask's test client against the real index."""

import re

from lxml import html as lxml_html

from index.casework.accounts import create_user
from index.casework.saved_searches import list_saved_searches
from index.storage.evidence import EvidenceStore
from index.storage.media import captured, skipped
from safewatch.records import content_hash, post_id_for

PASSWORD = "correct-horse-battery"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TEXT = "Tuyển cộng tác viên online việc nhẹ lương cao cho học sinh, liên hệ zalo ngay hôm nay để nhận việc"


def sign_in(client, repo, username, role):
    create_user(repo, username, PASSWORD, [role], actor="test")
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def add_post(repo, url, text, **fields):
    post_id = post_id_for(url)
    repo.bulk_upsert_posts([{"id": post_id, "url": url, "text": text, "content_hash": content_hash(text),
                             "status": "flagged", "priority": 3.0, "labels": ["trafficking"],
                             "scores": {"trafficking": 0.9}, "source": "demo", "platform": "forum", **fields}])
    repo.refresh()
    return post_id


def test_media_is_served_from_the_evidence_store_blurred_until_shown(client, repo, app):
    store = EvidenceStore(app.config["SAFEWATCH"].evidence_path)
    image = store.save(requested_url="https://img.example/a.png", final_url="https://img.example/a.png",
                       status=200, headers={"Content-Type": "image/png"}, body=PNG)
    page_capture = store.save(requested_url="https://img.example/b.png", final_url="https://img.example/b.png",
                              status=200, headers={"Content-Type": "text/html"}, body=b"<script>x</script>")
    media = [captured("https://img.example/a.png", image, "image/png"),
             skipped("https://img.example/c.svg", "type image/svg+xml is not kept (only JPEG, PNG, GIF, WebP)"),
             {**captured("https://img.example/b.png", page_capture, "image/png")}]  # a forged entry
    post_id = add_post(repo, "https://forum.example/t/1", TEXT, media=media,
                       media_urls=["https://img.example/a.png", "https://img.example/c.svg",
                                   "https://img.example/b.png", "https://img.example/never.png"])
    sign_in(client, repo, "lan", "reviewer")
    page = client.get(f"/posts/{post_id}").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    images = tree.xpath("//figure[@class='media-item']/img/@src")
    assert images == [f"/posts/{post_id}/media/0", f"/posts/{post_id}/media/2"]  # never the original address
    assert not any("img.example" in src for src in tree.xpath("//img/@src"))
    assert tree.xpath("//figure[@class='media-item']/input[@type='checkbox'][@class='reveal']")
    # The skip reason in the reader's language (Vietnamese here), never the crawler's English.
    assert "không lưu loại image/svg+xml" in page and "is not kept" not in page
    assert "https://img.example/never.png" in page
    response = client.get(f"/posts/{post_id}/media/0")
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for position in (1, 2, 3, 99):  # skipped, not an image whatever the post says, not kept, out of range
        assert client.get(f"/posts/{post_id}/media/{position}").status_code == 404, position


def test_media_needs_a_role_that_may_see_the_post(client, repo):
    post_id = add_post(repo, "https://forum.example/t/2", TEXT)
    assert client.get(f"/posts/{post_id}/media/0").status_code == 302  # to the login page
    sign_in(client, repo, "admin-less", "analyst")
    assert client.get(f"/posts/{post_id}/media/0").status_code == 404


def test_near_duplicates_are_listed_with_their_similarity(client, repo):
    post_id = add_post(repo, "https://forum.example/t/3", TEXT)
    changed = TEXT.replace("hôm nay", "tối nay")
    near = add_post(repo, "https://other.example/p/9", changed)
    add_post(repo, "https://other.example/p/10", "Hôm nay cả lớp đi dã ngoại ở công viên, trời đẹp và mọi người vui")
    sign_in(client, repo, "lan", "reviewer")
    tree = lxml_html.fromstring(client.get(f"/posts/{post_id}").get_data(as_text=True))
    section = tree.xpath("//section[contains(@class, 'related-near_duplicates')]")
    assert len(section) == 1
    links = section[0].xpath(".//a/@href")
    assert links == [f"/posts/{near}"]
    similarity = section[0].xpath("string(.//span[@class='similarity'])")
    assert re.fullmatch(r"giống \d{2,3}%", similarity.strip())


def test_saved_searches_are_saved_run_and_deleted(client, repo):
    add_post(repo, "https://forum.example/t/4", TEXT)
    sign_in(client, repo, "an", "analyst")
    page = client.get("/search?q=viec+nhe&category=trafficking&after=%5B1%5D").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    query = tree.xpath("//form[@class='save-search']/input[@name='query']/@value")[0]
    assert query == "q=viec+nhe&category=trafficking"  # the page position is not kept
    response = client.post("/search/saved", data={"name": "Việc nhẹ lương cao", "query": query})
    assert response.status_code == 302 and response.headers["Location"].endswith("/search?" + query)
    saved = list_saved_searches(repo, "an")
    assert [s["name"] for s in saved] == ["Việc nhẹ lương cao"]
    tree = lxml_html.fromstring(client.get("/search").get_data(as_text=True))
    item = tree.xpath("//section[@class='saved-searches']//li")[0]
    assert item.xpath("string(a)") == "Việc nhẹ lương cao" and item.xpath("a/@href")[0] == "/search?" + query
    assert "1" in item.xpath("string(span[@class='count'])")
    assert "1 kết quả" in client.get(item.xpath("a/@href")[0]).get_data(as_text=True)

    # Someone else neither sees it nor deletes it; bad input is refused with a message.
    client.post("/logout")
    sign_in(client, repo, "binh", "analyst")
    assert "Việc nhẹ lương cao" not in client.get("/search").get_data(as_text=True)
    client.post(f"/search/saved/{saved[0]['id']}/delete")
    assert len(list_saved_searches(repo, "an")) == 1
    page = client.post("/search/saved", data={"name": "x", "query": "evil=1"}, follow_redirects=True)
    assert "không phải tham số tìm kiếm" in page.get_data(as_text=True)
    assert client.post("/search/saved", data={"name": "", "query": "q=a"}, follow_redirects=True).status_code == 200
    assert list_saved_searches(repo, "binh") == []

    client.post("/logout")
    assert client.post("/login", data={"username": "an", "password": PASSWORD}).status_code == 302
    assert client.post(f"/search/saved/{saved[0]['id']}/delete").status_code == 302
    assert list_saved_searches(repo, "an") == []
    repo.refresh()
    actions = [hit["_source"]["action"] for hit in repo.client.search(
        index=repo.events, query={"terms": {"action": ["search_saved", "saved_search_deleted"]}})["hits"]["hits"]]
    assert sorted(actions) == ["saved_search_deleted", "search_saved"]
