import pytest

from safewatch.taxonomy import CATEGORIES, CODES, category, max_severity


def test_fourteen_fixed_codes_in_domain_order():
    assert len(CODES) == 14 == len(set(CODES))
    assert CODES[0] == "child_sexual_abuse" and CODES[-1] == "superstition"
    assert all(1 <= c.severity <= 5 and c.name_vi and c.name_en and c.legal_basis for c in CATEGORIES)


def test_lookup_and_severity():
    assert category("grooming").severity == 5
    assert max_severity(["superstition", "bullying"]) == 3
    with pytest.raises(ValueError, match="unknown category"):
        category("spam")
