"""The printable A4 poster that hangs at a station: its QR code holds the visit address with
the station's signed code (see codes.py).

Printed in the site's default language (Simplified Chinese) whatever language the staff member
uses, like the recruitment poster, whose drawing helpers it shares (members.poster).
"""

import io

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop
from reportlab.lib.colors import black, white
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from gonghui.members.poster import (
    CJK_FONT,
    GREY,
    LATIN_BOLD,
    MARGIN,
    RED,
    _draw_qr,
    _fit_size,
    _register_font,
    _text,
    _wrap,
)
from gonghui.stations.hours import hours_label
from gonghui.stations.models import Station

# (English source for the translation catalog, the Chinese printed until it is translated)
HEADLINE = (gettext_noop("Union station: scan to record your visit"), "工会驿站 扫码登记到访")
RUN_BY = (gettext_noop("Run by %(union)s"), "运营单位：%(union)s")
ADDRESS = (gettext_noop("Address: %(address)s"), "地址：%(address)s")
HOURS = (gettext_noop("Hours: %(hours)s"), "开放时间：%(hours)s")
OFFERS = (gettext_noop("Here for you: %(amenities)s"), "提供服务：%(amenities)s")
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
        gettext_noop("2. Sign in with your mobile number and press “Record my visit”."),
        "2. 用手机号登录，点击“登记到访”。",
    ),
    (
        gettext_noop("3. One visit a day counts; not a member yet? Ask the station how to join."),
        "3. 每天登记一次；还不是会员？请向驿站工作人员咨询入会。",
    ),
)
PRIVACY = (
    gettext_noop("A visit records only your member number and the time, to plan the stations."),
    "到访登记仅记录会员编号和时间，用于改进驿站服务。",
)


def render_station_poster(station: Station, *, visit_url: str, short_url: str) -> bytes:
    """An A4 poster: headline, the station and its operator, a large QR code of `visit_url`,
    the fallback address, address, hours and amenities, the steps and a line on privacy."""
    _register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    width, height = A4
    inner = width - 2 * MARGIN
    with translation.override(settings.LANGUAGE_CODE):
        canvas.setTitle(f"{_text(HEADLINE)} · {station.name}")
        canvas.setSubject(short_url)
        canvas.setAuthor(station.org.name)

        band = 120.0
        canvas.setFillColor(RED)
        canvas.rect(0, height - band, width, band, 0, 1)
        canvas.setFillColor(white)
        headline = _text(HEADLINE)
        size = _fit_size(headline, CJK_FONT, 44, inner, 24)
        canvas.setFont(CJK_FONT, size)
        canvas.drawCentredString(width / 2, height - band / 2 - size / 3, headline)

        y = height - band - 46
        canvas.setFillColor(black)
        title_size = _fit_size(station.name, CJK_FONT, 34, inner, 22)
        title_lines = _wrap(station.name, CJK_FONT, title_size, inner)[:2]
        for line in title_lines:
            canvas.setFont(CJK_FONT, title_size)
            canvas.drawCentredString(width / 2, y, line)
            y -= title_size + 8
        canvas.setFillColor(GREY)
        canvas.setFont(CJK_FONT, 14)
        canvas.drawCentredString(width / 2, y, _text(RUN_BY) % {"union": station.org.name})

        qr_size = 220.0 - 30 * (len(title_lines) - 1)
        qr_y = y - 26 - qr_size
        qr_x = (width - qr_size) / 2
        canvas.setStrokeColor(RED)
        canvas.setLineWidth(2)
        canvas.rect(qr_x - 14, qr_y - 14, qr_size + 28, qr_size + 28, 0, 0)
        _draw_qr(canvas, visit_url, x=qr_x, y=qr_y, size=qr_size)

        y = qr_y - 40
        canvas.setFillColor(GREY)
        canvas.setFont(CJK_FONT, 12)
        canvas.drawCentredString(width / 2, y, _text(FALLBACK))
        y -= 28
        canvas.setFillColor(black)
        url_size = _fit_size(short_url, LATIN_BOLD, 20, inner, 9)
        canvas.setFont(LATIN_BOLD, url_size)
        canvas.drawCentredString(width / 2, y, short_url)

        y -= 34
        lines = [
            _text(ADDRESS) % {"address": station.address},
            _text(HOURS) % {"hours": hours_label(station)},
        ]
        if station.hours_note:
            lines.append(station.hours_note)
        if station.amenity_labels:
            lines.append(_text(OFFERS) % {"amenities": "、".join(station.amenity_labels)})
        canvas.setFont(CJK_FONT, 14)
        for line in lines:
            for part in _wrap(line, CJK_FONT, 14, inner):
                canvas.drawString(MARGIN, y, part)
                y -= 20

        y -= 8
        canvas.setFont(CJK_FONT, 13)
        for step in STEPS:
            for part in _wrap(_text(step), CJK_FONT, 13, inner):
                canvas.drawString(MARGIN, y, part)
                y -= 19

        canvas.setFillColor(GREY)
        canvas.setFont(CJK_FONT, 10)
        for i, part in enumerate(_wrap(_text(PRIVACY), CJK_FONT, 10, inner)):
            canvas.drawCentredString(width / 2, MARGIN - 8 - i * 14, part)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
