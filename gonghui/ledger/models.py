"""The one ledger: an append-only journal of balanced entries (transactions) of postings.

Every posting moves a whole number of units of one commodity (money in fen, goods in units of
an item; later volunteer hours or learning credits) into or out of an account held at an org,
tagged with the fund source, the purpose (a key the feature app sets, e.g. a care campaign's
"care.campaign:12", so the ledger imports no feature), an optional place (a site's key) and an
optional beneficiary. The postings of one entry sum to zero per commodity: checked by
`actions.post` and, on both databases, by triggers (`triggers.py`). Rows are never updated or
deleted; a mistake is corrected by a reversing entry. See docs/decisions/0021-ledger.md.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet


class Fund(models.TextChoices):
    """Where money (and what it bought) came from; caps and reports are per source."""

    UPPER_GRANT = "upper_grant", _("Grant from the union above")
    OWN_BUDGET = "own_budget", _("Own union funds")
    SPECIAL = "special", _("Special fund")
    DONATION = "donation", _("Donations")
    FISCAL = "fiscal", _("Government subsidy")
    EMPLOYER = "employer", _("Employer contribution")


class Account(models.TextChoices):
    """The kinds of account every org holds, one per commodity, fund and place.

    Goods come from a `source` (a supplier or a donor) into `stock` at a place, travel
    `in_transit` to a site, arrive in its `stock` (a shortfall goes to `loss`) and are
    `handed_out` to people. Money comes from a `source` (its fund) and is `spent` on purchases
    or `handed_out` to people.
    """

    SOURCE = "source", _("Source")
    STOCK = "stock", _("Stock")
    IN_TRANSIT = "in_transit", _("In transit")
    LOSS = "loss", _("Lost or short")
    SPENT = "spent", _("Spent on purchases")
    HANDED_OUT = "handed_out", _("Handed out")


class Commodity(models.Model):
    """What a posting counts: money (code MONEY, in fen) or units of an item."""

    MONEY = "CNY"

    class Kind(models.TextChoices):
        MONEY = "money", _("Money")
        GOODS = "goods", _("Goods")

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=20)
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("commodity")
        verbose_name_plural = _("commodities")

    def __str__(self) -> str:
        return self.name


class EntryQuerySet(ScopedQuerySet["Entry"]):
    pass


class Entry(models.Model):
    """One balanced transaction. Its postings are written first and the entry row last: the
    entry's insert checks that they balance, and seals them (no posting may join an entry
    already written)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("date"))
    kind = models.CharField(max_length=40)
    purpose = models.CharField(max_length=64, blank=True)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["purpose", "day"], name="ledger_entry_purpose")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.memo}"


class PostingQuerySet(ScopedQuerySet["Posting"]):
    pass


class Posting(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="postings")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+", db_index=False)
    # The entry's day, copied (rows never change) so that a period's balances are one index.
    day = models.DateField()
    account = models.CharField(max_length=20, choices=Account.choices)
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    fund = models.CharField(max_length=20, choices=Fund.choices, blank=True)
    purpose = models.CharField(max_length=64, blank=True)
    place = models.CharField(max_length=64, blank=True)
    beneficiary = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = PostingQuerySet.as_manager()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="posting_not_zero")]
        indexes = [
            models.Index(fields=["org", "day"], name="ledger_posting_org_day"),
            models.Index(fields=["purpose", "place"], name="ledger_posting_purpose"),
            models.Index(fields=["beneficiary"], name="ledger_posting_beneficiary"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount} {self.commodity_id}"


class Payout(models.Model):
    """The one payment of a kind to a person for a purpose: the database's unique key, not a
    search before the insert, is what makes a second one impossible (two staff at the same
    moment, two union levels, a retried upload). `value` (fen) counts towards the caps."""

    purpose = models.CharField(max_length=64)
    beneficiary = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="payout")
    value = models.BigIntegerField()
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "beneficiary", "kind"], name="payout_once_per_purpose"
            ),
        ]
        indexes = [models.Index(fields=["beneficiary", "day"], name="ledger_payout_person_day")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.beneficiary_id} {self.kind}"


class PeriodClose(models.Model):
    """Books closed at an org (and its subtree) up to and including `through`: no posting may
    be dated on or before it there."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    through = models.DateField(_("closed through"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet["PeriodClose"].as_manager()

    def __str__(self) -> str:
        return f"{self.org_id} ≤ {self.through}"
