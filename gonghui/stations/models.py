"""Stations (驿站/网点): sites where outdoor workers find water, a charger and a seat, run by a
union. A member's visit is a check-in at the station's checkpoint (gonghui.checkins), counted
once a day."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet


class Amenity(models.TextChoices):
    WATER = "water", _("Drinking water")
    CHARGING = "charging", _("Phone and battery charging")
    REST = "rest", _("Seats to rest")
    TOILET = "toilet", _("Toilets")
    MICROWAVE = "microwave", _("Microwave to heat meals")
    FIRST_AID = "first_aid", _("First-aid kit")
    WIFI = "wifi", _("Wi-Fi")
    CLIMATE = "climate", _("Warm in winter, cool in summer")
    REPAIR = "repair", _("Tools for small repairs")
    UMBRELLA = "umbrella", _("Umbrellas and raincoats to borrow")


class StationQuerySet(ScopedQuerySet["Station"]):
    org_path_lookup = "org__path"


def photo_path(instance: "Station", filename: str) -> str:
    return f"stations/{instance.pk}/{instance.stored_name}"


class Station(models.Model):
    """A site with an address, opening hours and amenities. `org` is the union that runs it
    (the operator): staff see and manage the stations of their subtree, and visits are tallied
    there (see docs/decisions/0009-stations.md)."""

    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("operated by"),
        on_delete=models.PROTECT,
        related_name="stations",
    )
    checkpoint = models.OneToOneField(
        "checkins.Checkpoint", on_delete=models.PROTECT, related_name="station"
    )
    name = models.CharField(_("name"), max_length=120)
    # Where members look for a station without sharing their location: district (区) and
    # street or town (街道/镇), e.g. 昌平区 / 回龙观.
    district = models.CharField(_("district"), max_length=40)
    street = models.CharField(_("street or town"), max_length=40)
    address = models.CharField(_("address"), max_length=200)
    # ISO weekdays it opens on, "1234567" for every day.
    weekdays = models.CharField(_("open on"), max_length=7, default="1234567")
    all_day = models.BooleanField(_("open around the clock"), default=False)
    # Closing before opening means open past midnight (e.g. 18:00–02:00).
    opens = models.TimeField(_("opens at"), null=True, blank=True)
    closes = models.TimeField(_("closes at"), null=True, blank=True)
    hours_note = models.CharField(_("note on the hours"), max_length=200, blank=True)
    # Amenity codes wrapped in commas (",water,charging,"), so "has charging" is one LIKE
    # on SQLite and PostgreSQL alike.
    amenities = models.CharField(_("amenities"), max_length=200, blank=True)
    phone = models.CharField(_("station phone"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True)
    photo = models.FileField(upload_to=photo_path, max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every edit; a form carrying an older version is refused.
    version = models.PositiveIntegerField(default=1)

    objects = StationQuerySet.as_manager()

    stored_name = "photo.jpg"  # set by the action before saving a photo

    class Meta:
        ordering = ["district", "street", "name", "pk"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        constraints = [
            models.CheckConstraint(
                condition=Q(all_day=True)
                | (Q(opens__isnull=False) & Q(closes__isnull=False) & ~Q(opens=F("closes"))),
                name="station_hours_complete",
            ),
            models.CheckConstraint(condition=~Q(weekdays=""), name="station_opens_some_day"),
        ]
        indexes = [models.Index(fields=["is_active", "district", "street"])]

    def __str__(self) -> str:
        return self.name

    @property
    def amenity_codes(self) -> list[str]:
        return [code for code in self.amenities.split(",") if code]

    @property
    def amenity_labels(self) -> list[str]:
        codes = set(self.amenity_codes)
        return [str(label) for code, label in Amenity.choices if code in codes]
