"""The printable A4 posters with a large QR code (PDF): the recruitment poster of an event and
the poster that hangs at a station share one layout, drawn here; each app gives its texts and
its sizes.

A poster is for the workers who walk past it, so it is printed in the site's default language
(Simplified Chinese) whatever language the staff member uses. Its texts have English sources
for translation; until a catalog has them, the Chinese written next to each one is printed.
Every glyph is in the PDF: the one font, WenQuanYi Micro Hei (Chinese, Latin and punctuation
such as "·"), is embedded as a subset. It comes from Debian's fonts-wqy-microhei package
(GONGHUI_POSTER_FONT names another TrueType file or collection); no PyPI package carries a
TrueType CJK font under a licence fit to ship, and reportlab cannot embed the OpenType (CFF)
Noto fonts. Without the file a poster is refused with a message naming the package.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

CJK_FONT = "WenQuanYiMicroHei"
RED = Color(0xC8 / 255, 0x16 / 255, 0x1D / 255)
GREY = Color(0.35, 0.37, 0.40)
MARGIN = 48.0

# (English source for the translation catalog, the Chinese printed until it is translated)
FALLBACK = (
    gettext_noop("Cannot scan? Type this address into your phone's browser:"),
    "无法扫码？请在手机浏览器中输入以下网址：",
)


def poster_font() -> str:
    """Register the poster font once (reportlab embeds the glyphs a PDF uses) and return its
    name; a missing file stops the poster with what to install."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        path = settings.POSTER_FONT
        try:
            # subfontIndex 0: the proportional face of the .ttc (1 is the monospaced one).
            pdfmetrics.registerFont(TTFont(CJK_FONT, path, subfontIndex=0))
        except (OSError, TTFError) as error:  # missing, unreadable or not a TrueType font
            raise ImproperlyConfigured(
                f"The poster font {path} cannot be read ({error}). Install it with "
                "'apt-get install fonts-wqy-microhei' or set GONGHUI_POSTER_FONT to a "
                "TrueType font with Chinese glyphs."
            ) from error
    return CJK_FONT


def printed_language() -> translation.override:
    """Build a poster's texts inside this: the site's default language, not the staff's."""
    return translation.override(settings.LANGUAGE_CODE)


def printed_text(pair: tuple[str, str]) -> str:
    """The active language's translation, or the Chinese beside it when Chinese is active and
    the catalog does not have it yet."""
    english, chinese = pair
    translated = gettext(english)
    if translated == english and translation.get_language().startswith("zh"):
        return chinese
    return translated


def fit_size(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest size up to `size` at which the text fits on one line."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 1
    return size


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break a line by characters (Chinese has no spaces to break at)."""
    lines: list[str] = []
    line = ""
    for char in text:
        if line and pdfmetrics.stringWidth(line + char, font, size) > width:
            lines.append(line)
            line = char.lstrip()
        else:
            line += char
    if line:
        lines.append(line)
    return lines


def draw_qr(canvas: Canvas, url: str, *, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (one rectangle per run of dark modules): sharp at any
    print size. (x, y) is the lower-left corner of the code without its quiet zone."""
    qr = segno.make(url, error="m", micro=False)
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=0)]
    module = size / len(rows)
    canvas.setFillColor(black)
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                canvas.rect(x + start * module, top, (c - start) * module, module, 0, 1)
            else:
                c += 1


@dataclass(frozen=True)
class PosterSizes:
    """One kind of poster's type sizes and spacing, in points: a poster with more to say below
    the code gives the headline, the code and the address less room."""

    band: float  # height of the red band with the headline
    headline: float  # the headline's size, shrunk down to headline_min to fit one line
    headline_min: float
    qr: float  # side of the code under a one-line title
    qr_per_title_line: float  # what a second title line takes from the code's side
    fallback_gap: float  # from the code's foot to the line introducing the address
    fallback: float
    url_gap: float  # from that line to the address
    url: float  # the address's size, shrunk down to url_min to fit one line
    url_min: float
    details_gap: float  # from the address to the details (place, time, hours …)
    details: float
    details_leading: float


