import pytest

from classifier.normalize import fold, normalize, views


@pytest.mark.parametrize(("raw", "expected"), [
    ("Bán M.A T.U.Y đá", "bán ma tuy đá"),
    ("c0 b4c online", "co bac online"),
    ("ib z@lo nhé", "inbox zalo nhé"),
    ("ko bt j", "không biết gì"),
    ("đẹppppp quáaaa", "đẹp quá"),
    ("bik j ko, bjo bnhiuu", "biết gì không , bao giờ bao nhiêu"),
    ("sau đây khác", "sau đây khác"),  # real words are never rewritten
    ("ngonnn wá", "ngon quá"),
    ("nạp 50k nhận 500k", "nạp 50k nhận 500k"),
    ("hoà bình, thuỷ", "hòa bình , thủy"),
    ("xem tại https://bit.example/x?y=1", "xem tại xxurl"),
    ("lh 0900.000.123 hoặc @shop.kin", "liên hệ xxphone hoặc xxhandle"),
    ("vui quá 😂😂", "vui quá xxemoji xxemoji"),
])
def test_normalize_undoes_how_people_type(raw, expected):
    assert normalize(raw) == expected


def test_unicode_forms_are_unified():
    assert normalize("Ho\u0300a") == normalize("Hòa") == "hòa"


def test_fold_removes_diacritics_and_d_stroke():
    assert fold("ma túy Đà Nẵng đường") == "ma tuy Da Nang duong"


def test_views_give_both_forms():
    assert views("Mua bán MA TÚY") == ("mua bán ma túy", "mua ban ma tuy")


# ---- English is read as English (issue 11) ---------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("I'm at a party, don't wait", "i'm at a party , don't wait"),
    ("I’m sure you can’t be serious", "i'm sure you can't be serious"),  # the curly apostrophe too
    ("Free robux for the kids, just click", "free robux for the kids , just click"),
    ("What a lag, r u ok?", "what a lag , r u ok ?"),
    ("rock'n'roll is 'great'", "rock'n'roll is ' great '"),
])
def test_english_posts_keep_english_words_and_contractions(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("a oi e nho a qua", "anh oi em nho anh qua"),  # teencode without diacritics still expands
    ("e dang o dau r, k thay a", "em dang o dau rồi , không thay anh"),
    ("free kim cương nha", "miễn phí kim cương nha"),
    ("k", "không"),  # no cue either way: Vietnamese, the unit's main language
])
def test_vietnamese_posts_expand_teencode_that_is_also_english(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("Hôm nay I'm so tired, a ơi", "hôm nay i'm so tired , anh ơi"),  # mostly Vietnamese
    ("I love Việt Nam, it's a great place", "i love việt nam , it's a great place"),  # mostly English
])
def test_mixed_posts_follow_their_main_language(raw, expected):
    assert normalize(raw) == expected


def test_english_word_keys_are_teencode_keys_and_cues_do_not_overlap():
    from classifier import language
    from classifier.normalize import DICTIONARY
    assert language.ENGLISH_WORD_KEYS <= DICTIONARY.keys()
    assert not language.ENGLISH_CUES & language.VIETNAMESE_CUES
    assert not (language.ENGLISH_CUES | language.VIETNAMESE_CUES) & language.ENGLISH_WORD_KEYS
    assert [language.cue(token) for token in ("the", "don't", "oi", "không", "a", "so")] == [-1, -1, 1, 1, 0, 0]


def test_batch_and_one_at_a_time_read_each_posts_language_alike():
    from classifier.normalize import normalize_many, tokens_many
    texts = ["a oi", "I'm at a party", "the a", "a the oi", "k", "you k?", "Hôm nay a", "a", "don't k",
             "cafe ơi", "you and cafe"]
    assert normalize_many(texts) == [normalize(text) for text in texts]
    assert normalize_many(list(reversed(texts))) == [normalize(text) for text in reversed(texts)]
    assert [" ".join(tokens) for tokens in tokens_many(texts)] == normalize_many(texts)
    assert normalize_many(texts)[:4] == ["anh oi", "i'm at a party", "the a", "anh the oi"]
    assert normalize_many(texts)[-2:] == ["cà phê ơi", "you and cafe"]
