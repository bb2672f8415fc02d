"""The parts written for speed give exactly what scikit-learn's own parts (or one text at a time)
give, including on text built to trip batching up (matches that could run from one text into the
next)."""

import re

import numpy as np
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.corpus import load_seed
from classifier.model import text_views
from classifier.normalize import fold, normalize, normalize_many, views, views_many
from classifier.rules import CategoryRules, ContextFrame, WatchRules
from tests.classifier.rule_reference import as_tuples, reference_frames, reference_hits

TRICKY = [
    "", "   ", "\n\n", "gọi 0912", "345 678 nha", "http://a.example/x", "y z", "m.a", "t.u.y",
    "aaa", "aa", "Hoà\tbình\r\nnhé", "@user", "name", "\u200bm\u200ba t\u200búy", "c0 b4c 50k 2h",
    "😀😀", "Ｆｕｌｌ ｗｉｄｔｈ", "a\u0301b", "x" * 300, "đ Đ ư ơ", "vs.", "lh: 09.12.34.56.78",
]
# English, Vietnamese teencode without diacritics and mixed posts: each post's language decides how
# "a", "k", "r", "free" read (classifier/language.py), in the batch exactly as one at a time.
LANGUAGES = [
    "I'm at a party, don't wait up", "I’m dead, this killed me", "a oi e nho a qua", "k dc r", "free robux",
    "Hôm nay I'm so tired, a ơi", "I love Việt Nam, it's a great place", "My daughter's friend asked k",
    "my daughter is scared, what should I do", "e bi bat nat, e phai lam sao", "can’t tell my mom",
]
TRICKY += LANGUAGES


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


def test_a_vectorizer_fitted_again_forgets_what_it_counted_before():
    from classifier.tfidf import BatchTfidfVectorizer
    for settings in ({"ngram_range": (1, 2)}, {"analyzer": "char_wb", "ngram_range": (2, 4)}):
        vectorizer = BatchTfidfVectorizer(sublinear_tf=True, **settings).fit(["ma túy giá rẻ", "kẹo vui"])
        vectorizer.transform(["ma túy giá rẻ kẹo"])  # tokens now remembered with the first vocabulary
        vectorizer.fit(["kẹo vui cho học sinh", "giá rẻ", "ma túy đá"])
        texts = ["ma túy giá rẻ kẹo", "học sinh vui", "x"]
        fast, reference = vectorizer.transform(texts), TfidfVectorizer.transform(vectorizer, texts)
        assert fast.shape == reference.shape and abs(fast - reference).max() < 1e-12, settings


def test_settings_the_fast_transform_does_not_know_use_scikit_learns():
    from classifier.tfidf import BatchTfidfVectorizer
    texts = ["ma túy giá rẻ", "kẹo vui kẹo", "giá rẻ"]
    for settings in ({"binary": True}, {"norm": "l1"}, {"use_idf": False}, {"ngram_range": (1, 3)}):
        vectorizer = BatchTfidfVectorizer(**settings).fit(texts)
        assert abs(vectorizer.transform(texts) - TfidfVectorizer.transform(vectorizer, texts)).max() < 1e-12


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


# ---- The fused prediction path (classifier/features.py) ------------------------------------------

PHONES = ["gọi 0912 345 678", "+84 912345678", "84912345678", "a0912345678", "0912345678b", "(0912345678)",
          "10912345678", "_0912345678", "0912xxx678", "a+84912345678", "x84912345678", "0 9 1 2 3 4 5 6 7 8",
          "0912\u200b345678", "ib 0912.345.678 nhé", "số 84-912-345-678"]


def test_phone_numbers_are_found_where_the_plain_regex_finds_them():
    plain = re.compile(r"(?<!\w)(?:\+?84|0)(?:[ .\-]?[\dxX]){8,10}(?!\w)")
    from classifier.normalize import _PHONE
    for text in PHONES + TRICKY:
        assert _PHONE.sub("#", text) == plain.sub("#", text), text
    assert normalize("gọi 0912 345 678 nhé").split() == ["gọi", "xxphone", "nhé"]


