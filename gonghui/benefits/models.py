"""Services and benefits (服务体系): providers, services in categories, member-only offers with
flash-safe quotas, claims with codes, and redemption at the provider (核销)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.core.scoping import ScopedQuerySet

# The six categories the federation's workers named (seed: 政务服务, 交通出行, 餐饮美食, 同城生活,
# 休闲社交, 心理关怀). They live in code so their names are translated; staff add more as
# ServiceCategory rows.
BUILT_IN_CATEGORIES: dict[str, Promise] = {
    "government": _("Government services"),
    "transport": _("Transport"),
    "dining": _("Dining"),
    "city_life": _("City life"),
    "leisure": _("Leisure and social"),
    "mental_care": _("Mental care"),
}


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class Audience(models.TextChoices):
    PUBLIC = "public", _("Everyone (public)")
    MEMBERS = "members", _("All members")
    SUBTREE = "subtree", _("Members of one organisation and its units")


class ServiceCategory(models.Model):
    """A category staff added next to the six built-in ones."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self) -> str:
        return self.name


class ProviderQuerySet(ScopedQuerySet["Provider"]):
    org_path_lookup = "org__path"


class Provider(models.Model):
    """Who offers a service: a regional enterprise, a government office or the union itself,
    managed by an org of the union tree (its staff edit it and its services)."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Regional enterprise")
        GOVERNMENT = "government", _("Government office")
        UNION = "union", _("The union itself")

    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("managed by"),
        on_delete=models.PROTECT,
        related_name="benefit_providers",
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("about the provider"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    # A public service line shown to members, not a person's mobile number.
    contact_phone = models.CharField(_("public phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name


class ProviderAccount(models.Model):
    """A provider's own sign-in (核销员): it redeems claims of its provider's offers and nothing
    else. The user has no role grants, so no staff page or org-scoped capability opens to it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_account"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="accounts")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.provider}"


class Publishable(models.Model):
    """What services and offers both are: written by staff as a draft, published to members,
    withdrawn from them, and edited with a version check against a stale form."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", pgettext_lazy("taken off the directory", "Withdrawn")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class ServiceQuerySet(ScopedQuerySet["Service"]):
    org_path_lookup = "org__path"


class Service(Publishable):
    """An entry of the member service directory."""

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="services"
    )
    # The managing org: its staff edit the service, and its views are counted there.
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("managed by"),
        on_delete=models.PROTECT,
        related_name="benefit_services",
    )
    category = models.CharField(_("category"), max_length=40)
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    district = models.CharField(_("district"), max_length=40, blank=True)
    street = models.CharField(_("street or town"), max_length=40, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    # How to use it: any of a link, a phone number, or what to do on site.
    link = models.URLField(_("link"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    on_site = models.TextField(_("on site"), blank=True)
    audience = models.CharField(_("open to"), max_length=10, choices=Audience.choices)
    audience_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("for members of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=~Q(audience="subtree") | Q(audience_org__isnull=False),
                name="service_subtree_has_org",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="service_valid_period",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "category"]),
            models.Index(fields=["status", "district", "street"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def category_label(self) -> str:
        return category_label(self.category)


def category_label(code: str, names: dict[str, str] | None = None) -> str:
    """The shown name of a category code: built-in ones translated, added ones as entered."""
    if code in BUILT_IN_CATEGORIES:
        return str(BUILT_IN_CATEGORIES[code])
    if names is not None:
        return names.get(code, code)
    added = ServiceCategory.objects.filter(code=code).values_list("name", flat=True).first()
    return added or code


def photo_path(instance: "ServicePhoto", filename: str) -> str:
    return f"services/{instance.service_id}/{instance.stored_name}"


class ServicePhoto(models.Model):
    """A picture of a service, re-encoded without metadata (core.images) before it is stored."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_path, max_length=200)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    stored_name = "photo.jpg"  # set by the action before saving

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or f"photo {self.pk}"


