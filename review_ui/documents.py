"""PDF documents in the layout of Vietnamese administrative documents (Decree 30/2020/NĐ-CP): the
issuing unit and the national motto side by side, number, place and date, title, numbered sections,
tables and a signature block. Used by the removal-request letter and the periodic report.

Text is drawn in Liberation Serif, metrically compatible with the Times New Roman of administrative
documents, from Debian's fonts-liberation2 (/usr/share/fonts/truetype/liberation2; the older
fonts-liberation 1.x lacks Vietnamese letters, so a directory is used only if its fonts have them all).
Without it, the bundled DejaVu Serif (review_ui/fonts, with its licence) is used and a warning says
what to install. Crawled text is hostile: it is only ever drawn as text (no links, no annotations,
nothing in the document's metadata), and characters the font lacks are replaced.

Tables break between rows, repeat their header on each page, and never leave a single row, or a
header alone, on a page (`grid`).
"""

from __future__ import annotations

import logging
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

log = logging.getLogger(__name__)
LIBERATION_DIRS = (Path("/usr/share/fonts/truetype/liberation2"), Path("/usr/share/fonts/truetype/liberation"))
LIBERATION_FILES = {"": "LiberationSerif-Regular.ttf", "B": "LiberationSerif-Bold.ttf",
                    "I": "LiberationSerif-Italic.ttf"}
BUNDLED_DIR = Path(__file__).parent / "fonts"
BUNDLED_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"}
# Every letter of Vietnamese the font must have (lower and upper case, with their diacritics).
VIETNAMESE = "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
VIETNAMESE += VIETNAMESE.upper()
DOCX_FONT = "Times New Roman"  # Word documents name the font itself; LibreOffice shows Liberation Serif
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


@dataclass(frozen=True)
class PdfFont:
    family: str
    files: tuple[tuple[str, Path], ...]  # (style "", "B" or "I", its TTF file)
    warning: str = ""  # why the bundled font is used instead of Liberation Serif


def _covers_vietnamese(files: Sequence[Path]) -> bool:
    for file in files:
        with TTFont(file, lazy=True) as font:
            cmap = font.getBestCmap()
        if any(ord(letter) not in cmap for letter in VIETNAMESE):
            return False
    return True


def find_font(directories: Sequence[Path] = LIBERATION_DIRS) -> PdfFont:
    """Liberation Serif from the first directory that has all three styles with every Vietnamese letter;
    else the bundled DejaVu Serif, with a warning that says what to install."""
    for directory in directories:
        files = tuple((style, directory / name) for style, name in LIBERATION_FILES.items())
        if all(file.is_file() for _style, file in files) and _covers_vietnamese([file for _style, file in files]):
            return PdfFont("LiberationSerif", files)
    looked = ", ".join(str(directory) for directory in directories)
    return PdfFont("DejaVuSerif", tuple((style, BUNDLED_DIR / name) for style, name in BUNDLED_FILES.items()),
                   warning=f"Liberation Serif with Vietnamese letters was not found in {looked}: PDF documents use "
                           f"the bundled DejaVu Serif. For the Times New Roman-compatible font, install Debian's "
                           f"fonts-liberation2 (apt-get install fonts-liberation2).")


@lru_cache(maxsize=1)
def pdf_font() -> PdfFont:
    """The font of every PDF document, chosen once per process (the warning is logged once)."""
    font = find_font()
    if font.warning:
        log.warning(font.warning)
    return font


@lru_cache(maxsize=4)
def _glyphs(font: PdfFont | None = None) -> frozenset[int]:
    maps = []
    for _style, file in (font or pdf_font()).files:
        with TTFont(file, lazy=True) as opened:
            maps.append(frozenset(opened.getBestCmap()))
    return frozenset.intersection(*maps)


def clean(value: object, limit: int = 2000, font: PdfFont | None = None) -> str:
    """Text as drawn: control and bidi characters dropped, characters the font lacks replaced."""
    text = _CONTROL.sub("", "" if value is None else str(value))[:limit]
    glyphs = _glyphs(font)
    return "".join(ch if ord(ch) in glyphs or ch == "\n" else "?" for ch in text)


