"""Which classifier to use, from configuration (SAFEWATCH_BACKEND): the default scikit-learn model,
the transformer, or both averaged (ensemble). Every caller loads through here."""

from __future__ import annotations

from classifier.artefacts import ArtefactError
from classifier.predict import Classifier
from classifier.rules import WatchRules

BACKENDS = ("sklearn", "transformer", "ensemble")


def load_classifier(config):
    if config.backend not in BACKENDS:
        raise ArtefactError(f"Unknown backend '{config.backend}'; use one of: {', '.join(BACKENDS)}.")
    if config.backend == "sklearn":
        return Classifier.load(config.models_path, config.rules_file)  # loads the watch rules itself
    rules = WatchRules.load(config.rules_file) if config.rules_file else WatchRules.load()
    from classifier.transformer import EnsembleClassifier, TransformerClassifier, current_folder
    folder = current_folder(config.models_path / "transformer")
    if folder is None:
        raise ArtefactError(f"No transformer model in {config.models_path / 'transformer'}; run "
                            "`safewatch train --backend transformer --base CHECKPOINT_FOLDER` first.")
    transformer = TransformerClassifier.load(folder, quantize=config.quantize, rules=rules)
    if config.backend == "transformer":
        return transformer
    return EnsembleClassifier([Classifier.load(config.models_path, config.rules_file), transformer])
