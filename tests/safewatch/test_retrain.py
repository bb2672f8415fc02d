"""Retraining from reviewers' decisions: the candidate replaces the current model only if better."""

import shutil
from dataclasses import replace

from classifier import artefacts
from index.casework import lifecycle
from index.casework.retraining import retrain, review_examples
from safewatch.records import post_id_for


def test_decisions_become_labels_and_the_better_model_wins(config, repo, trained_models, tmp_path):
    decisions = [("Hàng mới về: tem giấy, bay cả đêm, ship kín cho các em học sinh", True),
                 ("Công an phường thu giữ tem giấy tẩm ma túy, cảnh báo phụ huynh", False)]
    for n, (text, confirm) in enumerate(decisions):
        url = f"http://f.example/r/{n}"
        repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": text, "status": "flagged",
                                 "labels": ["drugs"]}])
        lifecycle.claim(repo, post_id_for(url), reviewer="lan")
        lifecycle.decide(repo, post_id_for(url), reviewer="lan", confirm=confirm,
                         categories=["drugs"] if confirm else [])
    repo.refresh()
    examples = review_examples(repo)
    assert sorted(e.labels for e in examples) == [(), ("drugs",)]

    models = tmp_path / "models"
    shutil.copytree(trained_models, models)
    own = replace(config, model_dir=models, index_prefix=repo.prefix)
    before = artefacts.current_path(models).name
    report = retrain(own, repo, log=lambda message: None)
    assert report.review_examples == 2 and report.reason
    current = artefacts.current_path(models).name
    assert (current == report.candidate_version) == report.promoted
    assert (current == before) == (not report.promoted)
    assert (models / report.candidate_version / "metadata.json").is_file()
