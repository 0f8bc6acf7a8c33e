"""The printable e-member card: an A4 sheet with a card-sized (ID-1) card to cut out.

Text uses the posters' embedded font (core.posters.poster_font), so every glyph is in the
PDF. The QR code is drawn as vector squares from the
same signed code the phone page shows, so a printed card verifies like the phone card.
"""

import io
from datetime import date

import segno
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from gonghui.core.posters import poster_font

CARD_WIDTH = 85.6 * mm  # ISO/IEC 7810 ID-1, the size of a bank card
CARD_HEIGHT = 54 * mm
MARGIN = 20 * mm
RED = HexColor("#c8161d")
INK = HexColor("#1f2328")
MUTED = HexColor("#656d76")


def _draw_qr(canvas: Canvas, code: str, x: float, y: float, size: float) -> None:
    """The QR code with its quiet zone, bottom-left corner at (x, y), `size` wide."""
    qr = segno.make(code, error="m")
    matrix = qr.matrix
    border = 2
    modules = len(matrix) + 2 * border
    unit = size / modules
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(Color(0, 0, 0))
    for row_number, row in enumerate(matrix):
        top = y + size - (row_number + border + 1) * unit
        column = 0
        # One rectangle per run of dark modules keeps the file small and the edges clean.
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            canvas.rect(
                x + (start + border) * unit, top, (column - start) * unit, unit, stroke=0, fill=1
            )


def render_card_pdf(
    *, name: str, union: str, number: str, joined_on: date, code: str, verify_url: str
) -> bytes:
    """The card as a PDF document (bytes)."""
    font = poster_font()
    buffer = io.BytesIO()
    # The initial font too: reportlab would otherwise name Helvetica, which is never embedded.
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font)
    canvas.setTitle(_("Union member card") + f" {number}")
    canvas.setAuthor(union)
    _page_width, page_height = A4
    left = MARGIN
    bottom = page_height - MARGIN - CARD_HEIGHT

    # The card: a white face with a red band, a dashed cutting line around it.
    canvas.setStrokeColor(MUTED)
    canvas.setDash(3, 2)
    canvas.setLineWidth(0.5)
    canvas.roundRect(left, bottom, CARD_WIDTH, CARD_HEIGHT, 3 * mm, stroke=1, fill=0)
    canvas.setDash()
    band = 9 * mm
    canvas.setFillColor(RED)
    canvas.rect(left, bottom + CARD_HEIGHT - band, CARD_WIDTH, band, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(font, 11)
    canvas.drawString(left + 4 * mm, bottom + CARD_HEIGHT - band + 3 * mm, _("Union member card"))

    qr_size = CARD_HEIGHT - band - 4 * mm
    qr_x = left + CARD_WIDTH - qr_size - 2 * mm
    _draw_qr(canvas, code, qr_x, bottom + 2 * mm, qr_size)

    text_x = left + 4 * mm
    text_width = qr_x - text_x - 2 * mm
    y = bottom + CARD_HEIGHT - band - 7 * mm
    canvas.setFillColor(INK)
    canvas.setFont(font, 13)
    canvas.drawString(text_x, y, name)
    y -= 6 * mm
    canvas.setFont(font, 7.5)
    for line in simpleSplit(union, font, 7.5, text_width)[:3]:
        canvas.drawString(text_x, y, line)
        y -= 3.6 * mm
    y -= 1.5 * mm
    for label, value in (
        (_("Member number"), number),
        (_("Joined on"), joined_on.isoformat()),
    ):
        canvas.setFillColor(MUTED)
        canvas.setFont(font, 6)
        canvas.drawString(text_x, y, label)
        y -= 3.4 * mm
        canvas.setFillColor(INK)
        canvas.setFont(font, 8.5)
        canvas.drawString(text_x, y, value)
        y -= 4.4 * mm

    # Instructions under the card.
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 9)
    notes = [
        _("Cut along the dashed line."),
        _("The QR code is signed: anyone can check that the card is genuine at %(url)s.")
        % {"url": verify_url},
    ]
    y = bottom - 8 * mm
    for note in notes:
        for line in simpleSplit(note, font, 9, 170 * mm):
            canvas.drawString(left, y, line)
            y -= 5 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
