"""Prediction: load the current artefact once, score texts in batches."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from classifier import artefacts
from classifier.features import FusedFeatures
from classifier.model import text_views
from classifier.normalize import tokens_many
from classifier.rules import NO_CONTEXT, RuleHit, WatchRules, in_context
from safewatch.errors import SafeWatchError
from safewatch.taxonomy import BY_CODE


class ModelMissing(SafeWatchError):
    pass


@dataclass(frozen=True)
class Prediction:
    scores: dict[str, float]  # the model's scores in their context, combined with rule hits (classifier.rules)
    labels: list[str]  # categories at or above their threshold
    model_version: str
    model_scores: dict[str, float] = field(default_factory=dict)  # the model's alone
    rule_hits: list[RuleHit] = field(default_factory=list)
    # Context frames that matched (reporting, prevention, disclosure…), worked out for posts with a
    # score of at least half a threshold: below that they change nothing.
    context: tuple[str, ...] = ()
    disclosure: bool = False  # a child telling of harm done to them: refer to child protection

    @property
    def flagged(self) -> bool:
        return bool(self.labels)

    @property
    def max_score(self) -> float:
        return max(self.scores.values(), default=0.0)

    def index_fields(self, explanations: dict | None = None) -> dict:
        """What the index stores of a prediction (crawl pipeline and re-scoring alike)."""
        return {
            "scores": self.scores, "labels": self.labels, "max_score": self.max_score,
            "rule_hits": sorted({f"{hit.category}:{hit.rule}" for hit in self.rule_hits}),
            "priority": self.priority, "model_version": self.model_version,
            "context": list(self.context), "disclosure": self.disclosure,
            "explanations": {code: [span.to_dict() for span in spans] for code, spans in (explanations or {}).items()},
        }

    @property
    def priority(self) -> float:
        """Severity-weighted score of the worst flagged category (0 when not flagged)."""
        return round(max((BY_CODE[c].severity * self.scores[c] for c in self.labels), default=0.0), 4)


def make_predictions(classifier, probabilities, folded_texts=None, *, folded_tokens=None) -> list[Prediction]:
    """Model probabilities (+ watch-rule hits and context frames on the diacritic-free normalised
    texts, given as texts or as their tokens) -> Predictions, for any backend with labels,
    thresholds, version and rules."""
    import numpy as np
    labels, version, rules = classifier.labels, classifier.version, classifier.rules
    thresholds = np.array([classifier.thresholds[code] for code in labels])
    model = np.asarray(probabilities, dtype=float)
    contexts = [NO_CONTEXT] * len(model)
    if not rules:
        all_hits = [[] for _ in model]
    else:
        # Context frames only for the posts they can change (most of a real stream is far below,
        # and for those with a rule hit, whose weight the frames also change).
        if folded_tokens is not None:
            all_hits = rules.match_tokens_many(folded_tokens)
        else:
            folded_texts = list(folded_texts)
            all_hits = rules.match_folded_many(folded_texts)
        near = np.flatnonzero((model >= thresholds * rules.context_reach).any(axis=1)
                              | np.fromiter(map(bool, all_hits), dtype=bool, count=len(all_hits))).tolist()
        if folded_tokens is not None:
            found = rules.contexts_many(folded_tokens=[folded_tokens[row] for row in near])
        else:
            found = rules.contexts_many(folded_texts=[folded_texts[row] for row in near])
        for row, context in zip(near, found, strict=True):
            contexts[row] = context
    rounded, model_rounded = np.round(in_context(model, contexts), 4), np.round(model, 4)
    over = rounded >= thresholds
    # Flags by row from the few True cells, not by testing every label of every row.
    flags: list[list[str]] = [[] for _ in range(len(rounded))]
    for row, column in zip(*np.nonzero(over), strict=True):
        flags[row].append(labels[column])
    results = []
    for row, model_row, flagged, hits, context in zip(rounded.tolist(), model_rounded.tolist(), flags, all_hits,
                                                       contexts, strict=True):
        scores = model_scores = dict(zip(labels, model_row, strict=True))
        if context is not NO_CONTEXT:
            scores = dict(zip(labels, row, strict=True))
        if hits:
            scores = rules.combine(scores, hits, context.factor)
        disclosure = False
        if hits or context.disclosure:
            limits = dict(classifier.thresholds)
            if context.disclosure:
                for code in context.disclosure.categories:
                    limits[code] = limits[code] * context.disclosure.threshold_factor
            flagged = [code for code in labels if scores[code] >= limits[code]]
            disclosure = bool(context.disclosure) and bool(set(flagged) & set(context.disclosure.categories))
        results.append(Prediction(scores, flagged, version, model_scores, hits, context.frames, disclosure))
    return results


def score_matrix(classifier, texts: list[str]):
    """(scores, flags) as arrays, one row per text, columns in `labels` order, for any backend."""
    import numpy as np
    predictions = classifier.predict(texts)
    return (np.array([[p.scores[c] for c in classifier.labels] for p in predictions]),
            np.array([[c in p.labels for c in classifier.labels] for p in predictions]))


@contextmanager
def collector_paused():
    """Batch prediction allocates many short-lived lists, tuples and dicts but makes no reference
    cycles: the cyclic garbage collector would walk them again and again (10-25% of a batch's time),
    while reference counting frees them all the same. Left as it was found, also on error."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Classifier:
    def __init__(self, artefact: artefacts.Artefact, rules: WatchRules | None = None) -> None:
        self._pipeline = artefact.pipeline
        if self._pipeline.steps[0][0] != "views":
            raise artefacts.ArtefactError(f"{artefact.path}: not a SafeWatch text pipeline (no 'views' step).")
        self.rules = rules
        self._fused = FusedFeatures.for_pipeline(self._pipeline)  # None: the pipeline's own steps
        self.labels: list[str] = artefact.metadata["labels"]
        self.thresholds: dict[str, float] = artefact.metadata["thresholds"]
        self.version: str = artefact.metadata["version"]

    @classmethod
    def load(cls, models_dir: Path, rules_file: Path | None = None, *, use_rules: bool = True) -> Classifier:
        folder = artefacts.current_path(models_dir)
        if folder is None:
            raise ModelMissing(f"No trained model in {models_dir}; run `safewatch train` first.")
        rules = (WatchRules.load(rules_file) if rules_file else WatchRules.load()) if use_rules else None
        return cls(artefacts.load(folder), rules)

    def model_probabilities(self, texts: list[str]):
        """The model's probabilities alone (no rules), one row per text in `labels` order."""
        if self._fused is None:
            return self._pipeline.predict_proba(texts)
        with collector_paused():
            return self._fused_probabilities(tokens_many(texts))

    def _fused_probabilities(self, docs: list[list[str]]):
        model = self._pipeline[-1]
        linear = model.linear_weights() if hasattr(model, "linear_weights") else None
        if linear is None:
            return model.predict_proba(self._fused.transform(docs))
        return model.calibrated(self._fused.decisions(docs, *linear))

    def explain(self, text: str, prediction: Prediction, *, top: int = 5) -> dict[str, list]:
        """Spans of `text` that drove each flagged category (see classifier.explain)."""
        from classifier.explain import explain
        return explain(self.model_probabilities, text, prediction.labels, self.labels, top=top)

    def explain_many(self, texts: list[str], predictions: list[Prediction], *, top: int = 5) -> list[dict]:
        """explain() of many posts in one scoring call (the crawl explains a batch's flagged posts)."""
        from classifier.explain import explain_many
        return explain_many(self.model_probabilities, [(t, p.labels) for t, p in zip(texts, predictions, strict=True)],
                            self.labels, top=top)

    def score_matrix(self, texts: list[str]):
        return score_matrix(self, texts)

    def predict(self, texts: list[str]) -> list[Prediction]:
        if not texts:
            return []
        # Normalise once: the model and the watch rules share the tokens (or the views).
        if self._fused is None:
            views = text_views(texts)
            return make_predictions(self, self._pipeline[1:].predict_proba(views), views[:, 1])
        with collector_paused():
            docs = tokens_many(texts)
            probabilities = self._fused_probabilities(docs)
            return make_predictions(self, probabilities, folded_tokens=self._fused.folded_tokens(docs))
