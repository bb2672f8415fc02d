"""Prediction: load the current artefact once, score texts in batches."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from classifier import artefacts
from safewatch.errors import SafeWatchError
from safewatch.taxonomy import BY_CODE


class ModelMissing(SafeWatchError):
    pass


@dataclass(frozen=True)
class Prediction:
    scores: dict[str, float]
    labels: list[str]  # categories at or above their threshold
    model_version: str

    @property
    def flagged(self) -> bool:
        return bool(self.labels)

    @property
    def max_score(self) -> float:
        return max(self.scores.values(), default=0.0)

    @property
    def priority(self) -> float:
        """Severity-weighted score of the worst flagged category (0 when not flagged)."""
        return round(max((BY_CODE[c].severity * self.scores[c] for c in self.labels), default=0.0), 4)


class Classifier:
    def __init__(self, artefact: artefacts.Artefact) -> None:
        self._pipeline = artefact.pipeline
        self.labels: list[str] = artefact.metadata["labels"]
        self.thresholds: dict[str, float] = artefact.metadata["thresholds"]
        self.version: str = artefact.metadata["version"]

    @classmethod
    def load(cls, models_dir: Path) -> Classifier:
        folder = artefacts.current_path(models_dir)
        if folder is None:
            raise ModelMissing(f"No trained model in {models_dir}; run `safewatch train` first.")
        return cls(artefacts.load(folder))

    def predict(self, texts: list[str]) -> list[Prediction]:
        if not texts:
            return []
        probabilities = self._pipeline.predict_proba(texts)
        results = []
        for row in probabilities:
            scores = {code: round(float(p), 4) for code, p in zip(self.labels, row, strict=True)}
            labels = [code for code in self.labels if scores[code] >= self.thresholds[code]]
            results.append(Prediction(scores, labels, self.version))
        return results
