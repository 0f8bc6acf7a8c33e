"""Reading the ledger: balances for any subtree and period, the trial balance, entries."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet, Sum
from django.http import Http404

from gonghui.accounts.models import AnyUser
from gonghui.core.capabilities import Capability
from gonghui.core.periods import Period
from gonghui.core.tree import subtree_q
from gonghui.ledger.journal import closed_through
from gonghui.ledger.models import Commodity, Entry, Posting
from gonghui.orgs.models import Org


def postings_in(org: Org, period: Period | None = None) -> QuerySet[Posting]:
    """The postings at the org and every org below it (the subtree's path range), in the
    period when one is given."""
    postings = Posting.objects.filter(subtree_q("org__path", [org.path]))
    if period is not None:
        postings = postings.filter(day__gte=period.start, day__lte=period.end)
    return postings


@dataclass(frozen=True)
class Balance:
    account: str
    commodity_id: int
    fund: str
    amount: int


def balances(
    org: Org, period: Period | None = None, *, purpose: str | None = None
) -> list[Balance]:
    """The sum per account, commodity and fund over the subtree (and period): one grouped
    query over the (org, day) index."""
    postings = postings_in(org, period)
    if purpose is not None:
        postings = postings.filter(purpose=purpose)
    rows = (
        postings.values("account", "commodity_id", "fund")
        .annotate(total=Sum("amount"))
        .order_by("account", "commodity_id", "fund")
    )
    return [
        Balance(row["account"], row["commodity_id"], row["fund"], row["total"])
        for row in rows
        if row["total"]
    ]


def trial_balance(org: Org | None = None, period: Period | None = None) -> dict[str, int]:
    """Per commodity code, the sum of every posting (of the subtree and period, or of the whole
    ledger): every value is 0 in a sound ledger, since every entry balances."""
    postings = Posting.objects.all() if org is None else postings_in(org, period)
    if org is None and period is not None:
        postings = postings.filter(day__gte=period.start, day__lte=period.end)
    rows = postings.values("commodity__code").annotate(total=Sum("amount"))
    return {row["commodity__code"]: row["total"] for row in rows}


def list_entries(
    user: AnyUser, capability: Capability, *, purpose: str | None = None
) -> QuerySet[Entry]:
    entries = Entry.objects.visible_to(user, capability).select_related("org", "reverses")
    if purpose is not None:
        entries = entries.filter(purpose=purpose)
    return entries.order_by("-created_at")


def list_entries_in(org: Org) -> QuerySet[Entry]:
    """Entries written at the org or below it, newest first (the caller checked access)."""
    return (
        Entry.objects.in_subtree(org.path)
        .select_related("org", "reverses")
        .prefetch_related("postings__commodity")
        .order_by("-created_at")
    )


def closed_through_of(org: Org) -> date | None:
    return closed_through(org)


def get_entry_for(user: AnyUser, entry_id: str, capability: Capability) -> Entry:
    try:
        return Entry.objects.visible_to(user, capability).select_related("org").get(pk=entry_id)
    except (Entry.DoesNotExist, ValueError) as error:
        raise Http404 from error


def commodities_by_id(ids: set[int]) -> dict[int, Commodity]:
    return Commodity.objects.in_bulk(list(ids))
