"""The platform registry (safewatch/platforms.yml): the shipped file is valid, and every mistake gets a
message naming the platform and the field."""

import pytest

from safewatch.platforms import DEFAULT_FILE, PlatformError, load, parse

GOOD = {"legal_name": "Meta Platforms, Inc.", "address": "1 Meta Way, Menlo Park",
        "contact": {"channel": "web_form", "value": "https://www.facebook.com/help/contact/"}}


def test_the_shipped_registry_is_valid_and_names_each_platform_legally():
    registry = load(DEFAULT_FILE)
    assert registry.get("facebook").legal_name == "Meta Platforms, Inc."
    assert registry.get("FORUM") is not None and registry.get("nowhere") is None
    for code, platform in registry.platforms.items():
        assert platform.legal_name.lower() != code and platform.address and platform.contact


@pytest.mark.parametrize(("entry", "message"), [
    ({**GOOD, "legal_name": " "}, "platform 'fb': legal_name is missing"),
    ({k: v for k, v in GOOD.items() if k != "address"}, "platform 'fb': address is missing"),
    ({**GOOD, "contact": "abuse@fb.com"}, "platform 'fb': contact must be"),
    ({**GOOD, "contact": {"channel": "fax", "value": "1"}}, "contact channel 'fax' is not one of"),
    ({**GOOD, "contact": {"channel": "email", "value": "not-an-address"}}, "is not an email address"),
    ({**GOOD, "contact": {"channel": "web_form", "value": "http://x.example"}}, "is not an https:// address"),
    ({**GOOD, "contact": {"channel": "phone", "value": "call me"}}, "is not a phone number"),
    ({**GOOD, "legal": "x"}, "unknown field(s) legal"),
])
def test_each_mistake_is_named(entry, message):
    with pytest.raises(PlatformError) as raised:
        parse({"platforms": {"fb": entry}}, where="p.yml")
    assert str(raised.value).startswith("p.yml: ") and message in str(raised.value)


def test_a_file_that_is_not_a_registry(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text("platforms: [1, 2]\n", encoding="utf-8")
    with pytest.raises(PlatformError, match="expected a mapping 'platforms:'"):
        load(path)
    path.write_text("platforms: {a: [\n", encoding="utf-8")
    with pytest.raises(PlatformError, match="not valid YAML"):
        load(path)
    with pytest.raises(PlatformError, match="cannot read"):
        load(tmp_path / "missing.yml")
