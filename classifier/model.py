"""The default model: one scikit-learn Pipeline used by both training and prediction.

text -> (normalised view, diacritic-free view) -> word 1-2-grams over both views and character
2-5-grams over the diacritic-free view -> short posts damped towards "no evidence" -> one logistic
regression per category (multi-label), each calibrated with a sigmoid fitted on out-of-fold scores
(classifier/train.py).

Two parts are written for speed and give the same numbers as scikit-learn's own (tests compare
them): `BatchTfidfVectorizer.transform` counts n-grams for a whole batch at once, and
`CalibratedOneVsRest` scores every category with one matrix product.
"""

from __future__ import annotations

import re
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, LabelBinarizer
from sklearn.utils.validation import check_is_fitted

from classifier.corpus import UNKNOWN
from classifier.normalize import views_many

WORD_PATTERN = r"(?u)\b\w+\b"


def text_views(texts) -> np.ndarray:
    normal, folded = views_many(texts)
    result = np.empty((len(normal), 2), dtype=object)
    result[:, 0], result[:, 1] = normal, folded
    return result


class BatchTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer whose transform counts a batch without building one string per n-gram
    occurrence: word n-grams by direct vocabulary lookups; character n-grams (char_wb) per distinct
    word of the batch, then summed per document with one sparse product. Fitting is unchanged."""

    def transform(self, raw_documents):
        check_is_fitted(self, "vocabulary_", msg="The TF-IDF vectorizer is not fitted")
        if not self._fast_path_applies():
            return super().transform(raw_documents)
        documents = [str(doc).lower() for doc in raw_documents]
        counts = self._char_counts(documents) if self.analyzer == "char_wb" else self._word_counts(documents)
        return self._tfidf.transform(counts, copy=False)

    def _fast_path_applies(self) -> bool:
        plain = (self.input == "content" and self.preprocessor is None and self.tokenizer is None
                 and self.strip_accents is None and self.lowercase and self.stop_words is None)
        if self.analyzer == "word":
            return plain and self.token_pattern == WORD_PATTERN and self.ngram_range in ((1, 1), (1, 2))
        return plain and self.analyzer == "char_wb"

    def _word_counts(self, documents: list[str]):
        # Every token of the batch in one flat list, looked up once; a bigram is found from the ids
        # of its two words (every word of a known bigram is a known word: no max_features here), and
        # pairs that would span two documents are dropped.
        tokens_per_doc = list(map(re.compile(self.token_pattern).findall, documents))
        lengths = np.fromiter(map(len, tokens_per_doc), dtype=np.int64, count=len(documents))
        tokens = list(chain.from_iterable(tokens_per_doc))
        columns = np.fromiter(map(self.vocabulary_.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        rows = np.repeat(np.arange(len(documents)), lengths)
        if self.ngram_range[1] == 2 and len(tokens) > 1:
            first, second = columns[:-1], columns[1:]
            candidate = (rows[:-1] == rows[1:]) & (first >= 0) & (second >= 0)
            wanted = (first[candidate] * len(self.vocabulary_) + second[candidate]).tolist()
            pairs = np.fromiter(map(self._bigram_table().get, wanted, repeat(-1)), dtype=np.int64, count=len(wanted))
            columns = np.concatenate((columns, pairs))
            rows = np.concatenate((rows, rows[:-1][candidate]))
        return self._matrix(rows, columns, len(documents))

    def _bigram_table(self) -> dict[int, int]:
        """(first word id * vocabulary size + second word id) -> the bigram's column."""
        table = self.__dict__.get("_bigrams")
        if table is None:
            size, vocabulary = len(self.vocabulary_), self.vocabulary_
            table = self._bigrams = {}
            for gram, column in vocabulary.items():
                if " " in gram:
                    first, second = gram.split(" ")
                    table[vocabulary[first] * size + vocabulary[second]] = column
        return table

    def _char_counts(self, documents: list[str]):
        # documents x distinct words (counts)  @  distinct words x character n-grams (counts)
        words_per_doc = list(map(str.split, documents))
        lengths = np.fromiter(map(len, words_per_doc), dtype=np.int64, count=len(documents))
        words = list(chain.from_iterable(words_per_doc))
        distinct = dict.fromkeys(words)
        index = {word: position for position, word in enumerate(distinct)}
        doc_words = self._matrix(np.repeat(np.arange(len(documents)), lengths),
                                 np.fromiter(map(index.__getitem__, words), dtype=np.int64, count=len(words)),
                                 len(documents), width=len(distinct))
        cache = self.__dict__.setdefault("_word_ngrams_cache", {})
        if len(cache) > 500_000:
            cache.clear()
        grams = []
        for word in distinct:
            found = cache.get(word)
            if found is None:
                found = cache[word] = self._word_char_ngrams(word)
            grams.append(found)
        gram_lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        gram_columns = np.fromiter(chain.from_iterable(grams), dtype=np.int64, count=int(gram_lengths.sum()))
        word_grams = self._matrix(np.repeat(np.arange(len(grams)), gram_lengths), gram_columns, len(grams))
        counts = (doc_words @ word_grams).tocsr()
        counts.sum_duplicates()
        return counts

    def _word_char_ngrams(self, word: str) -> list[int]:
        """The vocabulary columns of one word's char_wb n-grams (as scikit-learn's _char_wb_ngrams)."""
        get = self.vocabulary_.get
        min_n, max_n = self.ngram_range
        padded = f" {word} "
        found = []
        for n in range(min_n, max_n + 1):
            offset = 0
            found.append(get(padded[offset:offset + n]))
            while offset + n < len(padded):
                offset += 1
                found.append(get(padded[offset:offset + n]))
            if offset == 0:  # the word is shorter than n: one n-gram only
                break
        return [column for column in found if column is not None]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_word_ngrams_cache", None)
        state.pop("_bigrams", None)
        return state

    def _matrix(self, rows, columns, height: int, width: int | None = None):
        """Counts of (row, column) pairs as a CSR matrix; negative columns (not in the vocabulary) dropped."""
        known = columns >= 0
        matrix = sp.csr_matrix((np.ones(int(known.sum())), (rows[known], columns[known])),
                               shape=(height, len(self.vocabulary_) if width is None else width))
        matrix.sum_duplicates()
        return matrix


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
