"""`safewatch evidence verify`: re-check an exported evidence zip offline, trusting nothing in it.

The zip may come from anywhere, so it is read in bounded steps: members are hashed in chunks as they
are unpacked, and a zip that lists too many members, a member larger than any capture can be, or more
unpacked bytes in all than an export can hold, is reported as not intact ("too large") without
being unpacked further: a 1 MB zip that unpacks to 1 GiB costs a few MB of memory. Members whose
names climb out of the folder (`..`), are absolute (`/`, `C:`) or are symbolic links are not intact
either. A manifest or post.json that is not what SafeWatch writes raises MalformedEvidence (the
command prints one line and exits with 2).
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from index.storage.evidence import MANIFEST, EvidenceError

CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    members: int = 10_000  # an export holds a few captures and media: a few dozen files
    member_bytes: int = 256 * 1024 * 1024  # far above any page or media the crawler keeps
    total_bytes: int = 512 * 1024 * 1024
    json_bytes: int = 16 * 1024 * 1024  # manifest.json, post.json


LIMITS = Limits()
_DRIVE = re.compile(r"^[A-Za-z]:")


class MalformedEvidence(EvidenceError):
    """The zip's manifest or post.json is not what SafeWatch writes: not a verdict, an input error."""


class _TooLarge(Exception):
    pass


def verify(zip_path: Path, limits: Limits = LIMITS) -> list[str]:
    """Problems found in an exported zip (empty: intact). Offline: needs only the zip."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile, ValueError) as error:
        return [f"{zip_path}: not a readable zip ({error})."]
    with archive:
        members = archive.infolist()
        if len(members) > limits.members:
            return [f"{zip_path.name}: too large: {len(members):,} members (at most {limits.members:,})."]
        problems = unsafe_members(members)
        by_name = {member.filename: member for member in members}
        if MANIFEST not in by_name:
            return [*problems, f"{zip_path.name}: no {MANIFEST}."]
        manifest = _manifest(_read_json(archive, by_name[MANIFEST], limits))
        listed = manifest["files"]
        budget = [limits.total_bytes]
        for name, expected in sorted(listed.items()):
            if name not in by_name:
                problems.append(f"{name}: listed in the manifest but missing.")
                continue
            try:
                digest = _sha256(archive, by_name[name], limits, budget)
            except _TooLarge as error:
                return [*problems, f"{name}: too large: {error}; not unpacked further."]
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
                problems.append(f"{name}: cannot be unpacked ({error}).")
                continue
            if digest != expected:
                problems.append(f"{name}: SHA-256 differs from the manifest (altered).")
        for name in sorted(set(by_name) - set(listed) - {MANIFEST}):
            problems.append(f"{name}: not listed in the manifest (added).")
        for capture in [*manifest["captures"], *manifest["media"]]:
            bodies = [n for n in listed if n.startswith(f"{capture.get('folder')}/response.")]
            if not bodies or listed[bodies[0]] != capture.get("body_sha256"):
                problems.append(f"{capture.get('folder')}: the response body is not the one captured "
                                f"(SHA-256 {capture.get('body_sha256')}).")
        if "post.json" in by_name and "post.json" in listed and not problems:
            post = _read_json(archive, by_name["post.json"], limits)
            if not isinstance(post, dict):
                raise MalformedEvidence("post.json is not a SafeWatch post record (not a JSON object).")
            if post.get("content_hash") != manifest.get("content_hash"):
                problems.append("post.json: its content hash differs from the manifest's.")
        return problems


def unsafe_members(members: list[zipfile.ZipInfo]) -> list[str]:
    """Members that would land outside the folder they are unpacked in, or are links, or repeat a name."""
    problems, seen = [], set()
    for member in members:
        name = member.filename
        parts = re.split(r"[\\/]", name)
        if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts or "\0" in name:
            problems.append(f"{name!r}: unsafe path (absolute or climbing out with '..').")
        elif stat.S_ISLNK(member.external_attr >> 16):
            problems.append(f"{name}: a symbolic link, never part of an export.")
        if name in seen:
            problems.append(f"{name}: appears twice in the zip.")
        seen.add(name)
    return problems


def _sha256(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits, budget: list[int]) -> str:
    """The member's SHA-256, unpacked in chunks; _TooLarge past the member or total limit (the sizes
    in the zip's headers are checked first, then the bytes really unpacked, since headers can lie)."""
    if member.file_size > limits.member_bytes:
        raise _TooLarge(f"{member.file_size:,} bytes unpacked (at most {limits.member_bytes:,} per file)")
    if member.file_size > budget[0]:
        raise _TooLarge(f"more than {limits.total_bytes:,} bytes unpacked in all")
    digest, size = hashlib.sha256(), 0
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limits.member_bytes:
                raise _TooLarge(f"over {limits.member_bytes:,} bytes unpacked (at most that per file)")
            if size > budget[0]:
                raise _TooLarge(f"more than {limits.total_bytes:,} bytes unpacked in all")
            digest.update(chunk)
    budget[0] -= size
    return digest.hexdigest()


def _read_json(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits):
    if member.file_size > limits.json_bytes:
        raise MalformedEvidence(f"{member.filename} is {member.file_size:,} bytes, more than a SafeWatch export "
                                f"writes (at most {limits.json_bytes:,}).")
    try:
        with archive.open(member) as stream:
            data = stream.read(limits.json_bytes + 1)
        if len(data) > limits.json_bytes:
            raise MalformedEvidence(f"{member.filename} unpacks to more than {limits.json_bytes:,} bytes.")
        return json.loads(data)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise MalformedEvidence(f"{member.filename} cannot be unpacked ({error}).") from None
    except (ValueError, RecursionError) as error:  # JSONDecodeError and bad UTF-8 are ValueErrors
        raise MalformedEvidence(f"{member.filename} is not valid JSON ({_one_line(error)}).") from None


def _manifest(manifest) -> dict:
    """The manifest, checked to have the shape export() writes."""
    if not isinstance(manifest, dict):
        raise MalformedEvidence(f"{MANIFEST} is not a SafeWatch manifest (not a JSON object).")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise MalformedEvidence(f"{MANIFEST} is not a SafeWatch manifest: 'files' must map file names to SHA-256.")
    for key in ("captures", "media"):
        entries = manifest.get(key, [])
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise MalformedEvidence(f"{MANIFEST} is not a SafeWatch manifest: '{key}' must be a list of objects.")
    return {**manifest, "captures": manifest.get("captures", []), "media": manifest.get("media", [])}


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:200]
