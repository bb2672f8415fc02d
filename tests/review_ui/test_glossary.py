"""The Vietnamese catalog against docs/glossary.md: one term for each thing, no codes, nothing empty."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from safewatch.statuses import STATUSES

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
CATALOG = ROOT / "review_ui" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
ROLES = ("reviewer", "analyst", "supervisor", "admin")


def glossary() -> list[tuple[list[str], str, list[str]]]:
    """(English forms, Vietnamese term, forbidden words) for each row of the glossary's table."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not line.startswith("|") or cells[0] in ("English (forms)", "---"):
            continue
        english = [form.strip() for form in cells[0].split(",") if form.strip()]
        forbidden = [word.strip() for word in cells[2].split(",") if word.strip()]
        rows.append((english, cells[1], forbidden))
    return rows


def messages() -> list[tuple[str, str]]:
    """(msgid, msgstr) of every message; plural forms each as their own pair."""
    with CATALOG.open("rb") as stream:
        catalog = read_po(stream)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs.extend((ids[min(n, len(ids) - 1)], string) for n, string in enumerate(strings))
    return pairs


def mentions(text: str, form: str) -> bool:
    # Whole words, and not inside a placeholder such as %(reviewer)s.
    plain = re.sub(r"%\([a-z_]+\)[sd]", "", text)
    return re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", plain, re.IGNORECASE) is not None


def test_the_glossary_has_the_unit_s_core_terms():
    rows = {english[0]: vietnamese for english, vietnamese, _ in glossary()}
    assert rows["category"] == "nhóm nội dung" and rows["evidence"] == "chứng cứ" and rows["notice"] == "văn bản"
    assert rows["reviewer"] == "người rà soát" and rows["removal request"] == "yêu cầu gỡ bỏ"
    assert len(rows) >= 15


def test_every_message_is_translated():
    empty = [msgid for msgid, msgstr in messages() if not (msgstr or "").strip()]
    assert empty == []


def test_messages_use_the_glossary_terms():
    wrong = []
    for msgid, msgstr in messages():
        for english, vietnamese, forbidden in glossary():
            if any(mentions(msgid, form) for form in english):
                lowered = msgstr.lower()
                if vietnamese.lower() not in lowered:
                    wrong.append((msgid, msgstr, f"needs {vietnamese!r}"))
                wrong.extend((msgid, msgstr, f"uses {word!r}") for word in forbidden if word.lower() in lowered)
    assert wrong == []


def test_no_message_shows_a_status_or_role_code():
    codes = [code for code in (*STATUSES, *ROLES) if "_" in code or code in ROLES]
    leaking = [(msgid, msgstr) for msgid, msgstr in messages()
               for code in codes if re.search(rf"(?<![\w%(]){code}(?!\w)", re.sub(r"%\([a-z_]+\)[sd]", "", msgstr))]
    assert leaking == []


def test_the_checks_catch_a_wrong_term():
    """The term check is not vacuous: a translation with a synonym, or a code, is caught."""
    row = next(row for row in glossary() if row[0][0] == "evidence")
    assert mentions("Evidence capture", "evidence") and row[1] not in "bản lưu bằng chứng"
    assert any(word in "bản lưu bằng chứng" for word in row[2])
    assert not mentions("%(reviewer)s until %(time)s", "reviewer")
