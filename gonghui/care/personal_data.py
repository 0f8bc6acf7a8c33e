"""The relief a worker received in care campaigns, for their own copy of their data (see
members/own_data.py). The ledger's postings and payouts about them are the same facts."""

from django.utils.translation import gettext_lazy

from gonghui.care.models import Relief
from gonghui.ledger.journal import yuan
from gonghui.members.own_data import Cell, Person, Section, moment, register


def _relief(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    reliefs = (
        Relief.objects.filter(member=person.member)
        .select_related("campaign", "site", "item")
        .order_by("handed_at", "pk")
    )
    return [
        (
            relief.campaign.title,
            relief.site.name,
            f"{relief.item.name} × {relief.quantity}" if relief.item else yuan(relief.amount),
            moment(relief.handed_at),
        )
        for relief in reliefs
    ]


register(
    Section(
        key="relief",
        title=gettext_lazy("Care relief received"),
        columns=(
            gettext_lazy("Campaign"),
            gettext_lazy("Site"),
            gettext_lazy("Goods or amount"),
            gettext_lazy("Received at"),
        ),
        rows=_relief,
        covers=(
            "care.Relief.member",
            "ledger.Posting.beneficiary",
            "ledger.Payout.beneficiary",
        ),
        order=65,
    )
)
