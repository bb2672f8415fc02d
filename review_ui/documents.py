"""PDF documents in the layout of Vietnamese administrative documents (Decree 30/2020/NĐ-CP): the
issuing unit and the national motto side by side, number, place and date, title, numbered sections,
tables and a signature block. Used by the removal-request letter and the periodic report.

Text is drawn in DejaVu Serif (review_ui/fonts, with its licence), which has every Vietnamese letter.
Crawled text is hostile: it is only ever drawn as text (no links, no annotations, nothing in the
document's metadata), and characters the font lacks are replaced.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode, XPos, YPos

FONT_DIR = Path(__file__).parent / "fonts"
FAMILY = "DejaVuSerif"
FONT_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"}
LINE = 6.2  # mm, for 13 pt text
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Letterhead:
    """Who issues the documents. Settings SAFEWATCH_UNIT_PARENT, _UNIT_NAME, _UNIT_PLACE and
    _UNIT_SIGNER (Flask config or environment) replace the placeholders."""
    parent: str = "CÔNG AN TỈNH ……………"
    unit: str = "PHÒNG AN NINH MẠNG VÀ PHÒNG CHỐNG TỘI PHẠM SỬ DỤNG CÔNG NGHỆ CAO"
    place: str = "……………"
    signer: str = "TRƯỞNG PHÒNG"

    @classmethod
    def from_settings(cls, config: Mapping) -> Letterhead:
        def setting(name: str, default: str) -> str:
            key = f"SAFEWATCH_UNIT_{name}"
            return str(config.get(key) or os.environ.get(key) or default)
        base = cls()
        return cls(parent=setting("PARENT", base.parent), unit=setting("NAME", base.unit),
                   place=setting("PLACE", base.place), signer=setting("SIGNER", base.signer))


def place_and_date(place: str, day: date) -> str:
    """"Hà Nội, ngày 05 tháng 02 năm 2026": a zero before days under 10 and months 1 and 2 (Decree 30)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


@lru_cache(maxsize=1)
def _glyphs() -> frozenset[int]:
    fonts = [TTFont(FONT_DIR / name) for name in FONT_FILES.values()]
    return frozenset.intersection(*(frozenset(font.getBestCmap()) for font in fonts))


def clean(value: object, limit: int = 2000) -> str:
    """Text as drawn: control and bidi characters dropped, characters the font lacks replaced."""
    text = _CONTROL.sub("", "" if value is None else str(value))[:limit]
    glyphs = _glyphs()
    return "".join(ch if ord(ch) in glyphs or ch == "\n" else "?" for ch in text)


