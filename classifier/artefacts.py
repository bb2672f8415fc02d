"""Model artefacts: save with metadata and a checksum, verify the checksum before loading.

Only files this project wrote and whose SHA-256 matches metadata.json are ever unpickled.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import joblib
import sklearn

import safewatch
from safewatch.errors import SafeWatchError

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
CURRENT_POINTER = "current"


class ArtefactError(SafeWatchError):
    pass


@dataclass
class Artefact:
    pipeline: object
    metadata: dict
    path: Path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(models_dir: Path, pipeline: object, metadata: dict, *, make_current: bool = True) -> Path:
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = models_dir / version
    folder.mkdir(parents=True, exist_ok=False)
    joblib.dump(pipeline, folder / MODEL_FILE, compress=3)
    full = {
        **metadata,
        "version": version,
        "created_at": datetime.now(UTC).isoformat(),
        "model_sha256": sha256_file(folder / MODEL_FILE),
        "code_version": safewatch.__version__,
        "libraries": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                      "joblib": joblib.__version__},
    }
    (folder / METADATA_FILE).write_text(json.dumps(full, ensure_ascii=False, indent=2), encoding="utf-8")
    if make_current:
        make_current_model(models_dir, folder)
    return folder


def make_current_model(models_dir: Path, folder: Path) -> None:
    pointer = models_dir / CURRENT_POINTER
    pointer.with_suffix(".tmp").write_text(folder.name)
    pointer.with_suffix(".tmp").replace(pointer)  # atomic: readers see the old or the new model


def current_path(models_dir: Path) -> Path | None:
    pointer = models_dir / CURRENT_POINTER
    if not pointer.is_file():
        return None
    folder = models_dir / pointer.read_text().strip()
    return folder if (folder / METADATA_FILE).is_file() else None


def load(folder: Path) -> Artefact:
    try:
        metadata = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as error:
        raise ArtefactError(f"No readable model metadata in {folder}: {error}") from None
    model_file = folder / MODEL_FILE
    if not model_file.is_file() or sha256_file(model_file) != metadata.get("model_sha256"):
        raise ArtefactError(f"Model file in {folder} is missing or does not match its checksum; "
                            "retrain with `safewatch train`.")
    if metadata.get("libraries", {}).get("scikit-learn") != sklearn.__version__:
        raise ArtefactError(f"Model in {folder} was built with scikit-learn "
                            f"{metadata.get('libraries', {}).get('scikit-learn')}, this is "
                            f"{sklearn.__version__}; retrain with `safewatch train`.")
    return Artefact(joblib.load(model_file), metadata, folder)
