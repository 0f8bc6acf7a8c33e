"""The one check-in mechanism: anything members check in at is a Checkpoint (an activity, a
station, a volunteer shift), with optional registration (capacity, waiting list, approval) and
three ways in — a rotating on-screen code, a scanned member card, an offline batch upload."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class CheckpointQuerySet(ScopedQuerySet["Checkpoint"]):
    org_path_lookup = "org__path"


class Checkpoint(models.Model):
    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("Activity")
        STATION = "station", _("Station")
        SHIFT = "shift", _("Volunteer shift")

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="checkpoints")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    # Check-in is open in this window (a station may have none: always open).
    opens_at = models.DateTimeField(_("check-in opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("check-in closes"), null=True, blank=True)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    requires_registration = models.BooleanField(_("registration required"), default=True)
    allows_walk_ins = models.BooleanField(_("walk-ins may check in"), default=False)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    per_person_limit = models.PositiveSmallIntegerField(_("places per person"), default=1)
    approval_required = models.BooleanField(_("registrations need approval"), default=False)
    # A station is visited day after day: a member checks in at most once a day there, and
    # once ever at anything else (an activity, a shift). See CheckIn.day.
    once_a_day = models.BooleanField(_("once a day"), default=False)
    # A volunteer shift records when each person left as well as when they came (their hours
    # are computed from both): a departure scan then sets CheckIn.left_at.
    records_departures = models.BooleanField(_("records departures"), default=False)
    # Secret of the rotating on-screen codes; never leaves the server.
    code_secret = models.CharField(max_length=64, default=new_secret, editable=False)
    # Exact counters, kept by the actions in the same transaction as the rows they count, so
    # a 10,000-person activity's figures are one row read. Change other fields with
    # QuerySet.update(): save() on a stale instance would write old counts back.
    confirmed_places = models.PositiveIntegerField(default=0)
    checked_in = models.PositiveIntegerField(default=0)
    walk_ins = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CheckpointQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(confirmed_places__lte=F("capacity")),
                name="checkpoint_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(per_person_limit__gte=1), name="checkpoint_limit_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        OFFERED = "offered", _("Place offered: confirm in time")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Not approved")
        EXPIRED = "expired", _("Offer expired")

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.CASCADE, related_name="registrations"
    )
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    places = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One live registration per member and checkpoint; a cancelled one may be redone.
            models.UniqueConstraint(
                fields=["checkpoint", "member"],
                condition=~Q(status__in=["cancelled", "rejected", "expired"]),
                name="registration_one_live_per_member",
            ),
        ]
        indexes = [models.Index(fields=["checkpoint", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.checkpoint_id}: {self.status}"

    @property
    def holds_place(self) -> bool:
        return self.status in {self.Status.CONFIRMED, self.Status.OFFERED}


class CheckIn(models.Model):
    class Method(models.TextChoices):
        SCREEN = "screen", _("Rotating on-screen code")
        CARD = "card", _("Member card scanned by staff")
        BATCH = "batch", _("Offline batch upload")
        POSTER = "poster", _("Printed code at the site")

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="checkins")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    checked_in_at = models.DateTimeField()
    # The local day of the check-in at a once-a-day checkpoint (a station visit); NULL at
    # checkpoints that count once ever. Unique indexes treat NULLs as distinct, hence two
    # partial constraints below rather than one over (checkpoint, member, day).
    day = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices)
    walk_in = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The departure, at a checkpoint that records departures: set once, by one conditional
    # UPDATE (left_at IS NULL and not before the arrival), never changed afterwards.
    left_at = models.DateTimeField(null=True, blank=True)
    left_method = models.CharField(max_length=10, choices=Method.choices, blank=True)

    class Meta:
        constraints = [
            # The second scan of the same person answers "already checked in"; never a row.
            models.UniqueConstraint(
                fields=["checkpoint", "member"],
                condition=Q(day__isnull=True),
                name="checkin_once",
            ),
            # At a once-a-day checkpoint: the second scan the same day answers "already".
            models.UniqueConstraint(
                fields=["checkpoint", "member", "day"],
                condition=Q(day__isnull=False),
                name="checkin_once_a_day",
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=F("checked_in_at")),
                name="checkin_left_after_arrival",
            ),
        ]
        indexes = [models.Index(fields=["checkpoint", "checked_in_at"])]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.checkpoint_id}"


class ScanNonce(models.Model):
    """A scan a device sent with its own nonce: the answer, kept to replay a repeated upload."""

    device = models.CharField(max_length=64)
    nonce = models.CharField(max_length=64)
    result = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "nonce"], name="scan_nonce_once"),
        ]

    def __str__(self) -> str:
        return f"{self.device}/{self.nonce}"