class OfficialDocument(FPDF):
    """A4, margins of an administrative document, DejaVu Serif, page numbers from page 2."""

    def __init__(self, letterhead: Letterhead, *, title: str, reference: str = "") -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.letterhead = letterhead
        self.set_margins(left=30, top=20, right=15)
        self.set_auto_page_break(True, margin=20)
        for style, name in FONT_FILES.items():
            self.add_font(FAMILY, style, str(FONT_DIR / name))
        # Metadata holds only what SafeWatch wrote itself, never crawled text.
        self.set_title(title)
        self.set_creator("SafeWatch")
        self.set_lang("vi")
        if reference:
            self.set_keywords(reference)
        self.add_page()

    def header(self) -> None:
        if self.page_no() > 1:
            self._write(str(self.page_no()), size=11, align="C")
            self.ln(2)

    def _write(self, text: str, *, size: float = 13, style: str = "", align: str = "J", width: float = 0,
               x: float | None = None, height: float | None = None) -> None:
        self.set_font(FAMILY, style, size)
        if x is not None:
            self.set_x(x)
        self.multi_cell(width, height or size * 0.5, clean(text, 20_000), align=align,
                        new_x=XPos.LMARGIN if x is None else XPos.LEFT, new_y=YPos.NEXT)

    def national_header(self, *, number: str, subject: str | None, place_date: str, draft: bool = False) -> None:
        """Unit and number on the left, the national motto and place-date on the right."""
        top, left, left_w = self.get_y(), self.l_margin, 64.0
        right_x = left + left_w + 2
        right_w = self.w - self.r_margin - right_x
        self._write(self.letterhead.parent.upper(), size=11, align="C", width=left_w, x=left)
        self._write(self.letterhead.unit.upper(), size=11, style="B", align="C", width=left_w, x=left)
        self._rule(left + left_w / 3, left_w / 3)
        left_bottom = self.get_y()
        self.set_y(top)
        self._write("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=11, style="B", align="C", width=right_w, x=right_x)
        self._write("Độc lập - Tự do - Hạnh phúc", size=12, style="B", align="C", width=right_w, x=right_x)
        motto_w = self.get_string_width("Độc lập - Tự do - Hạnh phúc")
        self._rule(right_x + (right_w - motto_w) / 2, motto_w)
        line_y = max(left_bottom, self.get_y()) + 3
        self.set_y(line_y)
        self._write(f"Số: {number}", size=13, align="C", width=left_w, x=left)
        if subject:
            self._write(subject, size=12, align="C", width=left_w, x=left)
        left_bottom = self.get_y()
        self.set_y(line_y)
        self._write(place_date, size=13, style="I", align="C", width=right_w, x=right_x)
        if draft:
            self._write("DỰ THẢO", size=11, style="B", align="C", width=right_w, x=right_x)
        self.set_y(max(left_bottom, self.get_y()) + 8)

    def _rule(self, x: float, width: float) -> None:
        y = self.get_y() + 0.8
        self.set_line_width(0.3)
        self.line(x, y, x + width, y)
        self.set_y(y + 1)

    def title_block(self, *lines: str) -> None:
        for number, line in enumerate(lines):
            self._write(line, size=14 if number == 0 else 13, style="B", align="C")
        self.ln(4)

    def heading(self, text: str) -> None:
        self.ln(2)
        self._write(text, style="B", align="L")
        self.ln(1)

    def paragraph(self, text: str, *, style: str = "", align: str = "J") -> None:
        self._write(text, style=style, align=align, height=LINE)
        self.ln(1.5)

    def grid(self, headings: Sequence[str], rows: Sequence[Sequence[object]], *, widths: Sequence[float],
             align: Sequence[str] | None = None, size: float = 11) -> None:
        """A bordered table; `widths` are fractions of the text width, `align` per column (L, C, R).
        Lines wrap at spaces; a word longer than its column (a URL, a hash) is split."""
        self.set_font(FAMILY, "", size)
        with self.table(align="LEFT", col_widths=tuple(widths), text_align=tuple(align or ["L"] * len(widths)),
                        line_height=size * 0.45, padding=1, first_row_as_headings=True, repeat_headings=1,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                        wrapmode=WrapMode.WORD) as table:
            for values in [headings, *rows]:
                row = table.row()
                for value in values:
                    row.cell(clean(value))
        self.ln(3)

    def signature(self, *, recipients: Sequence[str], note: str = "(Ký, ghi rõ họ tên, đóng dấu)") -> None:
        """"Nơi nhận" on the left, the signer's title on the right."""
        if self.will_page_break(32):
            self.add_page()
        self.ln(4)
        top, left, half = self.get_y(), self.l_margin, self.epw / 2
        self._write("Nơi nhận:", size=12, style="B", align="L", width=half, x=left)
        for line in recipients:
            self._write(f"- {line}", size=11, align="L", width=half, x=left)
        bottom = self.get_y()
        self.set_y(top)
        self._write(self.letterhead.signer.upper(), size=13, style="B", align="C", width=half, x=left + half)
        self._write(note, size=12, style="I", align="C", width=half, x=left + half)
        self.set_y(max(bottom, self.get_y()) + 20)

    def to_bytes(self) -> bytes:
        return bytes(self.output())
