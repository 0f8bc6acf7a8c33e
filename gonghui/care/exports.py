"""Excel exports: the ledger's postings of a subtree (one row a posting, amounts as numbers,
money in yuan) and one campaign (budgets and use, stock received, shipments with their
receipts, relief with masked names)."""

import io
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.care.models import Campaign, Relief
from gonghui.care.queries import list_reliefs, list_shipments, reconcile
from gonghui.core.personal import mask_name
from gonghui.core.text import spreadsheet_text
from gonghui.ledger.models import Account, Commodity, Fund, Posting


def _sheet(
    workbook: Any, title: str, headers: list[tuple[str, int]], rows: Iterable[list[Any]]
) -> None:
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    sheet = workbook.add_worksheet(title[:31])
    for column, (header, width) in enumerate(headers):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, header, bold)
    for row, values in enumerate(rows, 1):
        for column, value in enumerate(values):
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(row, column, value)
            else:
                sheet.write_string(row, column, spreadsheet_text(str(value)))
    sheet.freeze_panes(1, 0)


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def ledger_workbook(postings: QuerySet[Posting]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    rows = (
        postings.select_related("entry", "org", "commodity", "beneficiary")
        .order_by("day", "entry__created_at", "pk")
        .iterator(chunk_size=2000)
    )

    def lines() -> Iterable[list[Any]]:
        for posting in rows:
            money = posting.commodity.code == Commodity.MONEY
            yield [
                posting.day.isoformat(),
                str(posting.entry_id),
                posting.entry.kind,
                posting.org.name,
                _label(Account, posting.account),
                posting.commodity.name,
                posting.amount / 100 if money else posting.amount,
                _("yuan") if money else posting.commodity.unit,
                _label(Fund, posting.fund),
                posting.purpose,
                posting.place,
                mask_name(posting.beneficiary.name) if posting.beneficiary else "",
                posting.entry.memo,
            ]

    _sheet(
        workbook,
        _("Ledger"),
        [
            (_("Date"), 11),
            (_("Entry"), 36),
            (_("Kind"), 14),
            (_("Union"), 24),
            (_("Account"), 12),
            (_("Commodity"), 20),
            (_("Amount"), 12),
            (_("Unit"), 6),
            (_("Fund source"), 12),
            (_("Purpose"), 18),
            (_("Place"), 14),
            (_("Beneficiary"), 10),
            (_("Memo"), 40),
        ],
        lines(),
    )
    workbook.close()
    return buffer.getvalue()


def campaign_workbook(campaign: Campaign) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    report = reconcile([campaign])
    _sheet(
        workbook,
        _("Money by fund"),
        [
            (_("Fund source"), 14),
            (_("Budget (yuan)"), 14),
            (_("Bought (yuan)"), 14),
            (_("Cash handed out (yuan)"), 18),
        ],
        ([_label(Fund, m.fund), m.budget / 100, m.spent / 100, m.cash / 100] for m in report.money),
    )
    _sheet(
        workbook,
        _("Goods by site"),
        [
            (_("Site"), 24),
            (_("Item"), 20),
            (_("Fund source"), 12),
            (_("Allocated"), 10),
            (_("Shipped"), 10),
            (_("Received"), 10),
            (_("Lost or short"), 10),
            (_("Handed out"), 10),
            (_("On hand"), 10),
        ],
        (
            [
                g.site.name,
                g.item.name,
                _label(Fund, g.fund),
                g.allocated,
                g.shipped,
                g.received,
                g.lost,
                g.handed_out,
                g.on_hand,
            ]
            for g in report.goods
        ),
    )
    _sheet(
        workbook,
        _("Stock received"),
        [
            (_("Received on"), 11),
            (_("Item"), 20),
            (_("Supplier"), 24),
            (_("Invoice number"), 18),
            (_("Unit price (yuan)"), 12),
            (_("Quantity"), 10),
            (_("Fund source"), 12),
        ],
        (
            [
                p.received_on.isoformat(),
                p.item.name,
                p.supplier,
                p.invoice_number,
                p.unit_price / 100,
                p.quantity,
                _label(Fund, p.fund),
            ]
            for p in campaign.purchases.select_related("item").order_by("received_on", "pk")
        ),
    )
    _sheet(
        workbook,
        _("Shipments"),
        [
            (_("Note"), 8),
            (_("Site"), 24),
            (_("Item"), 20),
            (_("Sent"), 8),
            (_("Received"), 8),
            (_("Difference"), 8),
            (_("Reason"), 24),
            (_("Signed by"), 10),
            (_("Signed at"), 16),
        ],
        (
            [
                s.pk,
                s.site.name,
                s.item.name,
                s.quantity_sent,
                "" if s.quantity_received is None else s.quantity_received,
                "" if s.difference is None else s.difference,
                s.difference_reason,
                s.signed_by,
                timezone.localtime(s.signed_at).strftime("%Y-%m-%d %H:%M") if s.signed_at else "",
            ]
            for s in list_shipments(campaign)
        ),
    )
    _sheet(
        workbook,
        _("Relief"),
        [
            (_("Handed out at"), 16),
            (_("Name"), 10),
            (_("Site"), 24),
            (_("Relief"), 8),
            (_("Item"), 20),
            (_("Quantity"), 8),
            (_("Amount (yuan)"), 12),
            (_("Fund source"), 12),
        ],
        (
            [
                timezone.localtime(r.handed_at).strftime("%Y-%m-%d %H:%M"),
                mask_name(r.member.name),
                r.site.name,
                _label(Relief.Kind, r.kind),
                r.item.name if r.item else "",
                r.quantity,
                r.amount / 100,
                _label(Fund, r.fund),
            ]
            for r in list_reliefs(campaign)
        ),
    )
    workbook.close()
    return buffer.getvalue()