def test_tokens_are_the_normalised_text_and_the_cache_changes_nothing():
    from classifier import normalize as module
    texts = TRICKY + PHONES + [e.text for e in load_seed()[:600]]
    tokens = module.tokens_many(texts)
    assert [" ".join(t) for t in tokens] == normalize_many(texts)
    assert all(token and " " not in token for t in tokens for token in t)
    module.forget_seen()
    cold = module.tokens_many(list(reversed(texts)))
    assert cold == list(reversed(tokens))  # cached (warm) and worked out afresh (cold) agree


def test_a_full_cache_is_emptied_without_losing_the_batch(monkeypatch):
    from itertools import chain

    from classifier import normalize as module
    texts = TRICKY + [e.text for e in load_seed()[:300]]
    expected = module.tokens_many(texts)
    monkeypatch.setattr(module, "_SEEN_LIMIT", len(module._SEEN) + 5)
    new = ["một vài chữ mới toanh xyzzy", "plugh a oi wibble", "I'm frobnicating k"]
    assert module.tokens_many(texts + new)[:len(texts)] == expected
    assert len(module._SEEN) == len(set(chain.from_iterable(module._prepared(texts + new))))  # emptied, refilled


def test_fused_features_equal_the_pipelines(classifier):
    from classifier.features import FusedFeatures
    from classifier.normalize import tokens_many
    pipeline = classifier._pipeline
    fused = FusedFeatures.for_pipeline(pipeline)
    texts = TRICKY + PHONES + [e.text for e in load_seed()[::3]] + ["nạp đầu x2 " * 40]
    reference = pipeline[:-1].transform(texts)
    matrix = fused.transform(tokens_many(texts))
    assert matrix.shape == reference.shape and matrix.nnz == reference.nnz
    assert abs(matrix - reference).max() < 1e-12
    model = pipeline[-1]
    weights, intercepts = model.linear_weights()
    assert np.allclose(fused.decisions(tokens_many(texts), weights, intercepts), model.decision_function(reference),
                       atol=1e-10)
    assert np.allclose(classifier.model_probabilities(texts), pipeline.predict_proba(texts), atol=1e-12)
    folded = [" ".join(t) for t in fused.folded_tokens(tokens_many(texts))]
    assert folded == views_many(texts)[1]


def test_an_unknown_pipeline_is_not_fused():
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from classifier.features import FusedFeatures
    assert FusedFeatures.for_pipeline(Pipeline([("views", FunctionTransformer(str.lower))])) is None


def test_rule_terms_by_token_equal_the_regexes():
    shipped = WatchRules.load()
    texts = TRICKY + PHONES + [e.text for e in load_seed()] + [
        "soi kèo vip soi kèo vip", "nạp đầu x2 nạp đầu x2 ngay", "không cần giấy tờ, bao ăn ở"]
    folded = views_many(texts)[1]
    by_token = shipped.match_tokens_many([text.split(" ") if text else [] for text in folded])
    assert as_tuples(by_token) == reference_hits(shipped, folded)
    assert shipped.match_folded_many(folded) == by_token
    assert sum(map(len, by_token)) > 20
    overlapping = WatchRules({"drugs": CategoryRules(0.6, ("xa yb", "xa yb zc", "yb zc"), ()),
                              "scam": CategoryRules(0.5, ("yb", "zc xa"), (re.compile(r"yb zc"),))})
    texts = ["xa yb zc xa yb", "yb zc xa yb zc", "xa", "", "zc xa yb zc yb", "xa, yb"]
    folded = [fold(text) for text in normalize_many(texts)]
    hits = overlapping.match_tokens_many([text.split(" ") if text else [] for text in folded])
    assert as_tuples(hits) == reference_hits(overlapping, folded) and len(hits[0]) == 6


