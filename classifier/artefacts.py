"""Model artefacts: save with metadata and checksums, verify them before loading, load as data.

A model is saved as numpy arrays (model.npz, read with allow_pickle=False) and JSON (model.json),
see classifier/model_state.py: loading cannot run code, whatever the files hold and whatever
metadata.json says their hashes are. Models live in version folders of the models folder; the
`current` pointer file names one of them and is refused when it points anywhere else.
"""

from __future__ import annotations

import hashlib
import json
import platform
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sklearn

import safewatch
from classifier.model_state import ModelStateError, pipeline_state, rebuild_pipeline
from safewatch.errors import SafeWatchError

ARRAYS_FILE = "model.npz"
STATE_FILE = "model.json"
MODEL_FILES = (ARRAYS_FILE, STATE_FILE)
LEGACY_FILE = "model.joblib"  # the earlier, pickled format: recognised to say "retrain", never loaded
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
    try:
        state, arrays = pipeline_state(pipeline)
    except ModelStateError as error:
        raise ArtefactError(str(error)) from None
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = models_dir / version
    folder.mkdir(parents=True, exist_ok=False)
    np.savez_compressed(folder / ARRAYS_FILE, **arrays)
    (folder / STATE_FILE).write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    full = {
        **metadata,
        "version": version,
        "created_at": datetime.now(UTC).isoformat(),
        "format": state["format"],
        "files_sha256": {name: sha256_file(folder / name) for name in MODEL_FILES},
        "code_version": safewatch.__version__,
        "libraries": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                      "numpy": np.__version__},
    }
    (folder / METADATA_FILE).write_text(json.dumps(full, ensure_ascii=False, indent=2), encoding="utf-8")
    if make_current:
        make_current_model(models_dir, folder)
    return folder


def make_current_model(models_dir: Path, folder: Path) -> None:
    _version_folder(models_dir, folder.name)  # only a folder of models_dir can be made current
    pointer = models_dir / CURRENT_POINTER
    pointer.with_suffix(".tmp").write_text(folder.name)
    pointer.with_suffix(".tmp").replace(pointer)  # atomic: readers see the old or the new model


def current_path(models_dir: Path, metadata_file: str = METADATA_FILE) -> Path | None:
    """The folder the `current` pointer names, None when there is no model yet; ArtefactError when
    the pointer leads out of models_dir (a symlink, a path, `..`)."""
    pointer = models_dir / CURRENT_POINTER
    if pointer.is_symlink():
        raise ArtefactError(f"{pointer} is a symbolic link; it must be a file naming a folder of {models_dir}.")
    if not pointer.is_file():
        return None
    folder = _version_folder(models_dir, pointer.read_text(encoding="utf-8", errors="replace").strip())
    return folder if (folder / metadata_file).is_file() else None


def _version_folder(models_dir: Path, name: str) -> Path:
    """models_dir/name, refused unless name is one plain folder name that stays inside models_dir."""
    plain = name and name not in (".", "..") and "/" not in name and "\\" not in name and "\0" not in name \
        and ":" not in name
    folder = models_dir / name
    if not plain or folder.is_symlink() or not folder.resolve().is_relative_to(models_dir.resolve()):
        raise ArtefactError(f"The model pointer {models_dir / CURRENT_POINTER} names {name[:200]!r}, which is not "
                            f"a model folder inside {models_dir}; point it at one (or run `safewatch train`).")
    return folder


def load(folder: Path) -> Artefact:
    try:
        metadata = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtefactError(f"No readable model metadata in {folder}: {error}") from None
    if not isinstance(metadata, dict):
        raise ArtefactError(f"The model metadata in {folder} is not a JSON object; retrain with `safewatch train`.")
    if "files_sha256" not in metadata and ((folder / LEGACY_FILE).exists() or "model_sha256" in metadata):
        raise ArtefactError(f"The model in {folder} is in the old pickled format, which is no longer loaded "
                            "(it could run code); retrain with `safewatch train`.")
    hashes = metadata.get("files_sha256")
    for name in MODEL_FILES:
        path = folder / name
        if not isinstance(hashes, dict) or not path.is_file() or path.is_symlink() \
                or sha256_file(path) != hashes.get(name):
            raise ArtefactError(f"Model file {name} in {folder} is missing or does not match its checksum; "
                                "retrain with `safewatch train`.")
    if metadata.get("libraries", {}).get("scikit-learn") != sklearn.__version__:
        raise ArtefactError(f"Model in {folder} was built with scikit-learn "
                            f"{metadata.get('libraries', {}).get('scikit-learn')}, this is "
                            f"{sklearn.__version__}; retrain with `safewatch train`.")
    return Artefact(_read_pipeline(folder), metadata, folder)


def _read_pipeline(folder: Path):
    try:
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        return rebuild_pipeline(state, arrays)
    except (OSError, UnicodeDecodeError, ValueError, zipfile.BadZipFile, ModelStateError) as error:
        # ValueError includes numpy's refusal of pickled object arrays and malformed JSON.
        raise ArtefactError(f"The model in {folder} cannot be read as SafeWatch model data ({error}); "
                            "retrain with `safewatch train`.") from None
