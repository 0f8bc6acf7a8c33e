"""Volunteer service (志愿服务): teams (志愿服务队) with leaders and members, service sites,
projects with shifts by date, time slot and group, and the hours served.

A shift is a checkpoint of the check-in mechanism (kind `shift`, records departures): sign-up
is a checkins Registration (capacity, no waiting list), reporting for duty (报到) a CheckIn
and its departure `CheckIn.left_at`. Hours are computed from those actual times
(`hours.py`, ADR 0020) and certified by a leader into an append-only `Certification`;
corrections are requests decided by someone else, never edits. A volunteer's record is kept
by `Member` (the person and their number, which a transfer to another union keeps), never by
employer or union."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet


class OrgScoped[M: models.Model](ScopedQuerySet[M]):
    org_path_lookup = "org__path"


class Team(models.Model):
    """A volunteer team of an org: a union's 志愿服务队, a station's courier team."""

    class Kind(models.TextChoices):
        UNION = "union", _("Union volunteer team")
        COURIERS = "couriers", _("Courier team")
        OTHER = "other", _("Other team")

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.UNION)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgScoped["Team"].as_manager()

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    is_leader = models.BooleanField(_("leader"), default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "member"], name="team_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.team_id}"


class Site(models.Model):
    """Where volunteers serve. A station is referenced by its checkpoint (a feature never
    imports another feature's models): the site is then the station's place of service."""

    class Kind(models.TextChoices):
        COMMUNITY = "community", _("Community")
        STATION = "station", _("Station")
        STREET = "street", _("Street corner")

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200)
    contact = models.CharField(_("contact"), max_length=120, blank=True)
    station_checkpoint = models.ForeignKey(
        "checkins.Checkpoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "station"},
    )

    objects = OrgScoped["Site"].as_manager()

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A service project (志愿服务项目) an org organises: 月末清洁日, 新时代文明实践周 …"""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Sign-ups may be cancelled or swapped until this many hours before the shift starts.
    cutoff_hours = models.PositiveSmallIntegerField(
        _("cancel or swap until (hours before)"), default=24
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgScoped["Project"].as_manager()

    def __str__(self) -> str:
        return self.title


class ShiftQuerySet(ScopedQuerySet["Shift"]):
    org_path_lookup = "project__org__path"


class Shift(models.Model):
    """One time slot of a project at a site for one group (分组分时段), with its places."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="shifts")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="shifts")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts"
    )
    group = models.CharField(_("group"), max_length=60)
    tasks = models.CharField(_("tasks"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    places = models.PositiveIntegerField(_("places"))
    checkpoint = models.OneToOneField(
        "checkins.Checkpoint", on_delete=models.PROTECT, related_name="+"
    )

    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "group", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="shift_places_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.group} {self.starts_at}"


class Certification(models.Model):
    """A leader's certification of one person's hours on one shift (谁组织谁记录，谁记录谁证明):
    the times it was computed from, the minutes credited and who certified. Written once, never
    changed: an approved Correction supersedes it."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="certifications")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    arrived_at = models.DateTimeField()
    left_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    certified_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shift", "member"], name="certification_once"),
            models.CheckConstraint(
                condition=Q(left_at__gte=F("arrived_at")), name="certification_left_after_arrival"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.shift_id}: {self.minutes} min"


class Correction(models.Model):
    """A request to correct the times of one person's shift, decided by a leader who is neither
    the volunteer nor the requester. Approved, it is the record's times from then on; the
    certification and the check-in stay as they were."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="corrections")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    arrived_at = models.DateTimeField(_("arrival"))
    left_at = models.DateTimeField(_("departure"))
    minutes = models.PositiveIntegerField()
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_at__gt=F("arrived_at")), name="correction_left_after_arrival"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.shift_id}: {self.status}"


def new_serial() -> str:
    return secrets.token_hex(8)


class Certificate(models.Model):
    """A certificate of a volunteer's certified hours in a year, as issued: what its signed QR
    code and the public verify page show."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(max_length=16, unique=True, default=new_serial)
    year = models.PositiveSmallIntegerField()
    minutes = models.PositiveIntegerField()
    shifts = models.PositiveIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.serial


class Reminder(models.Model):
    """A reminder texted for a shift: once per person and shift."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shift", "member"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.shift_id}"
