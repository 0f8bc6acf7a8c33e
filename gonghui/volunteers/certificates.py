"""The certificate of volunteer service hours: a PDF whose QR code holds a signed code, checked
by the public verify page.

The code reads  GV1.<payload>.<signature>  (base64url): the payload is compact JSON
{"s": serial, "n": member number, "y": year, "m": minutes}, signed with Ed25519 under the same
key as the member cards (members.cards.signing_key), so it cannot be forged or altered; the
verify page also finds the certificate by serial and compares what it says.
"""

import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from gonghui.core.posters import draw_qr, poster_font, printed_language, wrap
from gonghui.members.cards import read_signed_json, sign_json
from gonghui.volunteers import hours
from gonghui.volunteers.models import Certificate

PREFIX = "GV1"
RED = HexColor("#c8161d")
INK = HexColor("#1f2328")
MUTED = Color(0.35, 0.37, 0.40)


@dataclass(frozen=True)
class Claims:
    serial: str
    number: str
    year: int
    minutes: int


def code_of(certificate: Certificate) -> str:
    return sign_json(
        PREFIX,
        {
            "s": certificate.serial,
            "n": certificate.member.number,
            "y": certificate.year,
            "m": certificate.minutes,
        },
    )


def read_code(code: str) -> Claims | None:
    """The claims of a genuine, unaltered code, else None."""
    data = read_signed_json(code, PREFIX)
    if data is None:
        return None
    try:
        return Claims(str(data["s"]), str(data["n"]), int(str(data["y"])), int(str(data["m"])))
    except (KeyError, ValueError):
        return None


def matches(certificate: Certificate, claims: Claims) -> bool:
    return (
        certificate.serial,
        certificate.member.number,
        certificate.year,
        certificate.minutes,
    ) == (
        claims.serial,
        claims.number,
        claims.year,
        claims.minutes,
    )


def hours_text(minutes: int) -> str:
    """Minutes as hours for people: 90 → "1.5"."""
    return f"{minutes / 60:g}"


def render_pdf(
    certificate: Certificate, *, name: str, organisers: list[tuple[str, int]], verify_url: str
) -> bytes:
    """An A4 certificate in the site's language: the volunteer, the year's certified hours, who
    certified them, the rule the hours were computed by, and the QR code to verify it."""
    with printed_language():
        return _render(certificate, name=name, organisers=organisers, verify_url=verify_url)


def _render(
    certificate: Certificate, *, name: str, organisers: list[tuple[str, int]], verify_url: str
) -> bytes:
    font = poster_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, initialFontName=font)
    width, height = A4
    margin = 56.0
    canvas.setTitle(_("Certificate of volunteer service hours"))
    canvas.setFillColor(RED)
    canvas.rect(0, height - 110, width, 110, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#ffffff"))
    canvas.setFont(font, 28)
    canvas.drawCentredString(width / 2, height - 70, _("Certificate of volunteer service hours"))
    canvas.setFillColor(INK)
    y = height - 170
    canvas.setFont(font, 20)
    canvas.drawString(margin, y, _("Volunteer: %(name)s") % {"name": name})
    y -= 30
    canvas.setFont(font, 14)
    canvas.drawString(
        margin, y, _("Member number: %(number)s") % {"number": certificate.member.number}
    )
    y -= 40
    canvas.setFont(font, 22)
    canvas.drawString(
        margin,
        y,
        _("%(year)d: %(hours)s hours of volunteer service on %(shifts)d shifts")
        % {
            "year": certificate.year,
            "hours": hours_text(certificate.minutes),
            "shifts": certificate.shifts,
        },
    )
    y -= 34
    canvas.setFont(font, 13)
    canvas.drawString(margin, y, _("Recorded and certified by:"))
    for organiser, minutes in organisers:
        y -= 20
        canvas.drawString(
            margin + 16, y, f"{organiser} · {_('%(hours)s hours') % {'hours': hours_text(minutes)}}"
        )
    y -= 34
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 10)
    rule = _(
        "Hours are the actual time between arrival and departure, inside the shift (travel and "
        "waiting excluded; %(grace)d minutes' grace at either end), rounded per shift to half "
        "hours (up to 15 minutes of a half hour count nothing), at most %(cap)d hours a day, "
        "certified by a leader other than the volunteer."
    ) % {"grace": int(hours.GRACE.total_seconds() // 60), "cap": hours.DAILY_CAP_MINUTES // 60}
    for line in wrap(rule, font, 10, width - 2 * margin):
        canvas.drawString(margin, y, line)
        y -= 14
    size = 150.0
    draw_qr(canvas, verify_url, x=width - margin - size, y=margin + 40, size=size)
    canvas.setFont(font, 10)
    canvas.drawString(margin, margin + 90, _("Serial: %(serial)s") % {"serial": certificate.serial})
    canvas.drawString(
        margin,
        margin + 74,
        _("Issued: %(day)s")
        % {"day": timezone.localtime(certificate.issued_at).date().isoformat()},
    )
    canvas.drawString(margin, margin + 58, _("Scan the code to verify this certificate."))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
