"""The parts written for speed give exactly what scikit-learn's own parts (or one text at a time)
give, including on text built to trip batching up (matches that could run from one text into the
next)."""

import re

import numpy as np
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.corpus import load_seed
from classifier.model import text_views
from classifier.normalize import normalize, normalize_many, views, views_many
from classifier.rules import CategoryRules, WatchRules

TRICKY = [
    "", "   ", "\n\n", "gọi 0912", "345 678 nha", "http://a.example/x", "y z", "m.a", "t.u.y",
    "aaa", "aa", "Hoà\tbình\r\nnhé", "@user", "name", "\u200bm\u200ba t\u200búy", "c0 b4c 50k 2h",
    "😀😀", "Ｆｕｌｌ ｗｉｄｔｈ", "a\u0301b", "x" * 300, "đ Đ ư ơ", "vs.", "lh: 09.12.34.56.78",
]


def test_batch_normalisation_equals_one_text_at_a_time():
    texts = TRICKY + [e.text for e in load_seed()[:400]]
    assert normalize_many(texts) == [normalize(text) for text in texts]
    normal, folded = views_many(texts)
    assert list(zip(normal, folded, strict=True)) == [views(text) for text in texts]


def test_invisible_characters_do_not_split_words():
    assert normalize("m\u200ba t\u200búy") == normalize("ma túy")
    assert normalize("❤️ ok") == normalize("❤ ok")


def test_batch_vectorizers_equal_scikit_learn(classifier):
    texts = TRICKY + [e.text for e in load_seed()[::3]]
    matrix = text_views(texts)
    features = classifier._pipeline.named_steps["features"]
    for name, vectorizer, column in features.transformers_:
        if name == "remainder":
            continue
        fast = vectorizer.transform(matrix[:, column])
        reference = TfidfVectorizer.transform(vectorizer, matrix[:, column])
        assert fast.shape == reference.shape and fast.nnz == reference.nnz, name
        assert abs(fast - reference).max() < 1e-12, name


def test_calibrated_probabilities_are_the_sigmoid_of_each_models_decision(classifier):
    step = classifier._pipeline.named_steps["classifier"]
    features = classifier._pipeline[:-1].transform([e.text for e in load_seed()[:200]])
    decisions = np.column_stack([e.decision_function(features) for e in step.estimators_])
    slopes, intercepts = step.calibration_
    assert not np.allclose(slopes, 1.0)  # calibration was fitted, not left at identity
    assert np.allclose(step.predict_proba(features), expit(decisions * slopes + intercepts))


def test_batch_rule_matching_equals_one_text_at_a_time():
    rules = WatchRules({
        "drugs": CategoryRules(0.6, ("ma tuy", "keo"), (re.compile(r"x\s+y"), re.compile(r"q[^z]*w"))),
        "gambling": CategoryRules(0.6, ("tai xiu",), (re.compile(r"\bnap \d+k\b"), re.compile(r"(?s)a.b"))),
    })
    texts = ["x", "y x y", "q1", "2w q w", "nap", "50k nap 50k", "xma tuy", "ma tuy", "a", "b",
             "tai xiu", "keo_", "a b", "", "tai\nxiu"]
    assert rules.match_folded_many(texts) == [rules.match_folded_many([text])[0] for text in texts]
    shipped = WatchRules.load()
    folded = views_many(TRICKY + [e.text for e in load_seed()])[1]
    assert shipped.match_folded_many(folded) == [shipped.match_folded_many([text])[0] for text in folded]


def test_batch_explanations_equal_one_at_a_time(classifier):
    texts = ["Bóng cười giao tận nơi, học sinh có giá riêng, ib shop", "Hôm nay cả lớp đi dã ngoại",
             "nap 50k nhan 500k tai xiu uy tin", "", "em o nha mot minh a? mo cam len choi voi anh"]
    predictions = classifier.predict(texts)
    together = classifier.explain_many(texts, predictions)
    alone = [classifier.explain(text, prediction) for text, prediction in zip(texts, predictions, strict=True)]
    assert together == alone and any(together)
