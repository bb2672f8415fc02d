import json

import numpy as np
import pytest

from classifier import artefacts
from classifier.corpus import CorpusError, load_seed
from classifier.predict import Classifier, ModelMissing
from classifier.train import choose_threshold
from safewatch.taxonomy import CODES


def test_seed_corpus_covers_every_category():
    examples = load_seed()
    counts = {code: sum(code in e.labels for e in examples) for code in CODES}
    assert all(count >= 10 for count in counts.values()), counts
    assert sum(not e.labels for e in examples) >= 500


def test_bad_seed_line_is_reported_with_its_place(tmp_path):
    (tmp_path / "x.jsonl").write_text('{"id": "a", "text": "t", "labels": ["spam"]}\n')
    with pytest.raises(CorpusError, match=r"x.jsonl:1: unknown category 'spam'"):
        load_seed(tmp_path)


def test_threshold_reaches_target_recall():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1, 0.05])
    truth = np.array([1, 1, 1, 1, 1, 0, 0])
    threshold = choose_threshold(scores, truth, 0.8)
    assert threshold == 0.6
    assert (scores[truth == 1] >= threshold).mean() >= 0.8


def test_threshold_is_raised_until_precision_is_trustworthy():
    scores = np.array([0.9, 0.8, 0.5, 0.45, 0.4, 0.35, 0.3, 0.2])
    truth = np.array([1, 1, 0, 0, 0, 1, 0, 1])
    assert choose_threshold(scores, truth, 0.75) == 0.35  # recall alone: flags 6, 3 of them right
    raised = choose_threshold(scores, truth, 0.75, min_precision=0.6)
    assert raised == 0.5 and truth[scores >= raised].mean() >= 0.6


def test_model_flags_harm_and_spares_hard_negatives(classifier):
    harmful = [
        "Ai cần kẹo bay lắc cuối tuần ib mình, có giá riêng cho học sinh",
        "em 14 tuoi a? xinh qua, ket ban zalo voi anh di, dung noi voi bo me nhe",
        "nha cai uy tin, nap 50k tang 200k, soi keo bong da moi ngay",
    ]
    safe = [
        "Công an tỉnh triệt phá đường dây mua bán ma túy, bắt giữ 5 đối tượng",
        "Cho mình hỏi công thức tính diện tích hình thang với ạ",
    ]
    predictions = classifier.predict(harmful + safe)
    assert all(p.flagged for p in predictions[:3]), [p.labels for p in predictions[:3]]
    assert "drugs" in predictions[0].labels and "gambling" in predictions[2].labels
    assert not any(p.flagged for p in predictions[3:]), [p.labels for p in predictions[3:]]
    assert predictions[0].priority > 0 and predictions[4].priority == 0


def test_artefact_checksum_is_verified_before_loading(trained_models, tmp_path):
    folder = artefacts.current_path(trained_models)
    copy = tmp_path / "models" / folder.name
    copy.mkdir(parents=True)
    for name in (artefacts.MODEL_FILE, artefacts.METADATA_FILE):
        (copy / name).write_bytes((folder / name).read_bytes())
    (tmp_path / "models" / "current").write_text(folder.name)
    metadata = json.loads((copy / artefacts.METADATA_FILE).read_text())
    assert set(metadata["thresholds"]) == set(CODES) and metadata["data_sha256"]
    Classifier.load(tmp_path / "models")  # intact: loads
    with (copy / artefacts.MODEL_FILE).open("ab") as stream:
        stream.write(b"tampered")
    with pytest.raises(artefacts.ArtefactError, match="checksum"):
        Classifier.load(tmp_path / "models")


def test_missing_model_says_how_to_train(tmp_path):
    with pytest.raises(ModelMissing, match="safewatch train"):
        Classifier.load(tmp_path)


def test_shared_data_is_read_when_present(tmp_path):
    from classifier.corpus import SHARED_DATA, load_external
    assert load_external(tmp_path) == []  # absent: nothing, no error
    if not (SHARED_DATA / "davidson").is_dir():
        return
    examples = load_external()
    hate = [e for e in examples if e.labels == ("hate_extremism",)]
    assert len(hate) == 1430 and len(examples) - len(hate) == 4000
    assert load_external() == examples  # same sample every time
