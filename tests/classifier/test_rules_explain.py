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
    # In a framing context (a report, a warning: odds x 0.25) the hit raises nothing.
    assert rules.combine({"drugs": 0.1}, rules.match("bay lắc"), 0.25) == {"drugs": 0.1}


def test_a_warning_that_names_a_rule_term_is_not_flagged_by_the_term_alone(classifier):
    """A police warning quoting a recruiter's words ("bao ăn ở", a trafficking term) is framed; the
    same words in an ad are not."""
    warning, ad = classifier.predict([
        "Cảnh giác: nhiều trang tuyển người phục vụ quán, bao ăn ở, phụ huynh nhắc con đừng đi",
        "Tuyển người phục vụ quán, bao ăn ở, inbox ngay",
    ])
    assert [h.category for h in warning.rule_hits] == [h.category for h in ad.rule_hits] == ["trafficking"]
    assert "prevention" in warning.context
    assert warning.scores["trafficking"] < ad.scores["trafficking"]
    assert "trafficking" not in warning.labels and "trafficking" in ad.labels


@pytest.mark.parametrize(("text", "message"), [
    ("spam:\n  terms: [x]\n", "unknown category"),
    ("drugs:\n  weight: 2\n", "weight must be"),
    ("drugs:\n  patterns: ['(']\n", "bad pattern"),
    ("drugs: [1, 2]\n", "expected weight"),
    ("context: [1]\n", "context: expected a mapping"),
    ("context:\n  news:\n    factor: 0\n", "news: factor must be"),
    ("context:\n  disclosure:\n    patterns: ['x']\n", "list the categories"),
    ("context:\n  disclosure:\n    categories: [spam]\n", "disclosure: unknown category"),
    ("context:\n  news:\n    patterns: ['(']\n", "news: bad pattern"),
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


CONTEXT = """\
drugs:
  terms: [bay lắc]
context:
  reporting:
    factor: 0.25
    terms: [công an, bắt giữ]
  solicitation:
    terms: [inbox, giá]
  help_seeking:
    factor: 0.5
    terms: [con tôi]
  disclosure:
    threshold_factor: 0.5
    categories: [grooming]
    patterns: ['\\bem\\b.*\\bphai lam sao\\b']
"""


def test_context_frames_lower_reporting_unless_it_solicits(tmp_path):
    from classifier.model import text_views
    from classifier.rules import in_context
    rules = WatchRules.load(write(tmp_path, CONTEXT))
    texts = ["Công an bắt giữ nhóm bán bay lắc", "Công an đâu mà bắt, bay lắc ib giá rẻ", "bay lắc cuối tuần",
             "em bị người lạ đòi ảnh, em phải làm sao", "con tôi bị người lạ đòi ảnh, em phải làm sao"]
    contexts = rules.contexts_many(folded_texts=list(text_views(texts)[:, 1]))
    assert [c.frames for c in contexts] == [("reporting",), ("reporting", "solicitation"), (),
                                            ("disclosure",), ("disclosure", "help_seeking")]
    assert [c.factor for c in contexts] == [0.25, 1.0, 1.0, 1.0, 0.5]
    assert [bool(c.disclosure) for c in contexts] == [False, False, False, True, False]
    adjusted = in_context([[0.5]] * 5, contexts)
    assert adjusted[0, 0] == pytest.approx(0.2) and adjusted[1, 0] == 0.5 and adjusted[4, 0] == pytest.approx(1 / 3)


def test_news_and_warnings_are_not_flagged_and_a_childs_disclosure_is_marked(classifier):
    news, warning, lure, disclosure, parent = classifier.predict([
        "Công an tỉnh bắt giữ đối tượng dụ dỗ, gạ gẫm bé gái 13 tuổi qua mạng xã hội để đòi ảnh nhạy cảm",
        "Cảnh báo thủ đoạn dụ dỗ trẻ em qua mạng: phụ huynh cần lưu ý khi con kết bạn với người lạ",
        "em 12 tuổi à, xinh quá, kết bạn zalo với anh đi, anh nạp game cho, đừng nói với bố mẹ nhé",
        "em 13 tuổi, có anh trên mạng bắt em gửi ảnh không mặc áo, không gửi thì anh ấy đăng lên, em phải làm sao",
        "Con tôi 13 tuổi bị người lạ trên mạng đòi ảnh, tôi phải làm sao",
    ])
    assert not news.flagged and not warning.flagged, (news.labels, warning.labels)
    assert "grooming" in lure.labels and not lure.disclosure
    assert "grooming" in disclosure.labels and disclosure.disclosure and "disclosure" in disclosure.context
    assert not parent.disclosure
    assert disclosure.index_fields()["disclosure"] is True
