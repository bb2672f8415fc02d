"""Model artefacts are data: loading never runs code, only from inside the models folder, and the
rebuilt model scores exactly as the one that was saved."""

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.preprocessing import MultiLabelBinarizer

from classifier import artefacts
from classifier.corpus import load_seed
from classifier.model import build_pipeline
from classifier.predict import Classifier
from safewatch.taxonomy import CODES


class Hostile:
    """Unpickling this creates the marker file: proof that loading ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


def copy_model(source: Path, models: Path, name: str | None = None) -> Path:
    folder = models / (name or source.name)
    shutil.copytree(source, folder)
    return folder


def test_saved_model_predicts_bit_for_bit_after_loading(tmp_path):
    examples = load_seed()
    random.Random(3).shuffle(examples)
    train, posts = examples[:1800], [e.text for e in examples[1800:2200]]
    labels = MultiLabelBinarizer(classes=list(CODES)).fit_transform([e.labels for e in train])
    pipeline = build_pipeline().fit([e.text for e in train], labels)
    pipeline.named_steps["classifier"].set_calibration(np.linspace(0.8, 1.5, len(CODES)), np.full(len(CODES), -0.3))
    before = pipeline.predict_proba(posts)
    metadata = {"labels": list(CODES), "thresholds": {code: 0.5 for code in CODES}}
    folder = artefacts.save(tmp_path, pipeline, metadata)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*artefacts.MODEL_FILES, artefacts.METADATA_FILE])
    loaded = artefacts.load(artefacts.current_path(tmp_path))
    assert len(posts) == 400 and np.array_equal(loaded.pipeline.predict_proba(posts), before)
    reference = Classifier(artefacts.Artefact(pipeline, {**metadata, "version": "x"}, folder))
    assert np.array_equal(Classifier(loaded).model_probabilities(posts), reference.model_probabilities(posts))


def test_a_pipeline_that_is_not_safewatch_s_is_not_saved(tmp_path):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer
    with pytest.raises(artefacts.ArtefactError, match="Cannot save"):
        artefacts.save(tmp_path, Pipeline([("views", FunctionTransformer())]), {})


def test_pickled_model_with_matching_hash_is_refused_without_running(trained_models, tmp_path):
    models, marker = tmp_path / "models", tmp_path / "ran-code"
    folder = copy_model(artefacts.current_path(trained_models), models, "20990101T000000000000Z")
    for name in artefacts.MODEL_FILES:
        (folder / name).unlink()
    joblib.dump(Hostile(marker), folder / artefacts.LEGACY_FILE)
    metadata = json.loads((folder / artefacts.METADATA_FILE).read_text())
    metadata.pop("files_sha256")
    metadata["model_sha256"] = artefacts.sha256_file(folder / artefacts.LEGACY_FILE)  # the old format's hash
    (folder / artefacts.METADATA_FILE).write_text(json.dumps(metadata))
    artefacts.make_current_model(models, folder)
    with pytest.raises(artefacts.ArtefactError, match="old pickled format.*safewatch train"):
        Classifier.load(models)
    assert not marker.exists()


def test_arrays_holding_a_pickle_are_refused_without_running(trained_models, tmp_path):
    models, marker = tmp_path / "models", tmp_path / "ran-code"
    folder = copy_model(artefacts.current_path(trained_models), models)
    hostile = np.empty(1, dtype=object)
    hostile[0] = Hostile(marker)
    with np.load(folder / artefacts.ARRAYS_FILE) as stored:
        arrays = {name: stored[name] for name in stored.files}
    np.savez(folder / artefacts.ARRAYS_FILE, **{**arrays, "coef": hostile})
    metadata = json.loads((folder / artefacts.METADATA_FILE).read_text())
    metadata["files_sha256"][artefacts.ARRAYS_FILE] = artefacts.sha256_file(folder / artefacts.ARRAYS_FILE)
    (folder / artefacts.METADATA_FILE).write_text(json.dumps(metadata))
    artefacts.make_current_model(models, folder)
    with pytest.raises(artefacts.ArtefactError, match="cannot be read.*safewatch train"):
        Classifier.load(models)
    assert not marker.exists()


def test_malformed_model_data_is_an_artefact_error(trained_models, tmp_path):
    models = tmp_path / "models"
    folder = copy_model(artefacts.current_path(trained_models), models)
    state = json.loads((folder / artefacts.STATE_FILE).read_text())
    state["vectorizers"][0]["params"]["analyzer"] = ["not", "a", "string"]
    (folder / artefacts.STATE_FILE).write_text(json.dumps(state))
    metadata = json.loads((folder / artefacts.METADATA_FILE).read_text())
    metadata["files_sha256"][artefacts.STATE_FILE] = artefacts.sha256_file(folder / artefacts.STATE_FILE)
    (folder / artefacts.METADATA_FILE).write_text(json.dumps(metadata))
    artefacts.make_current_model(models, folder)
    with pytest.raises(artefacts.ArtefactError, match="safewatch train"):
        Classifier.load(models)


@pytest.mark.parametrize("escape", ["parent", "absolute", "symlinked folder", "symlinked pointer"])
def test_current_pointer_leading_out_of_the_models_folder_is_refused(trained_models, tmp_path, escape):
    models, outside = tmp_path / "models", tmp_path / "outside"
    models.mkdir()
    elsewhere = copy_model(artefacts.current_path(trained_models), outside)  # a model that would load
    pointer = models / artefacts.CURRENT_POINTER
    if escape == "parent":
        pointer.write_text(f"../outside/{elsewhere.name}")
    elif escape == "absolute":
        pointer.write_text(str(elsewhere))
    elif escape == "symlinked folder":
        (models / "v1").symlink_to(elsewhere, target_is_directory=True)
        pointer.write_text("v1")
    else:
        (outside / "pointer").write_text(elsewhere.name)
        (models / elsewhere.name).mkdir()
        pointer.symlink_to(outside / "pointer")
    with pytest.raises(artefacts.ArtefactError, match="symbolic link|not a model folder inside"):
        Classifier.load(models)


def test_old_model_gives_the_cli_a_one_line_message(trained_models, tmp_path):
    models = tmp_path / "models"
    folder = copy_model(artefacts.current_path(trained_models), models)
    for name in artefacts.MODEL_FILES:
        (folder / name).unlink()
    joblib.dump({"a": 1}, folder / artefacts.LEGACY_FILE)
    artefacts.make_current_model(models, folder)
    data = tmp_path / "in.jsonl"
    data.write_text('{"text": "xin chao"}\n')
    result = subprocess.run([sys.executable, "-m", "safewatch", "predict", "--in", str(data),
                             "--out", str(tmp_path / "out.jsonl")], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "SAFEWATCH_MODEL_DIR": str(models)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "safewatch train" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
