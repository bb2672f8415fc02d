"""The 14 harm categories of Decision 830 work: fixed codes, names, severity and legal basis.

The one source of truth for every package (classifier labels, index mappings, UI labels, notices,
reports). Codes never change; see ../shared/DOMAIN.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    name_vi: str
    name_en: str
    severity: int  # default severity, 1 (lowest) to 5
    legal_basis: str


CATEGORIES: tuple[Category, ...] = (
    Category("child_sexual_abuse", "Xâm hại tình dục trẻ em",
             "Child sexual abuse and exploitation material or trade", 5,
             "Luật Trẻ em 2016 Điều 6; Quyết định 830/QĐ-TTg"),
    Category("grooming", "Dụ dỗ, gạ gẫm, tống tiền tình dục trẻ em",
             "Grooming and sextortion of children", 5, "Luật Trẻ em 2016 Điều 6"),
    Category("trafficking", "Mua bán người, dụ dỗ lao động trẻ em",
             "Trafficking, child-labour and fake-job lures", 5,
             "Luật Trẻ em 2016 Điều 6; Luật An ninh mạng 2018 Điều 8"),
    Category("self_harm", "Tự hại, tự sát", "Self-harm and suicide promotion", 5,
             "Luật Trẻ em 2016 Điều 6"),
    Category("dangerous_challenge", "Thử thách nguy hiểm", "Dangerous challenges and trends", 4,
             "Luật Trẻ em 2016 Điều 6"),
    Category("sexual_content", "Khiêu dâm, đồi trụy", "Sexual or obscene content", 4,
             "Luật An ninh mạng 2018 Điều 8; Nghị định 15/2020 Điều 101"),
    Category("violence_gore", "Bạo lực, máu me, kinh dị", "Violence, gore, horror, incitement", 4,
             "Nghị định 15/2020 Điều 101"),
    Category("drugs", "Ma túy, chất kích thích, rượu bia, thuốc lá",
             "Drugs, stimulants, alcohol and tobacco aimed at minors", 4, "Luật Trẻ em 2016 Điều 6"),
    Category("bullying", "Bắt nạt, quấy rối, bạo lực mạng", "Cyberbullying and harassment", 3,
             "Luật Trẻ em 2016 Điều 4; Luật An ninh mạng 2018 Điều 16"),
    Category("child_privacy", "Tiết lộ thông tin đời tư trẻ em",
             "Disclosure of a child's private information", 3,
             "Luật Trẻ em 2016 Điều 6; Nghị định 56/2017/NĐ-CP"),
    Category("gambling", "Cờ bạc, cá độ", "Gambling and betting", 3, "Nghị định 15/2020 Điều 101"),
    Category("scam", "Lừa đảo nhắm vào trẻ em", "Scams aimed at children and teens", 3,
             "Luật Trẻ em 2016 Điều 6"),
    Category("hate_extremism", "Kỳ thị, thù hận, cực đoan", "Hate, discrimination, extremism", 3,
             "Luật An ninh mạng 2018 Điều 8, 16"),
    Category("superstition", "Mê tín dị đoan", "Harmful superstition", 2, "Nghị định 15/2020 Điều 101"),
)

CODES: tuple[str, ...] = tuple(category.code for category in CATEGORIES)
BY_CODE: dict[str, Category] = {category.code: category for category in CATEGORIES}


def category(code: str) -> Category:
    try:
        return BY_CODE[code]
    except KeyError:
        raise ValueError(f"unknown category code {code!r}; known: {', '.join(CODES)}") from None


def max_severity(codes: list[str] | tuple[str, ...]) -> int:
    return max((BY_CODE[c].severity for c in codes if c in BY_CODE), default=0)
