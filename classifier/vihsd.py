"""`safewatch bench vihsd`: the default text pipeline trained on ViHSD (Vietnamese hate speech,
research use only: a benchmark, never training data of the shipped model) and scored on a split.

Same normalisation and features as the shipped model (classifier.model), with one 3-class
logistic regression (clean / offensive / hate) instead of one per category.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifier.model import feature_columns, text_views
from safewatch.errors import SafeWatchError

CLASSES = ("clean", "offensive", "hate")
# Macro-F1 on the ViHSD test split, from the authors' notebooks (see ../shared/data/README.md).
PUBLISHED = {"TextCNN": 0.611, "GRU": 0.605, "multilingual BERT": 0.627, "PhoBERT": 0.620}


@dataclass
class VihsdResult:
    macro_f1: float
    per_class_f1: dict[str, float]
    train_rows: int
    test_rows: int
    test_file: str
    seconds: float

    def to_dict(self) -> dict:
        return {"benchmark": "vihsd", "macro_f1": round(self.macro_f1, 4),
                "per_class_f1": {k: round(v, 4) for k, v in self.per_class_f1.items()},
                "train_rows": self.train_rows, "test_rows": self.test_rows, "test_file": self.test_file,
                "seconds": round(self.seconds, 1), "published_test_macro_f1": PUBLISHED}


def load(path: Path) -> tuple[list[str], list[int]]:
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
        return [row["free_text"] for row in rows], [int(row["label_id"]) for row in rows]
    except (OSError, KeyError, ValueError) as error:
        raise SafeWatchError(f"{path}: not a ViHSD file with free_text,label_id columns ({error}).") from None


def run(data_dir: Path, test_file: Path | None = None) -> VihsdResult:
    started = time.monotonic()
    train_texts, train_labels = load(data_dir / "train.csv")
    test_file = test_file or data_dir / "dev.csv"
    test_texts, test_labels = load(test_file)
    pipeline = Pipeline([
        ("views", FunctionTransformer(text_views)),
        ("features", ColumnTransformer(feature_columns())),
        ("classifier", LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000)),
    ])
    pipeline.fit(train_texts, train_labels)
    predicted = pipeline.predict(test_texts)
    per_class = f1_score(test_labels, predicted, average=None, labels=[0, 1, 2])
    return VihsdResult(float(f1_score(test_labels, predicted, average="macro")),
                       dict(zip(CLASSES, map(float, per_class), strict=True)), len(train_texts), len(test_texts),
                       str(test_file), time.monotonic() - started)
