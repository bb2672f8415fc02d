"""The citations settings: the shipped file, the programme in force for a period, full forms of the
taxonomy's short names, and clear messages for every kind of mistake."""

from datetime import date

import pytest

from safewatch import citations
from safewatch.citations import CitationError

GOOD = {"programmes": [{"id": "qd830", "short": "Quyết định 830/QĐ-TTg", "years": [2021, 2025],
                        "citation": "Quyết định số 830/QĐ-TTg … giai đoạn {period}"},
                       {"id": "next", "years": [2026, 2030], "citation": "Chương trình giai đoạn {period}"}],
        "documents": [{"id": "luat_tre_em", "short": "Luật Trẻ em 2016",
                       "citation": "Luật Trẻ em số 102/2016/QH13 ngày 05/4/2016"}]}


def test_the_shipped_file_cites_decision_830_in_full():
    shipped = citations.load(citations.DEFAULT_FILE)
    words = shipped.programme_words(date(2025, 1, 1), date(2025, 6, 30))
    assert words.startswith("Quyết định số 830/QĐ-TTg ngày 01/6/2021 của Thủ tướng Chính phủ phê duyệt Chương "
                            "trình “Bảo vệ và hỗ trợ trẻ em tương tác lành mạnh, sáng tạo")
    assert words.endswith("giai đoạn 2021-2025”")
    assert shipped.expand("Luật Trẻ em 2016 Điều 6") == "Điều 6 Luật Trẻ em số 102/2016/QH13 ngày 05/4/2016"
    assert shipped.expand("Nghị định 147/2024/NĐ-CP (gỡ bỏ trong 24 giờ)").startswith(
        "Nghị định số 147/2024/NĐ-CP ngày 09/11/2024 của Chính phủ")
    assert shipped.expand("Quyết định 830/QĐ-TTg") == words
    assert shipped.expand("Công văn 12/XYZ") == "Công văn 12/XYZ"  # not configured: as written


def test_the_programme_in_force_follows_the_settings_not_the_code():
    configured = citations.parse(GOOD)
    assert configured.programme_words(date(2026, 1, 1), date(2026, 6, 30)) == "Chương trình giai đoạn 2026-2030"
    both, covered = configured.programmes_for(date(2025, 7, 1), date(2026, 6, 30))
    assert covered and [p.id for p in both] == ["qd830", "next"]
    only_830 = citations.parse({**GOOD, "programmes": GOOD["programmes"][:1]})
    latest, covered = only_830.programmes_for(date(2026, 1, 1), date(2026, 6, 30))
    assert not covered and latest[0].period == "2021-2025"  # cited, and the report page says so


def test_an_environment_variable_names_another_file(tmp_path, monkeypatch):
    other = tmp_path / "citations.yml"
    other.write_text("programmes:\n  - {id: p, years: [2026, 2030], citation: 'CT giai đoạn {period}'}\n"
                     "documents: []\n", encoding="utf-8")
    monkeypatch.setenv("SAFEWATCH_CITATIONS_FILE", str(other))
    assert citations.load().programme_words(date(2026, 1, 1), date(2026, 1, 31)) == "CT giai đoạn 2026-2030"


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("programmes"), "'programmes:' must list at least one programme"),
    (lambda d: d.update(extra=1), "expected the mappings 'programmes:' and 'documents:'"),
    (lambda d: d["programmes"][0].update(years=[2025, 2021]), "programme 1 ('qd830'): years must be"),
    (lambda d: d["programmes"][0].update(years="2021-2025"), "years must be [first, last]"),
    (lambda d: d["programmes"][1].update(citation="Chương trình {nam}"), "programme 2 ('next'): citation may "
                                                                        "hold only the placeholder {period}"),
    (lambda d: d["programmes"][0].pop("citation"), "citation is missing"),
    (lambda d: d["documents"][0].update(title="x"), "document 1 ('luat_tre_em'): unknown field(s) title"),
    (lambda d: d["documents"][0].pop("short"), "short is missing"),
    (lambda d: d["documents"].append(dict(d["documents"][0])), "document id(s) luat_tre_em given more than once"),
    (lambda d: d["programmes"][0].update(id="QĐ 830"), "id is missing or not lower-case"),
])
def test_mistakes_are_named(change, message):
    import copy
    data = copy.deepcopy(GOOD)
    change(data)
    with pytest.raises(CitationError) as caught:
        citations.parse(data, where="my.yml")
    assert message in str(caught.value) and str(caught.value).startswith("my.yml")


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(CitationError, match="cannot read the citations file"):
        citations.load(tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("programmes: [\n", encoding="utf-8")
    with pytest.raises(CitationError, match="not valid YAML"):
        citations.load(broken)
