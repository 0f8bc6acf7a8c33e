"""Printed care documents (A4, the poster font embedded): the delivery note with the QR code
the site's contact scans to sign for it, and the 公示 list with its totals and hash."""

from io import BytesIO

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from gonghui.care.models import Disclosure, Shipment
from gonghui.core.posters import draw_qr, poster_font, printed_language
from gonghui.ledger.journal import yuan
from gonghui.ledger.models import Fund

WIDTH, HEIGHT = A4
MARGIN = 18 * mm


def delivery_note(shipment: Shipment, url: str) -> bytes:
    font = poster_font()
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font)
    with printed_language():
        canvas.setTitle(_("Delivery note %(n)s") % {"n": shipment.pk})
        canvas.setFont(font, 20)
        canvas.drawString(MARGIN, HEIGHT - 30 * mm, _("Delivery note (proof of receipt)"))
        canvas.setFont(font, 12)
        lines = [
            _("Note number: %(n)s") % {"n": shipment.pk},
            _("Campaign: %(t)s") % {"t": shipment.campaign.title},
            _("Organiser: %(o)s") % {"o": shipment.campaign.org.name},
            _("Deliver to: %(site)s (%(org)s)")
            % {"site": shipment.site.name, "org": shipment.site.org.name},
            _("Goods: %(item)s, quantity %(n)s %(unit)s")
            % {
                "item": shipment.item.name,
                "n": f"{shipment.quantity_sent:,}",
                "unit": shipment.item.unit,
            },
            _("Fund source: %(f)s") % {"f": Fund(shipment.fund).label},
            _("Sent on: %(d)s") % {"d": shipment.sent_on.isoformat()},
            _("Site contact: scan the QR code with your phone, check the count received and sign;"),
            _("without a signal it is kept on the phone and sent when it is back online."),
        ]
        y = HEIGHT - 45 * mm
        for line in lines:
            canvas.drawString(MARGIN, y, line)
            y -= 8 * mm
        draw_qr(canvas, url, x=MARGIN, y=y - 70 * mm, size=65 * mm)
        canvas.setFont(font, 9)
        canvas.drawString(MARGIN, y - 78 * mm, url)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def disclosure_pdf(disclosure: Disclosure) -> bytes:
    font = poster_font()
    campaign = disclosure.campaign
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=font)
    published = formats.date_format(timezone.localtime(disclosure.published_at), "Y-m-d H:i")

    def header() -> float:
        canvas.setFont(font, 16)
        canvas.drawString(
            MARGIN, HEIGHT - 22 * mm, _("%(t)s: public disclosure") % {"t": campaign.title}
        )
        canvas.setFont(font, 9)
        canvas.drawString(
            MARGIN,
            HEIGHT - 29 * mm,
            _("%(o)s · published %(d)s") % {"o": campaign.org.name, "d": published},
        )
        return float(HEIGHT - 40 * mm)

    with printed_language():
        canvas.setTitle(_("%(t)s: public disclosure") % {"t": campaign.title})
        y = header()
        canvas.setFont(font, 9)
        columns = [0, 22, 68, 120, 150]
        heads = [_("Name"), _("ID number"), _("Site"), _("Goods or amount"), _("Fund source")]
        for x, text in zip(columns, heads, strict=True):
            canvas.drawString(MARGIN + x * mm, y, text)
        y -= 6 * mm
        for line in disclosure.lines:
            if y < 40 * mm:
                canvas.showPage()
                y = header()
                canvas.setFont(font, 9)
            values = [line["name"], line["id"], line["site"][:22], line["what"], line["fund"]]
            for x, text in zip(columns, values, strict=True):
                canvas.drawString(MARGIN + x * mm, y, str(text))
            y -= 5.5 * mm
        totals = disclosure.totals
        y -= 4 * mm
        canvas.setFont(font, 10)
        summary = [_("People helped: %(n)s") % {"n": f"{totals['people']:,}"}]
        for fund, fen in sorted(totals["purchases_by_fund"].items()):
            summary.append(
                _("Goods bought (%(f)s): %(y)s yuan") % {"f": Fund(fund).label, "y": yuan(fen)}
            )
        for fund, fen in sorted(totals["cash_by_fund"].items()):
            summary.append(
                _("Cash handed out (%(f)s): %(y)s yuan") % {"f": Fund(fund).label, "y": yuan(fen)}
            )
        for name, quantity in sorted(totals["goods"].items()):
            summary.append(
                _("Goods handed out, %(item)s: %(n)s") % {"item": name, "n": f"{quantity:,}"}
            )
        summary.append(_("SHA-256 of the list: %(h)s") % {"h": disclosure.sha256})
        for text in summary:
            if y < 20 * mm:
                canvas.showPage()
                y = header()
                canvas.setFont(font, 10)
            canvas.drawString(MARGIN, y, text)
            y -= 6 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
