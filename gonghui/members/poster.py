"""The printable A4 recruitment poster (PDF) and the QR code of an event's joining link.

The poster is for the workers who walk past it, so it is printed in the site's default language
(Simplified Chinese) whatever language the staff member uses. Its texts have English sources
for translation; until a catalog has them, the Chinese written next to each one is printed.
The Chinese font is reportlab's built-in CID font STSong-Light: the PDF viewer supplies the
glyphs, so no font file ships with the project.
"""

import io
from datetime import datetime

import segno
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from gonghui.members.models import RecruitmentEvent

CJK_FONT = "STSong-Light"
LATIN_BOLD = "Helvetica-Bold"
RED = Color(0xC8 / 255, 0x16 / 255, 0x1D / 255)
GREY = Color(0.35, 0.37, 0.40)
MARGIN = 48.0

# (English source for the translation catalog, the Chinese printed until it is translated)
HEADLINE = (gettext_noop("Scan to join the union"), "扫码加入工会")
PLACE = (gettext_noop("Place: %(place)s"), "地点：%(place)s")
TIME = (gettext_noop("Time: %(time)s"), "时间：%(time)s")
FALLBACK = (
    gettext_noop("Cannot scan? Type this address into your phone's browser:"),
    "无法扫码？请在手机浏览器中输入以下网址：",
)
STEPS = (
    (
        gettext_noop("1. Scan the code with WeChat or your phone's camera."),
        "1. 用微信或手机相机扫描二维码。",
    ),
    (
        gettext_noop(
            "2. Fill in the form: your name, ID number, mobile number and employer or platform."
        ),
        "2. 填写入会申请：姓名、身份证号码、手机号码、工作单位或平台。",
    ),
    (
        gettext_noop("3. Keep the receipt page: it shows when your application is approved."),
        "3. 保存回执页面：审核通过后可在此查看会员编号。",
    ),
)
GIFT_STEP = (
    gettext_noop("4. Show the receipt at the gift desk to receive your welcome gift: %(gift)s."),
    "4. 凭回执到礼品台领取入会礼：%(gift)s。",
)
PRIVACY = (
    gettext_noop(
        "Your ID number and mobile number are stored encrypted and seen only by union staff."
    ),
    "您的身份证号码和手机号码加密保存，仅供工会工作人员审核使用。",
)
RECEIVED_BY = (gettext_noop("Applications are received by %(union)s"), "受理单位：%(union)s")


def _text(pair: tuple[str, str]) -> str:
    """The active language's translation, or the Chinese beside it when Chinese is active and
    the catalog does not have it yet."""
    english, chinese = pair
    translated = gettext(english)
    if translated == english and translation.get_language().startswith("zh"):
        return chinese
    return translated


def _register_font() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _fit_size(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest size up to `size` at which the text fits on one line."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 1
    return size


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
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


def _time_range(starts: datetime, ends: datetime) -> str:
    start = timezone.localtime(starts)
    end = timezone.localtime(ends)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def _draw_qr(canvas: Canvas, url: str, *, x: float, y: float, size: float) -> None:
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


def qr_svg(url: str) -> str:
    """The QR code of a link as inline SVG that scales with its container (the big screen)."""
    svg: str = segno.make(url, error="m", micro=False).svg_inline(
        scale=1, border=2, omitsize=True, dark="#000", light="#fff"
    )
    return svg


def render_poster(event: RecruitmentEvent, *, join_url: str, short_url: str) -> bytes:
    """An A4 poster: headline, the event, a large QR code of `join_url`, the fallback address,
    the steps to join and a line on privacy."""
    _register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    width, height = A4
    inner = width - 2 * MARGIN
    with translation.override(settings.LANGUAGE_CODE):
        canvas.setTitle(f"{_text(HEADLINE)} · {event.title} · {event.code}")
        canvas.setSubject(short_url)
        canvas.setAuthor(event.org.name)

        # The red band with the headline.
        band = 130.0
        canvas.setFillColor(RED)
        canvas.rect(0, height - band, width, band, 0, 1)
        canvas.setFillColor(white)
        headline = _text(HEADLINE)
        size = _fit_size(headline, CJK_FONT, 56, inner, 28)
        canvas.setFont(CJK_FONT, size)
        canvas.drawCentredString(width / 2, height - band / 2 - size / 3, headline)

        # The event title (up to two lines) and the receiving union.
        y = height - band - 46
        canvas.setFillColor(black)
        title_size = _fit_size(event.title, CJK_FONT, 34, inner, 22)
        title_lines = _wrap(event.title, CJK_FONT, title_size, inner)[:2]
        for line in title_lines:
            canvas.setFont(CJK_FONT, title_size)
            canvas.drawCentredString(width / 2, y, line)
            y -= title_size + 8
        canvas.setFillColor(GREY)
        canvas.setFont(CJK_FONT, 14)
        canvas.drawCentredString(width / 2, y, _text(RECEIVED_BY) % {"union": event.org.name})

        # The QR code in the middle, with a thin frame.
        qr_size = 270.0 - 40 * (len(title_lines) - 1)  # a second title line takes its room
        qr_y = y - 26 - qr_size
        qr_x = (width - qr_size) / 2
        canvas.setStrokeColor(RED)
        canvas.setLineWidth(2)
        canvas.rect(qr_x - 14, qr_y - 14, qr_size + 28, qr_size + 28, 0, 0)
        _draw_qr(canvas, join_url, x=qr_x, y=qr_y, size=qr_size)

        # The fallback address in large type.
        y = qr_y - 44
        canvas.setFillColor(GREY)
        canvas.setFont(CJK_FONT, 13)
        canvas.drawCentredString(width / 2, y, _text(FALLBACK))
        y -= 34
        canvas.setFillColor(black)
        url_size = _fit_size(short_url, LATIN_BOLD, 28, inner, 12)
        canvas.setFont(LATIN_BOLD, url_size)
        canvas.drawCentredString(width / 2, y, short_url)

        # Place and time.
        y -= 38
        canvas.setFont(CJK_FONT, 15)
        for line in (
            _text(PLACE) % {"place": event.place},
            _text(TIME) % {"time": _time_range(event.starts_at, event.ends_at)},
        ):
            for part in _wrap(line, CJK_FONT, 15, inner):
                canvas.drawString(MARGIN, y, part)
                y -= 22

        # How to join.
        y -= 8
        steps = [_text(step) for step in STEPS]
        if event.gift_name:
            steps.append(_text(GIFT_STEP) % {"gift": event.gift_name})
        canvas.setFont(CJK_FONT, 13)
        for step in steps:
            for part in _wrap(step, CJK_FONT, 13, inner):
                canvas.drawString(MARGIN, y, part)
                y -= 19

        # Privacy, at the foot of the page.
        canvas.setFillColor(GREY)
        canvas.setFont(CJK_FONT, 10)
        for i, part in enumerate(_wrap(_text(PRIVACY), CJK_FONT, 10, inner)):
            canvas.drawCentredString(width / 2, MARGIN - 8 - i * 14, part)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
