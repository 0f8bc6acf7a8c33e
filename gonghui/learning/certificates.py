"""Certificates of completed courses and campaigns: the signed code their QR carries, and the
printable PDF.

The code is `GL1.<payload>.<signature>`: the certificate's id, title, masked name and day,
signed with the same Ed25519 key as the member cards (members.cards.signing_key), so a
forged or altered code is refused without trusting the database; the public verify page then
also checks that the certificate is still on record.
"""

import io
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from gonghui.core.personal import mask_name
from gonghui.core.posters import draw_qr, poster_font
from gonghui.learning.models import Certificate
from gonghui.members.cards import read_signed_json, sign_json

PREFIX = "GL1"
RED = HexColor("#c8161d")
INK = HexColor("#1f2328")
MUTED = HexColor("#656d76")


@dataclass(frozen=True)
class CertificateClaims:
    id: int
    title: str
    name: str  # masked: the code is public
    completed_on: date


def certificate_code(certificate: Certificate) -> str:
    return sign_json(
        PREFIX,
        {
            "i": certificate.pk,
            "t": certificate.title,
            "m": mask_name(certificate.member.name),
            "d": certificate.completed_on.isoformat(),
        },
    )


class CertificateCodeError(ValueError):
    """Not a genuine, unaltered certificate code."""


def verify_code(code: str) -> CertificateClaims:
    data = read_signed_json(code, PREFIX)
    if data is None:
        raise CertificateCodeError("not a genuine certificate code")
    try:
        return CertificateClaims(
            id=int(str(data["i"])),
            title=str(data["t"]),
            name=str(data["m"]),
            completed_on=date.fromisoformat(str(data["d"])),
        )
    except (KeyError, ValueError):
        raise CertificateCodeError("not a certificate code") from None


def render_certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """An A4 landscape certificate with its QR (the verify page's address with the code)."""
    font = poster_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=landscape(A4), pageCompression=1, initialFontName=font)
    canvas.setTitle(_("Certificate") + f" {certificate.title}")
    canvas.setAuthor(certificate.issuer)
    width, height = landscape(A4)
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(3)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm, stroke=1, fill=0)
    canvas.setFillColor(RED)
    canvas.setFont(font, 34)
    canvas.drawCentredString(width / 2, height - 45 * mm, _("Certificate of completion"))
    canvas.setFillColor(INK)
    canvas.setFont(font, 22)
    canvas.drawCentredString(width / 2, height - 70 * mm, certificate.member.name)
    canvas.setFont(font, 14)
    what = (
        _("completed the course “%(title)s” on %(day)s.")
        if certificate.course_id
        else _("took part in the study campaign “%(title)s”, completed on %(day)s.")
    ) % {"title": certificate.title, "day": certificate.completed_on.isoformat()}
    y = height - 88 * mm
    for line in simpleSplit(what, font, 14, width - 80 * mm):
        canvas.drawCentredString(width / 2, y, line)
        y -= 8 * mm
    canvas.setFont(font, 13)
    canvas.drawString(30 * mm, 40 * mm, certificate.issuer)
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 10)
    canvas.drawString(
        30 * mm,
        32 * mm,
        _("Issued on %(day)s") % {"day": f"{timezone.localtime(certificate.issued_at):%Y-%m-%d}"},
    )
    size = 38 * mm
    draw_qr(canvas, verify_url, x=width - 30 * mm - size, y=30 * mm, size=size)
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 8)
    canvas.drawRightString(
        width - 30 * mm, 24 * mm, _("Scan the QR code to check that it is genuine.")
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
