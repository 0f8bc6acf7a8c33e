"""Writing to the journal: the one function every feature's action calls, inside its own
transaction, after its own permission check (like checkins' functions).

`write_entry` checks what the database checks again (every entry balances per commodity),
and what only it can check: no account kind or fund outside the lists, no posting dated into
a closed period, and, for a payment to a person, the unique key of the `Payout` — claimed by
inserting it, never by looking first, so two staff pressing at the same moment (or a retried
upload, or two union levels) get exactly one payment.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import formats
from django.utils.translation import gettext as _

from gonghui.core.errors import ConflictError, DomainError
from gonghui.core.tree import ancestor_paths
from gonghui.ledger.models import Account, Commodity, Entry, Fund, Payout, PeriodClose, Posting
from gonghui.members.models import Member
from gonghui.orgs.models import Org


@dataclass(frozen=True)
class Leg:
    """One posting of an entry: `amount` units of `commodity` into (+) or out of (−) an
    account of `org`."""

    org: Org
    account: str
    commodity: Commodity
    amount: int
    fund: str = ""
    place: str = ""
    beneficiary_id: int | None = None


@dataclass(frozen=True)
class PayoutClaim:
    """The one payment of `kind` to `beneficiary_id` for the entry's purpose, worth `value` fen."""

    beneficiary_id: int
    kind: str
    value: int


def money() -> Commodity:
    commodity, _created = Commodity.objects.get_or_create(
        code=Commodity.MONEY,
        defaults={"name": "人民币", "unit": "分", "kind": Commodity.Kind.MONEY},
    )
    return commodity


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals and thousands separators: 40950.00 → "40,950.00"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def check_balanced(legs: Sequence[Leg]) -> None:
    if not legs:
        raise DomainError("empty_entry", _("An entry needs at least two postings."))
    totals: dict[int, int] = defaultdict(int)
    names: dict[int, Commodity] = {}
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool) or leg.amount == 0:
            raise DomainError("zero_posting", _("Every posting needs a whole amount other than 0."))
        if leg.account not in Account.values:
            raise DomainError("unknown_account", _("Unknown account: %(a)s.") % {"a": leg.account})
        if leg.fund and leg.fund not in Fund.values:
            raise DomainError("unknown_fund", _("Unknown fund source: %(f)s.") % {"f": leg.fund})
        totals[leg.commodity.pk] += leg.amount
        names[leg.commodity.pk] = leg.commodity
    for pk, total in totals.items():
        if total:
            commodity = names[pk]
            shown = yuan(total) if commodity.kind == Commodity.Kind.MONEY else f"{total:,}"
            unit = _("yuan") if commodity.kind == Commodity.Kind.MONEY else commodity.unit
            raise DomainError(
                "unbalanced",
                _(
                    "The entry does not balance: its postings of %(commodity)s add up to "
                    "%(total)s %(unit)s instead of 0. Nothing was written."
                )
                % {"commodity": commodity.name, "total": shown, "unit": unit},
            )


def closed_through(org: Org) -> date | None:
    """The last day closed at this org, by itself or by a union above it."""
    paths = [*ancestor_paths(org.path), org.path]
    found: date | None = PeriodClose.objects.filter(org__path__in=paths).aggregate(
        last=Max("through")
    )["last"]
    return found


def check_open(orgs: Sequence[Org], day: date) -> None:
    for org in {org.pk: org for org in orgs}.values():
        last = closed_through(org)
        if last is not None and day <= last:
            raise DomainError(
                "period_closed",
                _(
                    "The books of %(org)s are closed through %(last)s: nothing can be "
                    "posted on %(day)s. Post a correction dated after %(last)s."
                )
                % {
                    "org": org.name,
                    "last": formats.date_format(last, "Y-m-d"),
                    "day": formats.date_format(day, "Y-m-d"),
                },
            )


def lock_beneficiary(member_id: int) -> None:
    """Hold the person's row until the transaction ends, so that their caps are checked and
    their payment written by one request at a time."""
    list(Member.objects.select_for_update().filter(pk=member_id).values_list("pk", flat=True))


def paid_in_year(member_id: int, year: int, *, purpose_prefix: str) -> int:
    """Fen paid (in money or goods' value) to the person in the calendar year, over every
    purpose starting with the prefix. Read under lock_beneficiary."""
    total: int = Payout.objects.filter(
        beneficiary_id=member_id,
        purpose__startswith=purpose_prefix,
        day__gte=date(year, 1, 1),
        day__lte=date(year, 12, 31),
    ).aggregate(total=Sum("value", default=0))["total"]
    return total


def claim_payout(*, entry_id: uuid.UUID, purpose: str, day: date, claim: PayoutClaim) -> None:
    """Insert the payment's unique key for the entry about to be written (in the caller's
    transaction): a second payment of the kind to the person for the purpose fails here,
    whoever and wherever its caller is. Call it before checks that a retry would otherwise
    fail for another reason (stock gone), so that a second payment reads as one."""
    try:
        with transaction.atomic():
            Payout.objects.create(
                purpose=purpose,
                beneficiary_id=claim.beneficiary_id,
                kind=claim.kind,
                entry_id=entry_id,
                value=claim.value,
                day=day,
            )
    except IntegrityError:
        raise ConflictError(
            "already_paid",
            _(
                "This person has already received this relief in this campaign; "
                "it cannot be given twice. Nothing was written."
            ),
        ) from None


def write_entry(
    *,
    actor_id: int | None,
    org: Org,
    day: date,
    kind: str,
    purpose: str,
    memo: str,
    legs: Sequence[Leg],
    payout: PayoutClaim | None = None,
    reverses: Entry | None = None,
    entry_id: uuid.UUID | None = None,
) -> Entry:
    """Write one balanced entry with its postings (postings first, the entry last: its insert
    checks them and seals them) in the caller's transaction."""
    check_balanced(legs)
    check_open([org, *(leg.org for leg in legs)], day)
    entry = Entry(
        id=entry_id or uuid.uuid4(),
        org=org,
        day=day,
        kind=kind,
        purpose=purpose,
        memo=memo[:200],
        reverses=reverses,
        created_by_id=actor_id,
    )
    with transaction.atomic():
        if payout is not None:
            claim_payout(entry_id=entry.pk, purpose=purpose, day=day, claim=payout)
        Posting.objects.bulk_create(
            [
                Posting(
                    entry_id=entry.pk,
                    org=leg.org,
                    day=day,
                    account=leg.account,
                    commodity=leg.commodity,
                    amount=leg.amount,
                    fund=leg.fund,
                    purpose=purpose,
                    place=leg.place,
                    beneficiary_id=leg.beneficiary_id,
                )
                for leg in legs
            ]
        )
        entry.save(force_insert=True)
    return entry


def reversal_legs(entry: Entry) -> list[Leg]:
    return [
        Leg(
            org=posting.org,
            account=posting.account,
            commodity=posting.commodity,
            amount=-posting.amount,
            fund=posting.fund,
            place=posting.place,
            beneficiary_id=posting.beneficiary_id,
        )
        for posting in entry.postings.select_related("org", "commodity").order_by("pk")
    ]
