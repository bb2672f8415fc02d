"""Re-scoring the index with the current model: statuses move through the lifecycle, reviewed
posts keep their decision."""

from index.casework.rescoring import rescore
from safewatch.records import post_id_for


def test_rescore_updates_scores_and_unreviewed_statuses_only(repo, classifier):
    harmful = "Nhà cái uy tín, soi kèo bóng đá mỗi ngày, nạp 50k tặng 200k, ib zalo ngay"
    homework = "Cho mình hỏi công thức tính diện tích hình thang với ạ"
    rows = [("missed", harmful, "collected"), ("stale", homework, "flagged"), ("decided", harmful, "confirmed")]
    repo.bulk_upsert_posts([{"id": post_id_for(f"http://f.example/{name}"), "url": f"http://f.example/{name}",
                             "text": text, "status": status, "labels": [], "categories": ["drugs"]}
                            for name, text, status in rows])
    repo.refresh()
    summary = rescore(repo, classifier, log=lambda message: None)
    assert (summary.posts, summary.newly_flagged, summary.unflagged, summary.errors) == (3, 1, 1, 0)
    missed = repo.get_post(post_id_for("http://f.example/missed")).source
    assert missed["status"] == "flagged" and "gambling" in missed["labels"] and missed["explanations"]["gambling"]
    assert missed["categories"] == missed["labels"] and missed["model_version"] == classifier.version
    assert repo.get_post(post_id_for("http://f.example/stale")).source["status"] == "collected"
    decided = repo.get_post(post_id_for("http://f.example/decided")).source
    assert decided["status"] == "confirmed" and decided["categories"] == ["drugs"]
    assert [e["actor"] for e in repo.events_for(post_id_for("http://f.example/missed"))] == ["classifier"]
