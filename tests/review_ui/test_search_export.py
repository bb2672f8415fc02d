"""CSV export of a search: the whole result set beyond one page, Excel-ready, formula-safe, only
for analysts and supervisors, and recorded in the audit trail."""

import csv
import io

from index.casework.accounts import create_user
from safewatch.records import post_id_for

PASSWORD = "a-long-password"


def test_search_results_export_to_a_safe_csv(client, repo):
    create_user(repo, "an", PASSWORD, ["analyst"], actor="test")
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    posts = [{"id": post_id_for(f"http://f.example/t/{n}"), "url": f"http://f.example/t/{n}", "platform": "forum",
              "text": f"bán kẹo số {n} cho học sinh", "status": "flagged", "labels": ["drugs"], "source": "demo"}
             for n in range(620)]
    posts.append({"id": post_id_for("http://f.example/x"), "url": "http://f.example/x", "status": "flagged",
                  "text": '=HYPERLINK("http://evil.example","bán kẹo") @SUM(1)', "labels": ["drugs"]})
    repo.bulk_upsert_posts(posts)
    repo.refresh()

    client.post("/login", data={"username": "lan", "password": PASSWORD})
    assert client.get("/search.csv?q=keo").status_code == 403
    client.post("/logout")
    client.post("/login", data={"username": "an", "password": PASSWORD})
    page = client.get("/search?q=keo").get_data(as_text=True)
    assert "/search.csv?q=keo" in page
    response = client.get("/search.csv?q=keo&status=flagged")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    # headings in the UI's language
    assert rows[0][:3] == ["Mã bài đăng", "URL", "Trạng thái"] and len(rows) == 1 + 621  # more than one page of 500
    hostile = next(row for row in rows if "HYPERLINK" in row[-1])
    assert hostile[-1].startswith("'=HYPERLINK")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    repo.refresh()
    events = repo.client.search(index=repo.events, query={"term": {"action": "search_exported"}})["hits"]["hits"]
    assert events and events[0]["_source"]["actor"] == "an" and events[0]["_source"]["details"]["rows"] == 621
