from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.indexes import CoveringIndex, CoveringUniqueConstraint
from gonghui.core.scoping import ScopedQuerySet
from gonghui.core.tree import STEP, ancestor_paths


class OrgKind(models.TextChoices):
    FEDERATION = "federation", _("Federation of trade unions")
    STREET = "street", _("Street federation")
    INDUSTRY = "industry", _("Industry union")
    ENTERPRISE = "enterprise", _("Enterprise union")
    STATION = "station", _("Station or team")


# Which kinds may sit directly under which. A federation may hold any kind (a city federation
# holds district federations, which hold streets, industry unions and enterprise unions).
CHILD_KINDS: dict[str, frozenset[str]] = {
    OrgKind.FEDERATION: frozenset(OrgKind.values),
    OrgKind.STREET: frozenset({OrgKind.INDUSTRY, OrgKind.ENTERPRISE, OrgKind.STATION}),
    OrgKind.INDUSTRY: frozenset({OrgKind.ENTERPRISE, OrgKind.STATION}),
    OrgKind.ENTERPRISE: frozenset({OrgKind.ENTERPRISE, OrgKind.STATION}),
    OrgKind.STATION: frozenset(),
}


class OrgQuerySet(ScopedQuerySet["Org"]):
    org_path_lookup = "path"


class Org(models.Model):
    """A node of the union tree. `path` holds the materialized path (see core.tree)."""

    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    district = models.CharField(_("district"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(_("office phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Bumped by every edit; a form carrying an older version is refused instead of overwriting.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return len(self.path) // STEP

    @property
    def ancestor_paths(self) -> list[str]:
        return ancestor_paths(self.path)

    def may_hold(self, kind: str) -> bool:
        return kind in CHILD_KINDS[self.kind]


class Tally(models.Model):
    """How many times something happened at an org on a day (members joined, check-ins,
    offers claimed...). Kept exact by the actions that make those things happen, in their
    transaction (see orgs.tallies), so a figure for any subtree and period is a sum over a
    few thousand rows however many millions of events lie behind it."""

    # No index of its own: the unique constraint below starts with the org.
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    metric = models.CharField(max_length=40)
    value = models.BigIntegerField(default=0)

    class Meta:
        # Two indexes, each carrying the value on PostgreSQL so that sums are read from the
        # index alone: (org, metric, day) is the upsert's conflict target and serves a
        # subtree's sums (a few range scans per org); (metric, day, org) serves the sums over
        # every org (the city) and a day's figures. A stock (see orgs.tallies.STOCK_DAY) is a
        # single row per org and metric, found by the first.
        constraints = [
            CoveringUniqueConstraint(
                fields=["org", "metric", "day"], covering=["value"], name="tally_once"
            ),
        ]
        indexes = [
            CoveringIndex(fields=["metric", "day", "org"], covering=["value"], name="tally_by_day")
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.org_id} {self.day}: {self.value}"
