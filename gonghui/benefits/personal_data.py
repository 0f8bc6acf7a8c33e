"""A worker's claimed and redeemed offers, for their own copy of their data (see
members/own_data.py)."""

from django.utils.translation import gettext_lazy

from gonghui.benefits.models import Claim
from gonghui.members.own_data import Cell, Person, Section, moment, register


def _claims(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    claims = (
        Claim.objects.filter(member=person.member)
        .select_related("offer", "offer__service")
        .order_by("claimed_at", "pk")
    )
    return [
        (
            claim.offer.title,
            claim.offer.service.title,
            moment(claim.claimed_at),
            claim.get_status_display(),
            moment(claim.redeemed_at),
        )
        for claim in claims
    ]


register(
    Section(
        key="claims",
        title=gettext_lazy("Offers claimed"),
        columns=(
            gettext_lazy("Offer"),
            gettext_lazy("Service"),
            gettext_lazy("Claimed at"),
            gettext_lazy("Status"),
            gettext_lazy("Used at"),
        ),
        rows=_claims,
        covers=("benefits.Claim.member",),
        order=60,
    )
)
