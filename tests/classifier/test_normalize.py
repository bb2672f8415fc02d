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