class ServiceDay(models.Model):
    """How often a service's page was opened on a day: the per-service half of the view
    figures (the per-org half is the benefits.views tally). One upsert per view."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "day"], name="service_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.day}: {self.views}"


class OfferQuerySet(ScopedQuerySet["Offer"]):
    org_path_lookup = "service__org__path"


class Offer(Publishable):
    """A member-only offer (普惠) of a service, with a quota members claim from."""

    class Kind(models.TextChoices):
        DISCOUNT = "discount", _("Discount")
        FREE_ITEM = "free_item", _("Free item")
        TICKET = "ticket", _("Ticket")
        COUPON = "coupon", _("Coupon")

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="offers"
    )
    title = models.CharField(_("what the member gets"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    terms = models.TextField(_("terms"), blank=True)
    # None: unlimited. Otherwise `claimed` never passes it (conditional UPDATE + constraint).
    quota = models.PositiveIntegerField(_("total quota"), null=True, blank=True)
    per_member_limit = models.PositiveSmallIntegerField(_("claims per member"), default=1)
    claims_open_at = models.DateTimeField(_("claiming opens"))
    claims_close_at = models.DateTimeField(_("claiming closes"))
    # None: a claim stays usable as long as the offer is not withdrawn.
    redeem_until = models.DateTimeField(_("usable until"), null=True, blank=True)
    # Secret of the claim codes' signatures; never leaves the server.
    code_secret = models.CharField(max_length=64, default=new_secret, editable=False)
    # Exact counters, changed only by QuerySet.update() with F() in the claiming and
    # redeeming transactions (save() on a stale instance would write old counts back).
    claimed = models.PositiveIntegerField(default=0)
    redeemed = models.PositiveIntegerField(default=0)
    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["claims_open_at", "pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(quota__isnull=True) | Q(claimed__lte=F("quota")),
                name="offer_within_quota",
            ),
            models.CheckConstraint(
                condition=Q(per_member_limit__gte=1), name="offer_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(claims_close_at__gt=F("claims_open_at")), name="offer_window"
            ),
            models.CheckConstraint(
                condition=Q(redeemed__lte=F("claimed")), name="offer_redeemed_within_claimed"
            ),
        ]
        indexes = [models.Index(fields=["status", "claims_close_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def left(self) -> int | None:
        return None if self.quota is None else max(self.quota - self.claimed, 0)


class OfferQuota(models.Model):
    """The share of an offer's quota for the members of one org's subtree (an offer split
    between districts). A member's claim counts against the share of the subtree their union
    is in; members outside every share cannot claim."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="org_quotas")
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("for members of"), on_delete=models.PROTECT, related_name="+"
    )
    quota = models.PositiveIntegerField(_("quota"))
    claimed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "org"], name="offer_quota_once_per_org"),
            models.CheckConstraint(
                condition=Q(claimed__lte=F("quota")), name="offer_quota_within_quota"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} @ {self.org_id}: {self.claimed}/{self.quota}"


class Claim(models.Model):
    """A member's claim of an offer: one claim, one code, redeemed once at the provider."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Ready to use")
        REDEEMED = "redeemed", _("Used")

    class Method(models.TextChoices):
        CODE = "code", _("Offer code scanned")
        CARD = "card", _("Member card scanned")
        BATCH = "batch", _("Offline batch upload")

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="claims")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    # 1..per_member_limit: the unique constraint below is what keeps a member within the
    # limit when two presses race, on every database.
    seq = models.PositiveSmallIntegerField(default=1)
    # The member's union when they claimed: the figures by org count claims there.
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    share = models.ForeignKey(
        OfferQuota, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CLAIMED)
    claimed_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "member", "seq"], name="claim_within_member_limit"
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="claim_seq_positive"),
            models.CheckConstraint(
                condition=Q(status="claimed", redeemed_at__isnull=True)
                | Q(status="redeemed", redeemed_at__isnull=False),
                name="claim_redeemed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "claimed_at"]),
            models.Index(fields=["offer", "claimed_at"]),
            models.Index(fields=["offer", "redeemed_at"]),
            models.Index(fields=["org", "claimed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.offer_id} #{self.seq}"
