"""The same administrative documents as review_ui/documents.py, as editable Word files (python-docx):
the unit's staff finish a report or a letter in Word or LibreOffice before signing it.

OfficialDocx has the drawing methods of OfficialDocument (national_header, title_block, heading,
paragraph, grid, signature, new_page), so one function writes a document's content in both formats.
Tables are Word tables whose header row repeats on every page and whose rows do not split across
pages. Crawled text is hostile: it is only ever written as text runs (no fields, no hyperlinks), and
characters XML cannot hold are dropped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from review_ui.documents import DOCX_FONT, Letterhead

ALIGN = {"L": WD_ALIGN_PARAGRAPH.LEFT, "C": WD_ALIGN_PARAGRAPH.CENTER, "R": WD_ALIGN_PARAGRAPH.RIGHT,
         "J": WD_ALIGN_PARAGRAPH.JUSTIFY}
# XML 1.0 forbids these; bidirectional overrides are dropped as in the PDF.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def clean(value: object, limit: int = 20_000) -> str:
    return _UNWRITABLE.sub("", "" if value is None else str(value))[:limit]


class OfficialDocx:
    """A4, the margins of an administrative document (Decree 30/2020), Times New Roman 13 pt."""

    def __init__(self, letterhead: Letterhead, *, title: str, reference: str = "") -> None:
        self.letterhead = letterhead
        self.document = Document()
        normal = self.document.styles["Normal"]
        normal.font.name, normal.font.size = DOCX_FONT, Pt(13)
        fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), DOCX_FONT)
        normal.paragraph_format.space_after = Pt(3)
        self._page_setup(self.document.sections[0], landscape=False)
        properties = self.document.core_properties  # only what SafeWatch wrote itself, never crawled text
        properties.title, properties.author, properties.language = title, "SafeWatch", "vi-VN"
        properties.keywords = reference
        properties.comments = ""

    @staticmethod
    def _page_setup(section, *, landscape: bool) -> None:
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)

    @property
    def text_width(self):
        section = self.document.sections[-1]
        return section.page_width - section.left_margin - section.right_margin

    def new_page(self, *, landscape: bool = False) -> None:
        self._page_setup(self.document.add_section(WD_SECTION.NEW_PAGE), landscape=landscape)

    def _paragraph(self, container, text: str, *, style: str = "", align: str = "J", size: float = 13):
        paragraph = container.add_paragraph()
        paragraph.alignment = ALIGN[align]
        lines = clean(text).split("\n")
        for number, line in enumerate(lines):
            run = paragraph.add_run(line)
            run.bold, run.italic, run.font.size = "B" in style or None, "I" in style or None, Pt(size)
            if number < len(lines) - 1:
                run.add_break()
        return paragraph

    def national_header(self, *, number: str, subject: str | None, place_date: str, draft: bool = False) -> None:
        table = self.document.add_table(rows=2, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        left, right = table.rows[0].cells
        for cell, width in ((left, Mm(64)), (right, self.text_width - Mm(64))):
            cell.width = width
        left.paragraphs[0].text = ""
        self._cell_lines(left, [(self.letterhead.parent.upper(), "", 11), (self.letterhead.unit.upper(), "B", 11)])
        self._cell_lines(right, [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 11),
                                 ("Độc lập - Tự do - Hạnh phúc", "B", 12)])
        lower_left, lower_right = table.rows[1].cells
        self._cell_lines(lower_left, [(f"Số: {number}", "", 13), *([(subject, "", 12)] if subject else [])])
        self._cell_lines(lower_right, [(place_date, "I", 13), *([("DỰ THẢO", "B", 11)] if draft else [])])
        self.document.add_paragraph()

    def _cell_lines(self, cell, lines: Sequence[tuple[str, str, float]]) -> None:
        first = cell.paragraphs[0]
        for number, (text, style, size) in enumerate(lines):
            paragraph = first if number == 0 else cell.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(clean(text))
            run.bold, run.italic, run.font.size = "B" in style or None, "I" in style or None, Pt(size)

    def ln(self, _height: float = 0) -> None:
        """Vertical space: paragraphs already have theirs."""

    def title_block(self, *lines: str) -> None:
        for number, line in enumerate(lines):
            self._paragraph(self.document, line, style="B", align="C", size=14 if number == 0 else 13)

    def heading(self, text: str) -> None:
        paragraph = self._paragraph(self.document, text, style="B", align="L")
        paragraph.paragraph_format.keep_with_next = True
        paragraph.paragraph_format.space_before = Pt(6)

    def paragraph(self, text: str, *, style: str = "", align: str = "J") -> None:
        self._paragraph(self.document, text, style=style, align=align)

    def grid(self, headings: Sequence[str], rows: Sequence[Sequence[object]], *, widths: Sequence[float],
             align: Sequence[str] | None = None, size: float = 11, title: str | None = None) -> None:
        """A Word table: bordered, the header row repeated on each page, rows never split."""
        if title:
            self.heading(title)
        align = align or ["L"] * len(widths)
        table = self.document.add_table(rows=0, cols=len(widths))
        table.style = "Table Grid"
        total = self.text_width
        for number, values in enumerate([headings, *rows]):
            row = table.add_row()
            properties = row._tr.get_or_add_trPr()
            properties.append(OxmlElement("w:cantSplit"))
            if number == 0:
                properties.append(OxmlElement("w:tblHeader"))
            for column, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.width = int(total * widths[column])
                paragraph = cell.paragraphs[0]
                paragraph.alignment = ALIGN["C" if number == 0 else align[column]]
                paragraph.paragraph_format.space_after = Pt(0)
                run = paragraph.add_run(clean("" if value is None else str(value)))
                run.font.size = Pt(size)
                if number == 0:
                    run.bold = True
                    shading = OxmlElement("w:shd")
                    shading.set(qn("w:val"), "clear")
                    shading.set(qn("w:fill"), "EBEBEB")
                    cell._tc.get_or_add_tcPr().append(shading)
        self.document.add_paragraph()

    def signature(self, *, recipients: Sequence[str], note: str = "(Ký, ghi rõ họ tên, đóng dấu)") -> None:
        table = self.document.add_table(rows=1, cols=2)
        left, right = table.rows[0].cells
        first = left.paragraphs[0]
        run = first.add_run("Nơi nhận:")
        run.bold, run.italic, run.font.size = True, True, Pt(12)
        for line in recipients:
            left.add_paragraph().add_run(f"- {clean(line)}").font.size = Pt(11)
        self._cell_lines(right, [(self.letterhead.signer.upper(), "B", 13), (note, "I", 12)])

    def to_bytes(self) -> bytes:
        stream = io.BytesIO()
        self.document.save(stream)
        return stream.getvalue()
