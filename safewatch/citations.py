"""The programme and the legal documents reports and letters cite (safewatch/citations.yml, or the file
named by SAFEWATCH_CITATIONS_FILE), loaded and validated with messages that name the entry and the field.

The programme's years are a setting: a report cites the programme in force for its period, never a
period written in the code (Decision 830's programme ran 2021-2025; a 2026 report cites what the unit
configures for 2026)."""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from safewatch.errors import SafeWatchError

DEFAULT_FILE = Path(__file__).resolve().parent / "citations.yml"
ENVIRONMENT_VARIABLE = "SAFEWATCH_CITATIONS_FILE"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MAX_CHARS = 600
PROGRAMME_FIELDS = ("id", "short", "years", "citation")
DOCUMENT_FIELDS = ("id", "short", "citation")


class CitationError(SafeWatchError, ValueError):
    """The citations file has a mistake (the message names the file, the entry and the field)."""


@dataclass(frozen=True)
class Programme:
    id: str
    first_year: int
    last_year: int
    template: str
    short: str = ""

    @property
    def period(self) -> str:
        return f"{self.first_year}-{self.last_year}"

    @property
    def citation(self) -> str:
        return self.template.replace("{period}", self.period)

    def overlaps(self, first: date, last: date) -> bool:
        return self.first_year <= last.year and first.year <= self.last_year


@dataclass(frozen=True)
class Document:
    id: str
    short: str
    citation: str


@dataclass(frozen=True)
class Citations:
    programmes: tuple[Programme, ...]
    documents: tuple[Document, ...]
    path: Path | None = None

    def programmes_for(self, first: date, last: date) -> tuple[tuple[Programme, ...], bool]:
        """The programmes in force between `first` and `last` (inclusive), and whether any is; when none
        is, the latest programme (the report then says the settings need the programme in force)."""
        found = tuple(p for p in self.programmes if p.overlaps(first, last))
        if found:
            return found, True
        return (max(self.programmes, key=lambda p: (p.last_year, p.first_year)),), False

    def programme_words(self, first: date, last: date) -> str:
        """"Quyết định số 830/QĐ-TTg … giai đoạn 2021-2025" (several joined by "và")."""
        return " và ".join(p.citation for p in self.programmes_for(first, last)[0])

    def expand(self, basis: str) -> str:
        """A legal basis as the taxonomy names it ("Luật Trẻ em 2016 Điều 6") in full administrative form
        ("Điều 6 Luật Trẻ em số 102/2016/QH13 ngày 05/4/2016"); text naming no configured document as it is."""
        basis = " ".join(basis.split())
        named = [(d.short, d.citation) for d in self.documents] + \
                [(p.short, p.citation) for p in self.programmes if p.short]
        for short, citation in sorted(named, key=lambda pair: -len(pair[0])):
            if basis == short or basis.startswith(short + " "):
                rest = basis[len(short):].strip()
                if rest.startswith("Điều"):
                    return f"{rest} {citation}"
                return f"{citation} {rest}".strip()
        return basis

    def expand_all(self, bases: str) -> list[str]:
        """A notice's legal basis ("A; B; C") as full citations, without repeats."""
        expanded: list[str] = []
        for part in (part.strip() for part in (bases or "").split(";")):
            if part and self.expand(part) not in expanded:
                expanded.append(self.expand(part))
        return expanded


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env[ENVIRONMENT_VARIABLE]) if env.get(ENVIRONMENT_VARIABLE) else DEFAULT_FILE


def load(path: Path | str | None = None) -> Citations:
    """The citations in `path` (default: SAFEWATCH_CITATIONS_FILE or the shipped file); CitationError on
    any mistake."""
    path = Path(path) if path else default_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CitationError(f"{path}: cannot read the citations file ({error.strerror or error}); "
                            f"check {ENVIRONMENT_VARIABLE}.") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CitationError(f"{path}: not valid YAML ({str(error).splitlines()[0]}).") from None
    return parse(data, where=str(path), path=path)


def parse(data: object, *, where: str = "citations", path: Path | None = None) -> Citations:
    if not isinstance(data, dict) or set(data) - {"programmes", "documents"}:
        raise CitationError(f"{where}: expected the mappings 'programmes:' and 'documents:' (and nothing else).")
    programmes, documents = data.get("programmes"), data.get("documents")
    if not isinstance(programmes, list) or not programmes:
        raise CitationError(f"{where}: 'programmes:' must list at least one programme (id, years, citation).")
    if not isinstance(documents, list):
        raise CitationError(f"{where}: 'documents:' must be a list of documents (id, short, citation).")
    parsed_programmes = tuple(_programme(n, entry, where) for n, entry in enumerate(programmes, 1))
    parsed_documents = tuple(_document(n, entry, where) for n, entry in enumerate(documents, 1))
    for kind, entries in (("programme", parsed_programmes), ("document", parsed_documents)):
        ids = [entry.id for entry in entries]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise CitationError(f"{where}: {kind} id(s) {', '.join(repeated)} given more than once.")
    shorts = [d.short for d in parsed_documents] + [p.short for p in parsed_programmes if p.short]
    repeated = sorted({s for s in shorts if shorts.count(s) > 1})
    if repeated:
        raise CitationError(f"{where}: short name(s) {', '.join(repeated)} given more than once.")
    return Citations(parsed_programmes, parsed_documents, path)


def _check_entry(kind: str, n: int, entry: object, fields: tuple[str, ...], where: str):
    label = f"{where}: {kind} {n}"
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        label += f" ('{entry['id']}')"

    def fail(message: str) -> CitationError:
        return CitationError(f"{label}: {message}")

    if not isinstance(entry, dict):
        raise fail(f"expected {', '.join(fields)}.")
    unknown = sorted(map(str, set(entry) - set(fields)))
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}; use {', '.join(fields)}.")
    if not isinstance(entry.get("id"), str) or not _ID.match(entry["id"]):
        raise fail("id is missing or not lower-case letters, digits, '_' or '-'.")
    return fail


def _text(entry: dict, name: str, fail, *, required: bool = True) -> str:
    value = entry.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{name} is missing.")
    value = " ".join(value.split())
    if len(value) > MAX_CHARS:
        raise fail(f"{name} is longer than {MAX_CHARS} characters.")
    return value


def _programme(n: int, entry: object, where: str) -> Programme:
    fail = _check_entry("programme", n, entry, PROGRAMME_FIELDS, where)
    assert isinstance(entry, dict)
    years = entry.get("years")
    if not (isinstance(years, list) and len(years) == 2 and all(type(y) is int for y in years)
            and 2000 <= years[0] <= years[1] <= 2100):
        raise fail("years must be [first, last], two years from 2000 to 2100, the first not after the last "
                   "(for example [2021, 2025]).")
    template = _text(entry, "citation", fail)
    try:
        fields = {name for _text_, name, _spec, _conv in string.Formatter().parse(template) if name is not None}
    except ValueError:
        fields = {"?"}
    if fields - {"period"}:
        raise fail("citation may hold only the placeholder {period} (the programme's years); "
                   "write other braces as they should be printed, without them.")
    return Programme(entry["id"], years[0], years[1], template, _text(entry, "short", fail, required=False))


def _document(n: int, entry: object, where: str) -> Document:
    fail = _check_entry("document", n, entry, DOCUMENT_FIELDS, where)
    assert isinstance(entry, dict)
    return Document(entry["id"], _text(entry, "short", fail), _text(entry, "citation", fail))
