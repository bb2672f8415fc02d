"""Evidence of each capture: the raw response as the crawler received it, kept so that a removal
request or a court can be shown exactly what was online, when, and where.

Layout of the store (a folder, SAFEWATCH_EVIDENCE_DIR, default <var>/evidence):

    bodies/ab/<sha256>.gz        the raw response body, gzip-compressed, stored once per content
    captures/<id[:2]>/<id>.json  one per capture: requested and final URL, status, headers, time,
                                 crawler version, the body's SHA-256 and size

Every file is written to a temporary name and renamed, so a crash never leaves half a capture.
Media of posts (index/storage/media.py) are captures like pages. An export is a zip: each body
(decompressed) with its capture record, the post's media likewise, the indexed post and a manifest
with the SHA-256 of every file; crawlers/evidence_verify.py re-checks it offline, without this store.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import platform
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from safewatch import __version__
from safewatch.errors import SafeWatchError

CRAWLER_VERSION = f"SafeWatch {__version__}"
MANIFEST = "manifest.json"


class EvidenceError(SafeWatchError):
    pass


@dataclass
class Capture:
    requested_url: str
    final_url: str
    status: int
    headers: dict[str, str]
    captured_at: str  # ISO 8601, UTC
    sha256: str  # of the raw body as received (after transfer decoding)
    size: int
    crawler_version: str = CRAWLER_VERSION
    redirects: list[str] = field(default_factory=list)  # URLs passed through, in order
    ip_address: str | None = None

    @property
    def id(self) -> str:
        """Same response at the same time -> same id; any other capture -> another one."""
        record = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(record.encode("utf-8")).hexdigest()[:32]

    def reference(self) -> dict:
        """What the indexed post keeps of its capture."""
        return {"id": self.id, "sha256": self.sha256, "captured_at": self.captured_at, "url": self.final_url}


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def save(self, *, requested_url: str, final_url: str, status: int, headers: dict[str, str], body: bytes,
             redirects: Sequence[str] = (), ip_address: str | None = None,
             captured_at: datetime | None = None) -> Capture:
        digest = hashlib.sha256(body).hexdigest()
        capture = Capture(requested_url, final_url, status, dict(headers),
                          (captured_at or datetime.now(UTC)).isoformat(timespec="milliseconds"),
                          digest, len(body), redirects=list(redirects), ip_address=ip_address)
        body_path = self._body_path(digest)
        if not body_path.exists():
            _write_atomically(body_path, gzip.compress(body, mtime=0))
        record = json.dumps({**asdict(capture), "id": capture.id}, ensure_ascii=False, indent=1)
        _write_atomically(self._capture_path(capture.id), record.encode("utf-8"))
        return capture

    def load(self, capture_id: str) -> tuple[Capture, bytes]:
        """The capture and its raw body, checked against the SHA-256 recorded at capture time."""
        path = self._capture_path(capture_id)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise EvidenceError(f"No capture {capture_id} in the evidence store {self.root}.") from None
        record.pop("id", None)
        capture = Capture(**record)
        try:
            body = gzip.decompress(self._body_path(capture.sha256).read_bytes())
        except (OSError, EOFError) as error:
            raise EvidenceError(f"The body of capture {capture_id} cannot be read: {error}.") from None
        if hashlib.sha256(body).hexdigest() != capture.sha256:
            raise EvidenceError(f"The body of capture {capture_id} no longer matches its SHA-256: "
                                "the evidence store has been altered.")
        return capture, body

    def _body_path(self, digest: str) -> Path:
        return self.root / "bodies" / digest[:2] / f"{digest}.gz"

    def _capture_path(self, capture_id: str) -> Path:
        if not capture_id.isalnum():
            raise EvidenceError(f"'{capture_id}' is not a capture id.")
        return self.root / "captures" / capture_id[:2] / f"{capture_id}.json"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _extension(capture: Capture) -> str:
    content_type = next((v for k, v in capture.headers.items() if k.lower() == "content-type"), "").lower()
    for marker, extension in (("html", "html"), ("json", "json"), ("xml", "xml"), ("rss", "xml"),
                              ("atom", "xml"), ("text/plain", "txt"), ("image/jpeg", "jpg"), ("image/png", "png"),
                              ("image/gif", "gif"), ("image/webp", "webp")):
        if marker in content_type:
            return extension
    return "bin"


def export(store: EvidenceStore, post: dict, zip_path: Path, *, exported_by: str = "") -> dict:
    """A zip of the post's captures (the current text's and those of earlier versions), its media kept
    in the store, the post as indexed, and a manifest with the SHA-256 of every file. Returns the
    manifest ("captures": the pages, "media": the media, each with its folder)."""
    references = [version["evidence"] for version in post.get("previous_versions") or [] if version.get("evidence")]
    if post.get("evidence"):
        references.append(post["evidence"])
    if not references:
        raise EvidenceError(f"Post {post.get('post_id')} has no capture in the evidence store "
                            "(collected before evidence capture existed, or entered by hand).")
    files: dict[str, bytes] = {}
    captures = [_add_capture(store, files, reference["id"], f"capture-{number}")
                for number, reference in enumerate(references, start=1)]
    kept_media = [item for item in post.get("media") or [] if isinstance(item, dict) and item.get("capture_id")]
    media = [{**_add_capture(store, files, item["capture_id"], f"media-{number}"), "url": item.get("url")}
             for number, item in enumerate(kept_media, start=1)]
    # Derived index fields (explanations, near-duplicate signatures) are not evidence.
    post_record = {k: v for k, v in post.items() if k not in ("explanations", "minhash", "minhash_bands")}
    files["post.json"] = json.dumps(post_record, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    manifest = {
        "format": "safewatch-evidence/1",
        "post_id": post.get("post_id"), "url": post.get("url"), "content_hash": post.get("content_hash"),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"), "exported_by": exported_by,
        "exported_with": f"{CRAWLER_VERSION} (Python {platform.python_version()})",
        "captures": captures,
        "media": media,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = zip_path.with_name(f".{zip_path.name}.tmp")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    os.replace(temporary, zip_path)
    return manifest


def _add_capture(store: EvidenceStore, files: dict[str, bytes], capture_id: str, folder: str) -> dict:
    capture, body = store.load(capture_id)
    files[f"{folder}/response.{_extension(capture)}"] = body
    files[f"{folder}/capture.json"] = json.dumps({**asdict(capture), "id": capture.id}, ensure_ascii=False,
                                                 indent=1).encode("utf-8")
    return {"id": capture.id, "folder": folder, "final_url": capture.final_url, "captured_at": capture.captured_at,
            "body_sha256": capture.sha256}
