"""Reading a PDF back as a reader (and a screen reader) sees it, with pypdf."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader


@dataclass(frozen=True)
class ReadPDF:
    """What the tests check: the document's title, language, author, text and links."""

    title: str
    lang: str
    author: str
    shows_title: bool
    text: str
    links: tuple[str, ...]


def pdf_read(data: bytes) -> ReadPDF:
    """The document's metadata, its text page by page, and the addresses it links to."""
    reader = PdfReader(io.BytesIO(data))
    root: Any = reader.trailer["/Root"].get_object()
    info = reader.metadata
    preferences: Any = root.get("/ViewerPreferences")
    links = [
        str(annot.get_object()["/A"]["/URI"])
        for page in reader.pages
        for annot in page.get("/Annots", [])
        if "/A" in annot.get_object()
    ]
    return ReadPDF(
        title=str(info.title) if info and info.title else "",
        lang=str(root.get("/Lang", "")),
        author=str(info.author) if info and info.author else "",
        shows_title=bool(preferences and preferences.get_object().get("/DisplayDocTitle")),
        text=" ".join(page.extract_text() for page in reader.pages),
        links=tuple(links),
    )