class OfficialDocument(FPDF):
    """A4, margins of an administrative document, Liberation Serif, page numbers from page 2."""

    def __init__(self, letterhead: Letterhead, *, title: str, reference: str = "", font: PdfFont | None = None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.letterhead = letterhead
        self.font = font or pdf_font()
        self.content_top = 0.0  # where the text of the current page starts (below its page number)
        self.set_margins(left=30, top=20, right=15)
        self.set_auto_page_break(True, margin=20)
        for style, file in self.font.files:
            self.add_font(self.font.family, style, str(file))
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
        self.content_top = self.y

    def new_page(self, *, landscape: bool = False) -> None:
        self.add_page(orientation="landscape" if landscape else "portrait")

    def _write(self, text: str, *, size: float = 13, style: str = "", align: str = "J", width: float = 0,
               x: float | None = None, height: float | None = None) -> None:
        self.set_font(self.font.family, style, size)
        if x is not None:
            self.set_x(x)
        self.multi_cell(width, height or size * 0.5, clean(text, 20_000, self.font), align=align,
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
             align: Sequence[str] | None = None, size: float = 11, title: str | None = None) -> None:
        """A bordered table; `widths` are fractions of the text width, `align` per column (L, C, R).
        Lines wrap at spaces; a word longer than its column (a URL, a hash) is split. `title`, a heading
        kept on the page of the table's first rows.

        The table breaks only between rows, its header repeated on each page, and no page holds a single
        row of it (or its header, or its title, alone): each part has at least two rows, unless the whole
        table has one. Row heights are measured with fpdf2's own table layout before anything is drawn."""
        cells = [[clean(value, font=self.font) for value in values] for values in [headings, *rows]]
        options = {"align": "LEFT", "col_widths": tuple(widths), "text_align": tuple(align or ["L"] * len(widths)),
                   "line_height": size * 0.45, "padding": 1, "first_row_as_headings": True,
                   "headings_style": FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                   "wrapmode": WrapMode.WORD}
        title_height, header_height, heights = self._measure(title, cells, options, size)
        room = self.page_break_trigger  # the bottom of the text on every page
        first, remaining = True, list(range(1, len(cells)))
        while remaining:
            fresh = self.y <= self.content_top + 0.01
            space = room - self.y - header_height - (title_height if first and title else 0)
            fit, used = 0, 0.0
            for row in remaining:
                if used + heights[row] > space + 0.01:
                    break
                used, fit = used + heights[row], fit + 1
            left_over = len(remaining) - fit
            if left_over == 1 and fit >= 3:
                fit -= 1  # never one row alone on the next page
            elif fit < min(2, len(remaining)) or (left_over == 1 and fit == 2):
                if not fresh:
                    self.new_page(landscape=self.cur_orientation == "L")
                    continue
                fit = max(fit, 1)  # a row taller than a page: fpdf2 says so
            if first and title:
                self.heading(title)
            self.set_font(self.font.family, "", size)
            with self.table(**options) as table:
                for values in [cells[0], *(cells[row] for row in remaining[:fit])]:
                    table_row = table.row()
                    for value in values:
                        table_row.cell(value)
            first, remaining = False, remaining[fit:]
            if remaining:
                self.new_page(landscape=self.cur_orientation == "L")
        self.ln(3)

    def _measure(self, title: str | None, cells: list[list[str]], options: dict,
                 size: float) -> tuple[float, float, list[float]]:
        """(the title's height, the header's, each row's) as fpdf2 lays them out, drawn on a throwaway copy."""
        with self.offset_rendering() as dummy:
            dummy.set_auto_page_break(False)
            dummy.set_y(self.t_margin)
            if title:
                dummy.heading(title)
            title_height = dummy.y - self.t_margin
            heights = []
            for n, values in enumerate(cells):
                dummy.set_y(self.t_margin)
                dummy.set_font(self.font.family, "", size)
                with dummy.table(**{**options, "first_row_as_headings": n == 0}) as table:
                    table_row = table.row()
                    for value in values:
                        table_row.cell(value)
                heights.append(dummy.y - self.t_margin)
        return title_height, heights[0], heights

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