@dataclass(frozen=True)
class PosterTexts:
    """What one poster says, built inside printed_language()."""

    document_title: str  # the PDF's title
    author: str  # the PDF's author: the union behind it
    headline: str
    title: str  # up to two lines under the band
    byline: str  # the union, under the title
    qr_url: str
    short_url: str  # printed under the code for typing in
    details: Sequence[str]
    steps: Sequence[str]
    privacy: str  # at the foot of the page


def render_qr_poster(texts: PosterTexts, sizes: PosterSizes) -> bytes:
    """An A4 poster: the headline on a red band, the title and its union, a large QR code of
    `qr_url`, the address to type in instead, the details, the steps and a line on privacy."""
    buffer = io.BytesIO()
    # The initial font too: reportlab would otherwise name Helvetica, which is never embedded.
    canvas = Canvas(buffer, pagesize=A4, initialFontName=poster_font())
    width, height = A4
    inner = width - 2 * MARGIN
    canvas.setTitle(texts.document_title)
    canvas.setSubject(texts.short_url)
    canvas.setAuthor(texts.author)

    # The red band with the headline.
    band = sizes.band
    canvas.setFillColor(RED)
    canvas.rect(0, height - band, width, band, 0, 1)
    canvas.setFillColor(white)
    size = fit_size(texts.headline, CJK_FONT, sizes.headline, inner, sizes.headline_min)
    canvas.setFont(CJK_FONT, size)
    canvas.drawCentredString(width / 2, height - band / 2 - size / 3, texts.headline)

    # The title (up to two lines) and the union.
    y = height - band - 46
    canvas.setFillColor(black)
    title_size = fit_size(texts.title, CJK_FONT, 34, inner, 22)
    title_lines = wrap(texts.title, CJK_FONT, title_size, inner)[:2]
    for line in title_lines:
        canvas.setFont(CJK_FONT, title_size)
        canvas.drawCentredString(width / 2, y, line)
        y -= title_size + 8
    canvas.setFillColor(GREY)
    canvas.setFont(CJK_FONT, 14)
    canvas.drawCentredString(width / 2, y, texts.byline)

    # The QR code in the middle; a second title line takes its room.
    qr_size = sizes.qr - sizes.qr_per_title_line * (len(title_lines) - 1)
    qr_y = y - 26 - qr_size
    qr_x = (width - qr_size) / 2
    draw_qr(canvas, texts.qr_url, x=qr_x, y=qr_y, size=qr_size)

    # The address to type in, in large type.
    y = qr_y - sizes.fallback_gap
    canvas.setFillColor(GREY)
    canvas.setFont(CJK_FONT, sizes.fallback)
    with printed_language():
        canvas.drawCentredString(width / 2, y, printed_text(FALLBACK))
    y -= sizes.url_gap
    canvas.setFillColor(black)
    # The address in the embedded font too: a standard PDF font (Helvetica) is never embedded.
    url_size = fit_size(texts.short_url, CJK_FONT, sizes.url, inner, sizes.url_min)
    canvas.setFont(CJK_FONT, url_size)
    canvas.drawCentredString(width / 2, y, texts.short_url)

    # The details, then the steps.
    y -= sizes.details_gap
    canvas.setFont(CJK_FONT, sizes.details)
    for line in texts.details:
        for part in wrap(line, CJK_FONT, sizes.details, inner):
            canvas.drawString(MARGIN, y, part)
            y -= sizes.details_leading
    y -= 8
    canvas.setFont(CJK_FONT, 13)
    for step in texts.steps:
        for part in wrap(step, CJK_FONT, 13, inner):
            canvas.drawString(MARGIN, y, part)
            y -= 19

    # Privacy, at the foot of the page.
    canvas.setFillColor(GREY)
    canvas.setFont(CJK_FONT, 10)
    for i, part in enumerate(wrap(texts.privacy, CJK_FONT, 10, inner)):
        canvas.drawCentredString(width / 2, MARGIN - 8 - i * 14, part)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
