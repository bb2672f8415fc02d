"""The default model: one scikit-learn Pipeline used by both training and prediction.

text -> (normalised view, diacritic-free view) -> word 1-2-grams over both views and character
2-5-grams over the diacritic-free view -> one logistic regression per category (multi-label).
"""

from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifier.normalize import views

WORD_PATTERN = r"(?u)\b\w+\b"


def text_views(texts) -> np.ndarray:
    return np.array([views(str(text)) for text in texts], dtype=object).reshape(-1, 2)


def feature_columns() -> list:
    """Word 1-2-grams on each view, character 2-5-grams on the diacritic-free view."""
    return [
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=WORD_PATTERN), 0),
        ("words_folded", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
                                         token_pattern=WORD_PATTERN), 1),
        ("chars_folded", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                         min_df=2, max_features=200_000), 1),
    ]


def build_pipeline(random_state: int = 0) -> Pipeline:
    features = ColumnTransformer(feature_columns())
    classifier = OneVsRestClassifier(
        # No class weighting: the per-category thresholds (classifier/train.py) set the trade-off.
        LogisticRegression(C=16.0, max_iter=3000, random_state=random_state))
    return Pipeline([("views", FunctionTransformer(text_views)), ("features", features),
                     ("classifier", classifier)])
