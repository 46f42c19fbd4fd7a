"""The PDF page shared by the patient quote and the Good Faith Estimate: fonts, text helpers."""

from __future__ import annotations

import unicodedata
from collections.abc import Container
from pathlib import Path

from django.utils.translation import gettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.prefs import ViewerPreferences

from estimator.formatting import language

# DejaVu Sans ships in estimator/fonts (free licence, LICENSE-DejaVu.txt beside it) so the PDF
# shows dashes, quotes, accents and Cyrillic or Greek names as typed; fpdf2 embeds only the
# glyphs used. A character the font lacks is reduced to its unaccented letter, or '?'.
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
INK = (20, 20, 20)
MUTED = (70, 70, 70)
RULE = (160, 160, 160)
LINK = (0, 70, 160)
# The language tag a document declares, by the active language it is written in (the patient's,
# recorded when they asked: README, "Documents people can read").
LANGUAGE_TAGS = {"en": "en-US", "es": "es", "fr": "fr"}


def printable(text: str, glyphs: Container[int]) -> str:
    """Text the PDF font can show: characters it lacks become their base letter or '?'."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if ord(char) in glyphs or char in "\n\t":
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if ord(c) in glyphs)
        out.append(base or "?")
    return "".join(out)


class DocumentPDF(FPDF):
    """A Letter page in DejaVu Sans with a one-line footer and the page number."""

    def __init__(self, footer_note: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="Letter")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.glyphs: Container[int] = getattr(self.fonts[FONT.lower()], "cmap", {})
        self.footer_note = footer_note
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)

    def describe(self, *, title: str, subject: str, author: str, keywords: str) -> None:
        """What a screen reader or a document list announces: title, language, author, subject.

        fpdf2 tags only images and outline entries, not headings or tables, so each document
        also links to its HTML version (see README, "Documents people can read").
        """
        self.set_title(title)
        self.set_lang(LANGUAGE_TAGS[language()])
        self.set_subject(subject)
        self.set_author(author)
        self.set_creator("the estimator")
        self.set_keywords(keywords)
        # Readers show the title, not the file name, in their window and tab.
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)

    def link_line(self, text: str, url: str, *, size: float = 9.5) -> None:
        """A paragraph that is one link (the address written out, for print)."""
        self.set_font(FONT, size=size)
        self.set_text_color(*LINK)
        self.multi_cell(
            0,
            size * 0.5,
            self.safe(f"{text} {url}"),
            align="L",
            link=url,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_text_color(*INK)
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        footer = gettext("%(note)s – page %(page)s") % {
            "note": self.footer_note,
            "page": self.page_no(),
        }
        self.cell(0, 5, self.safe(footer), align="C")

    def safe(self, text: str) -> str:
        """Text this document's font can show."""
        return printable(text, self.glyphs)

    def text_block(self, text: str, *, size: float = 10, style: str = "", gap: float = 1) -> None:
        """A wrapped paragraph."""
        self.set_font(FONT, style=style, size=size)
        self.multi_cell(
            0, size * 0.5, self.safe(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(gap)

    def heading(self, text: str, size: float = 13) -> None:
        """A section heading, kept with at least a few lines of what follows."""
        if self.get_y() > self.h - 45:
            self.add_page()
        self.ln(2)
        self.set_text_color(*INK)
        self.text_block(text, size=size, style="B", gap=1)

    def bullets(self, items: tuple[str, ...] | list[str], size: float = 9.5) -> None:
        """A list, one item a paragraph."""
        for item in items:
            self.set_font(FONT, size=size)
            self.cell(4, size * 0.5, self.safe("·"))
            self.multi_cell(
                0, size * 0.5, self.safe(item), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            self.ln(0.6)

    def figures(self, rows: list[tuple[str, str]], *, bold_last: bool = True) -> None:
        """Label on the left, amount on the right."""
        width = self.w - self.l_margin - self.r_margin
        for index, (label, amount) in enumerate(rows):
            last = bold_last and index == len(rows) - 1
            self.set_font(FONT, style="B" if last else "", size=10)
            self.cell(width - 40, 6, self.safe(label))
            self.cell(40, 6, self.safe(amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def labelled(self, rows: list[tuple[str, str]], *, label_width: float = 28) -> None:
        """Bold labels in a column, each with its wrapped value beside it; the column widens to
        its longest label (Spanish and French labels run longer than English ones)."""
        self.set_font(FONT, style="B", size=9.5)
        widest = max((self.get_string_width(self.safe(label)) for label, _value in rows), default=0)
        label_width = min(
            max(label_width, widest + 2), (self.w - self.l_margin - self.r_margin) / 2
        )
        for label, value in rows:
            self.set_font(FONT, style="B", size=9.5)
            self.cell(label_width, 5, self.safe(label))
            self.set_font(FONT, size=9.5)
            self.multi_cell(0, 5, self.safe(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def rule(self) -> None:
        """A thin line across the page."""
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)
