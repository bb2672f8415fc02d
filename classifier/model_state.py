"""The fitted pipeline as plain data: numpy arrays (idf, weights, calibration) and JSON (vocabularies,
parameters), and the pipeline rebuilt from them.

Nothing here can run code while loading: the arrays are read with `allow_pickle=False` and the JSON
is only numbers, strings and lists, so a replaced artefact can at worst be refused or give wrong
scores, never execute. Only the pipeline classifier/model.py builds can be saved (save refuses
anything else), and the rebuilt pipeline predicts bit for bit what the saved one did (tests check).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, LabelBinarizer

from classifier.model import CalibratedOneVsRest, EvidenceDamping, text_views
from classifier.tfidf import BatchTfidfVectorizer
from safewatch.errors import SafeWatchError

FORMAT = "safewatch-arrays-1"
# What a vectorizer may differ in from scikit-learn's defaults (all plain JSON values).
VECTORIZER_PARAMS = ("analyzer", "ngram_range", "sublinear_tf", "token_pattern", "min_df", "max_df",
                     "max_features", "lowercase", "norm", "use_idf", "smooth_idf", "binary", "strip_accents")
PRIMITIVES = (bool, int, float, str, type(None))


class ModelStateError(SafeWatchError):
    pass


def pipeline_state(pipeline) -> tuple[dict, dict[str, np.ndarray]]:
    """(JSON-able description, named arrays) of a fitted SafeWatch pipeline; ModelStateError for any
    other pipeline (it could not be rebuilt faithfully)."""
    steps = dict(pipeline.steps) if isinstance(pipeline, Pipeline) else {}
    names = [name for name, _ in pipeline.steps] if steps else []
    if names not in (["views", "features", "evidence", "classifier"], ["views", "features", "classifier"]):
        raise ModelStateError(f"Cannot save a pipeline with steps {names}: only SafeWatch's own pipeline.")
    views, features, classifier = steps["views"], steps["features"], steps["classifier"]
    if getattr(views, "func", None) is not text_views or not isinstance(features, ColumnTransformer):
        raise ModelStateError("Cannot save this pipeline: its views or features step is not SafeWatch's.")
    arrays: dict[str, np.ndarray] = {}
    vectorizers = []
    for number, (name, vectorizer, column) in enumerate(
            t for t in features.transformers_ if not (t[0] == "remainder" and t[1] == "drop")):
        if type(vectorizer) is not BatchTfidfVectorizer or column not in (0, 1):
            raise ModelStateError(f"Cannot save feature block {name!r}: not a BatchTfidfVectorizer on a view.")
        params = {key: _plain(value) for key, value in vectorizer.get_params().items() if key in VECTORIZER_PARAMS}
        if _vectorizer(params).get_params() != vectorizer.get_params():
            raise ModelStateError(f"Cannot save feature block {name!r}: parameters beyond {VECTORIZER_PARAMS}.")
        terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        vectorizers.append({"name": name, "column": column, "params": params, "vocabulary": terms})
        arrays[f"idf_{number}"] = np.asarray(vectorizer.idf_, dtype=np.float64)
    estimators = getattr(classifier, "estimators_", None)
    if type(classifier) is not CalibratedOneVsRest or not estimators or \
            not all(type(e) is LogisticRegression for e in estimators):
        raise ModelStateError("Cannot save this classifier: one fitted logistic regression per category needed.")
    arrays["coef"] = np.vstack([e.coef_ for e in estimators])
    arrays["intercept"] = np.concatenate([e.intercept_ for e in estimators])
    if hasattr(classifier, "calibration_"):
        arrays["calibration_slopes"], arrays["calibration_intercepts"] = (
            np.broadcast_to(np.asarray(part, dtype=float), (len(estimators),)).copy()
            for part in classifier.calibration_)
    evidence = steps.get("evidence")
    state = {
        "format": FORMAT,
        "evidence_full": evidence.full if isinstance(evidence, EvidenceDamping) else None,
        "sparse_output": bool(features.sparse_output_),
        "vectorizers": vectorizers,
        "logistic_regression": {key: value for key, value in estimators[0].get_params().items()
                                if isinstance(value, PRIMITIVES)},
    }
    return state, arrays


def rebuild_pipeline(state: dict, arrays) -> Pipeline:
    """The fitted pipeline described by pipeline_state(); ModelStateError when the data is not one."""
    try:
        return _rebuild(state, arrays)
    except ModelStateError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
        raise ModelStateError(f"The model's data is malformed ({type(error).__name__}: {error}).") from None


def _rebuild(state: dict, arrays) -> Pipeline:
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ModelStateError(f"Unknown model format {state.get('format') if isinstance(state, dict) else None!r}.")
    blocks = []
    for spec in state["vectorizers"]:
        vocabulary = {term: column for column, term in enumerate(spec["vocabulary"])}
        if len(vocabulary) != len(spec["vocabulary"]) or not all(isinstance(t, str) for t in vocabulary):
            raise ModelStateError(f"Vocabulary of {spec['name']!r} is not a list of distinct terms.")
        vectorizer = _vectorizer(spec["params"])
        vectorizer.set_params(vocabulary=vocabulary)  # fitted below on one empty row, idf replaced after
        blocks.append((str(spec["name"]), vectorizer, int(spec["column"])))
    views = FunctionTransformer(text_views)
    features = ColumnTransformer(blocks)
    with warnings.catch_warnings():
        # Lowercasing can leave an upper-case letter in a learnt term (Unicode); the warning meant
        # for hand-written vocabularies does not apply to one the vectorizer learnt itself.
        warnings.filterwarnings("ignore", message="Upper case characters found in vocabulary")
        features.fit(views.fit_transform([""]))
    features.sparse_output_ = bool(state["sparse_output"])
    for number, (_, vectorizer, _) in enumerate(features.transformers_[:len(blocks)]):
        idf = _array(arrays, f"idf_{number}", (len(vectorizer.vocabulary_),))
        vectorizer.set_params(vocabulary=None)  # as trained: the vocabulary was learnt, not given
        vectorizer.idf_ = idf
    width = sum(len(vectorizer.vocabulary_) for _, vectorizer, _ in features.transformers_[:len(blocks)])
    coef = _array(arrays, "coef", (None, width))
    intercept = _array(arrays, "intercept", (coef.shape[0],))
    params = {key: value for key, value in state["logistic_regression"].items() if isinstance(value, PRIMITIVES)}
    classifier = CalibratedOneVsRest(LogisticRegression(**params))
    classifier.estimators_ = []
    for row in range(coef.shape[0]):
        estimator = LogisticRegression(**params)
        estimator.coef_, estimator.intercept_ = coef[row:row + 1], intercept[row:row + 1]
        estimator.classes_, estimator.n_features_in_ = np.array([0, 1]), width
        classifier.estimators_.append(estimator)
    classifier.label_binarizer_ = LabelBinarizer(sparse_output=True).fit(np.eye(coef.shape[0], dtype=int))
    classifier.classes_ = classifier.label_binarizer_.classes_
    classifier.n_features_in_ = width
    if "calibration_slopes" in arrays:
        classifier.set_calibration(_array(arrays, "calibration_slopes", (coef.shape[0],)),
                                   _array(arrays, "calibration_intercepts", (coef.shape[0],)))
    steps = [("views", views), ("features", features)]
    if state["evidence_full"] is not None:
        steps.append(("evidence", EvidenceDamping(int(state["evidence_full"]))))
    return Pipeline([*steps, ("classifier", classifier)])


def _vectorizer(params: dict) -> BatchTfidfVectorizer:
    if not isinstance(params, dict) or set(params) - set(VECTORIZER_PARAMS):
        raise ModelStateError(f"Vectorizer parameters must be among {VECTORIZER_PARAMS}.")
    values = {key: tuple(value) if key == "ngram_range" else value for key, value in params.items()}
    if not all(isinstance(value, PRIMITIVES + (tuple,)) for value in values.values()):
        raise ModelStateError("Vectorizer parameters must be plain values.")
    return BatchTfidfVectorizer(**values)


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _array(arrays, name: str, shape: tuple) -> np.ndarray:
    if name not in arrays:
        raise ModelStateError(f"The model's arrays lack {name!r}.")
    array = arrays[name]
    if array.dtype != np.float64 or array.ndim != len(shape) or \
            any(want is not None and want != got for want, got in zip(shape, array.shape, strict=True)):
        raise ModelStateError(f"The model's array {name!r} has shape {array.shape} ({array.dtype}), "
                              f"expected {shape} of float64.")
    return array
