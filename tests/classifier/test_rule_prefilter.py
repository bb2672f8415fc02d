"""The watch-rule prefilter: a regex runs only over texts holding what each of its matches must,
and the hits are exactly those of the regex run over every text."""

import re

import pytest

from classifier.corpus import load_seed
from classifier.normalize import views_many
from classifier.rule_prefilter import DIGIT, candidates, required_literals
from classifier.rules import CategoryRules, WatchRules
from tests.classifier.rule_reference import reference_hits


@pytest.mark.parametrize(("pattern", "required"), [
    (r"\b(em|e) (bao nhieu|may) tuoi\b.*\b(inbox|zalo)\b", ((" tuoi",), ("inbox", "zalo"))),
    (r"\b\d+ ?(k|tr|nghin|trieu)\b", (DIGIT, ("k", "tr", "nghin", "trieu"))),
    (r"\bnap \d+k? (nhan|tang)\b", (("nap ",), ("nhan", "tang"))),
    (r"x?yz", (("yz",),)),
    (r"(ab|c.)d", (("d",),)),  # a group with a wildcard requires nothing known
    (r"a*|b", ()),  # may match the empty string: nothing is required
    (r"(?i)clip", ()),  # case-insensitive: not prefiltered
    (r"[^a]bc", (("bc",),)),
])
def test_what_every_match_must_hold_is_read_off_the_pattern(pattern, required):
    assert required_literals(re.compile(pattern)) == required


def test_candidates_keep_every_text_the_regex_may_match():
    regex = re.compile(r"\b\d+ ?(k|tr)\b")
    texts = ["5k nhe", "khong co so", "٣ k", "tr", "12tr"]  # "٣": an Arabic-Indic digit, a \d too
    assert candidates(regex, texts) == [0, 2, 4]
    assert candidates(re.compile(r"a.*b"), texts) is None or candidates(re.compile(r"a.*b"), texts) == []


def _plain(rules: WatchRules, texts: list[str]):
    """Every regex over every text, one at a time: what the batch must give."""
    return reference_hits(rules, texts)


def test_batch_matching_with_the_prefilter_equals_every_regex_over_every_text():
    rules = WatchRules({
        "drugs": CategoryRules(0.6, ("ma tuy",), (re.compile(r"\bpod\b.*\b(hoc sinh|cong truong)\b"),
                                                   re.compile(r"\b\d+ (nam|thang) tu\b"))),
        "grooming": CategoryRules(0.5, (), (re.compile(r"\b(em|e) (bao nhieu|may) tuoi\b.*\b(inbox|zalo)\b"),)),
        "gambling": CategoryRules(0.6, (), (re.compile(r"\bnap \d+k? (nhan|tang) \d+k?\b"), re.compile(r"q\s+w"))),
    })
    texts = ["pod cho hoc sinh", "hoc sinh pod", "3 nam tu", "٣ nam tu", "e may tuoi roi, inbox", "em bao nhieu",
             "nap 50k nhan 100k", "nap 50 tang 5", "q", "w q", "tuoi", "", "xpod hoc sinh", "ma tuy pod cong truong"]
    texts = texts * 3 + ["khong lien quan " * 5] * 40  # most texts hold nothing: the prefilter's case
    found = rules.match_folded_many(texts)
    assert [[(h.category, h.rule, h.start, h.end) for h in row] for row in found] == _plain(rules, texts)
    assert sum(map(len, found)) >= 3 * 7
    shipped = WatchRules.load()
    folded = views_many([e.text for e in load_seed()[:4000]])[1]
    by_batch = shipped.match_folded_many(folded)
    assert [[(h.category, h.rule, h.start, h.end) for h in row] for row in by_batch] == _plain(shipped, folded)
