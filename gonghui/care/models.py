"""Care campaigns (慰问/关爱活动): goods received into stock, shipped to sites and signed for
there, relief handed to people, each movement an entry in gonghui.ledger (the campaign is the
entries' purpose, `care.campaign:<id>`; a site is their place, `care.site:<id>`).

The rows here are the documents (a purchase with its invoice, a delivery note with its
signature, a relief record); the amounts live in the ledger, and every figure is read there.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet
from gonghui.ledger.models import Fund


def new_token() -> str:
    return secrets.token_urlsafe(18)


class CareSite(models.Model):
    """Where goods go and people are helped: a courier depot, a station (驿站), a vaccination
    site. Its own row, held by the union it belongs to (its stock is posted there), because
    feature apps do not reference each other's models: a site that is one of the stations
    app's stations keeps that station's id and name as plain values."""

    class Kind(models.TextChoices):
        DEPOT = "depot", _("Courier depot")
        STATION = "station", _("Station")
        VACCINATION = "vaccination", _("Vaccination site")
        OTHER = "other", _("Other site")

    org = models.ForeignKey("orgs.Org", verbose_name=_("union"), on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    station_id = models.PositiveBigIntegerField(null=True, blank=True)

    objects = ScopedQuerySet["CareSite"].as_manager()

    class Meta:
        ordering = ["org_id", "name"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="care_site_once")]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        return f"care.site:{self.pk}"


class Item(models.Model):
    """A kind of goods, counted in whole units: its ledger commodity, and the value of one unit
    in fen (what a unit counts towards a person's caps)."""

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    commodity = models.OneToOneField("ledger.Commodity", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("item"), max_length=120)
    unit = models.CharField(_("unit"), max_length=20)
    unit_value = models.PositiveBigIntegerField(_("value of one unit (fen)"), default=0)

    objects = ScopedQuerySet["Item"].as_manager()

    def __str__(self) -> str:
        return self.name


class CampaignQuerySet(ScopedQuerySet["Campaign"]):
    pass


class Campaign(models.Model):
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    purpose = models.TextField(_("purpose"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # Caps in fen; None means no cap. Provinces set them (e.g. ≤ 3,000 yuan a visit, ≤ 6,000
    # a person a year); the year's cap counts every care campaign's relief to the person.
    cap_per_visit = models.PositiveBigIntegerField(_("cap per person per visit"), null=True)
    cap_per_year = models.PositiveBigIntegerField(_("cap per person per year"), null=True)
    cash_allowed = models.BooleanField(_("cash allowed"), default=False)
    sites = models.ManyToManyField(CareSite, verbose_name=_("target sites"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def key(self) -> str:
        return f"care.campaign:{self.pk}"


class Budget(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="budgets")
    fund = models.CharField(_("fund source"), max_length=20, choices=Fund.choices)
    amount = models.PositiveBigIntegerField(_("amount (fen)"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "fund"], name="care_budget_once")
        ]

    def __str__(self) -> str:
        return f"{self.fund} {self.amount}"


class Purchase(models.Model):
    """Goods received into the campaign's stock: from whom, on which invoice, at what price."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="purchases")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    fund = models.CharField(_("fund source"), max_length=20, choices=Fund.choices)
    supplier = models.CharField(_("supplier"), max_length=120)
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    unit_price = models.PositiveBigIntegerField(_("unit price (fen)"))
    quantity = models.PositiveIntegerField(_("quantity"))
    received_on = models.DateField(_("received on"))
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


class Allocation(models.Model):
    """How many units of an item the campaign plans for a site."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="allocations")
    site = models.ForeignKey(CareSite, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "site", "item"], name="care_allocation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.item} {self.quantity}"


class Shipment(models.Model):
    """A delivery note: goods sent to a site, and its receipt signed there (the count received,
    a difference with its reason, the signer, a signature or photo, when)."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        RECEIVED = "received", _("Received")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="shipments")
    site = models.ForeignKey(CareSite, on_delete=models.PROTECT, related_name="shipments")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    fund = models.CharField(_("fund source"), max_length=20, choices=Fund.choices)
    quantity_sent = models.PositiveIntegerField(_("quantity sent"))
    # The delivery note's QR code opens the signing page with this secret.
    token = models.CharField(max_length=32, unique=True, default=new_token)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    sent_on = models.DateField(_("sent on"))
    sent_entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    quantity_received = models.PositiveIntegerField(_("quantity received"), null=True)
    difference_reason = models.CharField(_("reason for the difference"), max_length=200, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=40, blank=True)
    signature = models.FileField(upload_to="care/signatures/", max_length=200, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True)
    signed_offline = models.BooleanField(default=False)
    received_entry = models.OneToOneField(
        "ledger.Entry", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet["Shipment"].as_manager()

    class Meta:
        ordering = ["site__name", "pk"]

    def __str__(self) -> str:
        return f"{self.site} {self.item} × {self.quantity_sent}"

    @property
    def difference(self) -> int | None:
        if self.quantity_received is None:
            return None
        return self.quantity_received - self.quantity_sent


class Relief(models.Model):
    """Goods or money handed to a named member at a site (the ledger's Payout is the unique
    key; this row is what the 公示 lists)."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods")
        CASH = "cash", _("Cash")

    class Method(models.TextChoices):
        LIST = "list", _("From the list")
        CARD = "card", _("Member card scanned")
        OFFLINE = "offline", _("Offline device")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="reliefs")
    site = models.ForeignKey(CareSite, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    item = models.ForeignKey(Item, null=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=0)
    amount = models.PositiveBigIntegerField(default=0)
    fund = models.CharField(max_length=20, choices=Fund.choices)
    value = models.PositiveBigIntegerField()
    method = models.CharField(max_length=10, choices=Method.choices)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    handed_at = models.DateTimeField()

    class Meta:
        ordering = ["handed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.member_id} {self.kind}"


class Disclosure(models.Model):
    """A campaign's 公示 as published: the masked list, its totals and its SHA-256, dated."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="disclosures")
    lines = models.JSONField()
    totals = models.JSONField()
    sha256 = models.CharField(max_length=64)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.sha256[:12]}"