def test_fused_predictions_equal_the_pipelines(classifier):
    from classifier.predict import make_predictions
    texts = TRICKY + PHONES + [e.text for e in load_seed()[::5]]
    fused = classifier.predict(texts)
    views_matrix = text_views(texts)
    plain = make_predictions(classifier, classifier._pipeline[1:].predict_proba(views_matrix), views_matrix[:, 1])
    assert [(p.labels, p.rule_hits) for p in fused] == [(p.labels, p.rule_hits) for p in plain]
    assert max(abs(p.scores[c] - q.scores[c]) for p, q in zip(fused, plain, strict=True) for c in p.scores) <= 1e-4
    assert sum(p.flagged for p in fused) > 10


def test_context_frames_by_token_equal_the_regexes():
    shipped = WatchRules.load()
    texts = TRICKY + PHONES + [e.text for e in load_seed()] + [
        "Công an bắt giữ, 5 năm tù", "em bị bắt nạt, em phải làm sao", "con tôi bị dọa, xin lời khuyên",
        "cười chết mất, nạp 50k nhận quà", "phải làm", "phải làm sao"]
    folded = views_many(texts)[1]
    by_token = shipped.contexts_many(folded_tokens=[text.split(" ") if text else [] for text in folded])
    assert [set(context.frames) for context in by_token] == reference_frames(shipped, folded)
    assert by_token == shipped.contexts_many(folded_texts=folded)
    assert sum(bool(context.frames) for context in by_token) > 20 and any(c.disclosure for c in by_token)
    # Terms sharing first tokens, one inside another, at the end of a text or cut by its end.
    frames = WatchRules({}, context={
        "a": ContextFrame("a", 0.5, ("xa yb zc", "yb"), ()), "b": ContextFrame("b", 0.5, ("xa yb", "zc xa"), ()),
        "c": ContextFrame("c", 0.5, ("yb zc xa yb",), (re.compile(r"\bqi\b"),))})
    texts = ["xa yb zc xa yb", "xa", "yb zc xa", "yb zc", "xa yb zc", "q1 xa", "zc", "", "xa, yb", "yb zc xa yb"]
    folded = [fold(text) for text in normalize_many(texts)]
    by_token = frames.contexts_many(folded_tokens=[text.split(" ") if text else [] for text in folded])
    assert [set(context.frames) for context in by_token] == reference_frames(frames, folded)
    assert [c.frames for c in by_token] == [("a", "b", "c"), (), ("a", "b"), ("a",), ("a", "b"), ("c",), (), (),
                                            ("a",), ("a", "b", "c")]


def test_terms_match_whole_tokens_and_a_contraction_is_one_token():
    rules = WatchRules({"drugs": CategoryRules(0.6, ("my daughter", "i'm dead"), ())})
    texts = ["my daughter is 12", "my daughter's friend", "I’m dead lol", "im dead", "i'm deadly", "ok i'm dead"]
    folded = views_many(texts)[1]
    by_regex = rules.match_folded_many(folded)
    assert [[hit.rule for hit in row] for row in by_regex] == [["my daughter"], [], ["i'm dead"], [], [], ["i'm dead"]]
    assert rules.match_tokens_many([text.split(" ") for text in folded]) == by_regex


def test_a_batch_is_scored_without_the_cyclic_garbage_collector_which_is_left_as_it_was(classifier):
    import gc
    texts = [e.text for e in load_seed()][:2000] + TRICKY
    phases = []
    gc.callbacks.append(lambda phase, info: phases.append(phase))
    try:
        gc.collect()
        phases.clear()
        predictions = classifier.predict(texts)
        during = list(phases)
    finally:
        gc.callbacks.pop()
    assert len(predictions) == len(texts) and gc.isenabled()
    assert len(during) <= 2  # at most the one collection its return may set off (start, stop)
    gc.disable()
    try:
        classifier.predict(texts[:10])
        assert not gc.isenabled()
    finally:
        gc.enable()
