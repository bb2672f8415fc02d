"""Watch rules and explanations."""

import pytest

from classifier.rules import RulesError, WatchRules


def write(tmp_path, text):
    path = tmp_path / "rules.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rules_match_through_obfuscation_and_without_diacritics(tmp_path):
    rules = WatchRules.load(write(tmp_path, "drugs:\n  weight: 0.6\n  terms: [bay lắc]\n"
                                            "gambling:\n  patterns: ['\\bnap \\d+k nhan \\d+k\\b']\n"))
    assert [h.category for h in rules.match("Hàng về, B.A.Y L.Ắ.C cả đêm")] == ["drugs"]
    assert [h.category for h in rules.match("bay lac xuyen dem")] == ["drugs"]
    assert [h.category for h in rules.match("nạp 50k nhận 500k")] == ["gambling"]
    assert rules.match("chim bay, lá lắc") == [] and rules.match("bay lắcccc") != []
    combined = rules.combine({"drugs": 0.1, "gambling": 0.2}, rules.match("bay lắc"))
    assert combined == {"drugs": pytest.approx(0.64), "gambling": 0.2}


@pytest.mark.parametrize(("text", "message"), [
    ("spam:\n  terms: [x]\n", "unknown category"),
    ("drugs:\n  weight: 2\n", "weight must be"),
    ("drugs:\n  patterns: ['(']\n", "bad pattern"),
    ("drugs: [1, 2]\n", "expected weight"),
])
def test_bad_rules_are_refused_with_where_and_what(tmp_path, text, message):
    with pytest.raises(RulesError, match=message):
        WatchRules.load(write(tmp_path, text))


def test_shipped_rules_load():
    assert WatchRules.load().rules


def test_a_rule_hit_raises_a_score_and_is_reported(classifier):
    [plain] = classifier.predict(["cuối tuần này có ai đi chơi không"])
    assert not plain.rule_hits
    [hit] = classifier.predict(["cuối tuần này có ai đi chơi không, có nước vui giá hạt dẻ"])
    assert [h.category for h in hit.rule_hits] == ["drugs"] and "drugs" in hit.labels
    assert hit.scores["drugs"] > hit.model_scores["drugs"]


def test_explanations_point_at_the_words_that_matter(classifier):
    text = "Ai cần kẹo bay lắc cuối tuần ib mình nhé, có giá riêng cho học sinh"
    [prediction] = classifier.predict([text])
    spans = classifier.explain(text, prediction)["drugs"]
    words = {span.text for span in spans}
    assert words & {"kẹo", "bay", "lắc"}
    for span in spans:
        assert text[span.start:span.end] == span.text and span.weight > 0


def test_explanation_markup_escapes_everything():
    from review_ui.filters import explained
    text = "<b>bán</b> kẹo <script>"
    start = text.index("kẹo")
    html = str(explained(text, {"drugs": [{"start": start, "end": start + 3}, {"start": 0, "end": 99}]}))
    assert html == ('&lt;b&gt;bán&lt;/b&gt; <mark class="why" title="Ma túy, chất kích thích, rượu bia, '
                    'thuốc lá">kẹo</mark> &lt;script&gt;')
