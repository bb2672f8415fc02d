"""The default model: one scikit-learn Pipeline used by both training and prediction.

text -> (normalised view, diacritic-free view) -> word 1-2-grams over both views and character
2-5-grams over the diacritic-free view -> short posts damped towards "no evidence" -> one logistic
regression per category (multi-label), each calibrated with a sigmoid fitted on out-of-fold scores
(classifier/train.py).

Two parts are written for speed and give the same numbers as scikit-learn's own (tests compare
them): the vectorizers' transform (classifier/tfidf.py, the one fast tf-idf transform), and
`CalibratedOneVsRest`, which scores every category with one matrix product.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, LabelBinarizer

from classifier.corpus import UNKNOWN
from classifier.normalize import views_many
from classifier.tfidf import WORD_PATTERN, BatchTfidfVectorizer


def text_views(texts) -> np.ndarray:
    normal, folded = views_many(texts)
    result = np.empty((len(normal), 2), dtype=object)
    result[:, 0], result[:, 1] = normal, folded
    return result


class EvidenceDamping(TransformerMixin, BaseEstimator):
    """Each post's features times min(1, sqrt(n / full)), n its number of non-zero features.

    Every tf-idf block is scaled to length 1, so a two-word reaction ("Buồn cười", "Ò") weighs as
    much as a paragraph and one weakly suspicious n-gram decides its score. Damped, a post with
    little in it stays near the model's prior (no category) unless what little it has is strong
    evidence: a short lure ("ib mua kẹo") still carries its words' full weight times the damping, and
    the model learns from short examples how much that must be."""

    def __init__(self, full: int = 60) -> None:
        self.full = full

    def fit(self, X, y=None):
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return True  # nothing to learn

    def transform(self, X):
        X = sp.csr_matrix(X)
        return sp.diags(damping(np.diff(X.indptr), self.full)) @ X


def damping(nonzero: np.ndarray, full: int) -> np.ndarray:
    """The factor of EvidenceDamping for rows with `nonzero` non-zero features."""
    return np.minimum(1.0, np.sqrt(np.asarray(nonzero, dtype=float) / full))


class CalibratedOneVsRest(OneVsRestClassifier):
    """One logistic regression per category; probabilities pass through a per-category sigmoid
    (Platt scaling) fitted on out-of-fold decision values by classifier/train.py, so that a score of
    0.8 means about 8 in 10 such posts are of the category. Before calibration: the plain model."""

    def fit(self, X, y, **fit_params):
        """As OneVsRestClassifier, except that a label of -1 (classifier.corpus.UNKNOWN) leaves the
        example out of that category's regression (an example whose source does not say)."""
        Y = y.toarray() if sp.issparse(y) else np.asarray(y)
        unknown = Y == UNKNOWN
        self.__dict__.pop("_stacked", None)
        if not unknown.any():
            return super().fit(X, Y, **fit_params)
        X = sp.csr_matrix(X)
        self.label_binarizer_ = LabelBinarizer(sparse_output=True).fit(np.where(unknown, 0, Y))
        self.classes_ = self.label_binarizer_.classes_
        self.estimators_ = [clone(self.estimator).fit(X[~unknown[:, column]], Y[~unknown[:, column], column])
                            for column in range(Y.shape[1])]
        self.n_features_in_ = self.estimators_[0].n_features_in_
        return self

    def set_calibration(self, slopes, intercepts) -> None:
        self.calibration_ = (np.asarray(slopes, dtype=float), np.asarray(intercepts, dtype=float))

    def linear_weights(self):
        """(weights, intercepts) of all categories stacked (features x categories, categories), or
        None when a category has no linear model (trained without examples of it)."""
        weights = self.__dict__.get("_stacked")
        if weights is None and all(hasattr(e, "coef_") for e in self.estimators_):
            weights = self._stacked = (np.ascontiguousarray(np.vstack([e.coef_ for e in self.estimators_]).T),
                                       np.concatenate([e.intercept_ for e in self.estimators_]))
        return weights

    def decision_function(self, X):
        weights = self.linear_weights()
        if weights is None:
            return super().decision_function(X)  # a category without examples: scikit-learn's way
        return np.asarray(X @ weights[0]) + weights[1]

    def predict_proba(self, X):
        return self.calibrated(self.decision_function(X))

    def calibrated(self, decision):
        """Probabilities from decision values (the calibration sigmoid)."""
        slopes, intercepts = getattr(self, "calibration_", (1.0, 0.0))
        return expit(decision * slopes + intercepts)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_stacked", None)
        return state


def feature_columns() -> list:
    """Word 1-2-grams on each view, character 2-5-grams on the diacritic-free view."""
    return [
        ("words", BatchTfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=WORD_PATTERN), 0),
        ("words_folded", BatchTfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
                                              token_pattern=WORD_PATTERN), 1),
        ("chars_folded", BatchTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                              min_df=2, max_features=200_000), 1),
    ]


DAMPING_FULL = 60  # non-zero features from which a post counts fully (a sentence of 5-6 words)
C = 16.0  # logistic regression: weak regularisation; calibration and thresholds follow


def build_pipeline(random_state: int = 0) -> Pipeline:
    features = ColumnTransformer(feature_columns())
    classifier = CalibratedOneVsRest(
        # No class weighting: the per-category thresholds (classifier/thresholds.py) set the trade-off.
        LogisticRegression(C=C, max_iter=3000, random_state=random_state))
    return Pipeline([("views", FunctionTransformer(text_views)), ("features", features),
                     ("evidence", EvidenceDamping(DAMPING_FULL)), ("classifier", classifier)])
