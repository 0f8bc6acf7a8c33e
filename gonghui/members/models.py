from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core import capabilities
from gonghui.core.capabilities import Capability
from gonghui.core.fields import EncryptedTextField, LookupHashField
from gonghui.core.scoping import ScopedQuerySet, Viewer
from gonghui.core.tree import subtree_q
from gonghui.members.choices import (
    ETHNICITIES,
    Education,
    Gender,
    JobType,
    PoliticalStatus,
)


class RecruitmentEventQuerySet(ScopedQuerySet["RecruitmentEvent"]):
    org_path_lookup = "org__path"


class RecruitmentEvent(models.Model):
    """An on-site recruitment event (双沟通): a poster with a QR code people scan to join.

    Applications from its link go to `org` (the union that reviews them): the enterprise's
    union when it has one, otherwise the street or industry union running the event.
    """

    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("receiving union"),
        on_delete=models.PROTECT,
        related_name="recruitment_events",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recruitment_events",
    )
    title = models.CharField(_("title"), max_length=120)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    target = models.PositiveIntegerField(_("target number of applications"), default=0)
    gift_name = models.CharField(_("welcome gift"), max_length=60, blank=True)
    gift_stock = models.PositiveIntegerField(_("welcome gifts in stock"), default=0)
    gifts_given = models.PositiveIntegerField(default=0)
    # The short code in the joining link and the poster's fallback URL.
    code = models.CharField(max_length=12, unique=True)
    scans = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RecruitmentEventQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("recruitment event")
        verbose_name_plural = _("recruitment events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(gifts_given__lte=models.F("gift_stock")), name="event_gifts_in_stock"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PersonFields(models.Model):
    """What the membership form (会员信息采集表) records about a person."""

    name = models.CharField(_("full name"), max_length=40)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    # The choice fields may be empty on a member imported from a roster without that column:
    # unknown, never a guessed default (the export shows them empty).
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITIES, blank=True)
    id_number = EncryptedTextField(_("ID number"), kind="id_number")
    # Indexed in each model's Meta: db_index would add a useless LIKE index on PostgreSQL.
    # Nullable: anonymisation (members.retention) clears the numbers and their hashes.
    id_number_hash = LookupHashField(source="id_number", kind="id_number", null=True)
    mobile = EncryptedTextField(_("mobile number"), kind="mobile")
    mobile_hash = LookupHashField(source="mobile", kind="mobile", null=True)
    employer_name = models.CharField(_("employer or platform"), max_length=120, blank=True)
    has_employer_union = models.BooleanField(_("the employer has a union"), default=False)
    job_type = models.CharField(_("job type"), max_length=20, choices=JobType.choices, blank=True)
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices, blank=True
    )
    # Set once the retention period passed and the person's data was cleared (retention.py).
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class ApplicationQuerySet(ScopedQuerySet["Application"]):
    org_path_lookup = "org__path"


class Application(PersonFields):
    """A request to join the union, from the phone form, the API or a staff device."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")

    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("receiving union"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    event = models.ForeignKey(
        RecruitmentEvent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reject_reason = models.CharField(_("reason"), max_length=200, blank=True)
    consent_version = models.CharField(max_length=20)
    consented_at = models.DateTimeField()
    # The form's one-time token (or the API's Idempotency-Key): a retried submission finds
    # the application it already created instead of making a second one.
    submission_key = models.CharField(max_length=64, unique=True)
    # Secret for the applicant's status link; nothing else identifies them in a URL.
    receipt = models.CharField(max_length=32, unique=True)
    # "web" (an event's phone form), "online" (joining without an event), "api", ...
    channel = models.CharField(max_length=10, default="web")
    gift_given_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        # No "one open application per person" constraint: refusing a second one would tell
        # a stranger that the ID number has applied. Reviewers see it flagged instead.
        indexes = [
            models.Index(fields=["org", "status", "submitted_at"]),
            models.Index(fields=["event", "status"]),
            models.Index(fields=["id_number_hash"]),
            models.Index(fields=["mobile_hash"]),
        ]

    # The channel of an application sent from /join/, without a recruitment event.
    ONLINE = "online"

    def __str__(self) -> str:
        return f"{self.name} · {self.get_status_display()}"

    @property
    def is_self_service(self) -> bool:
        """Sent online by the worker without an event (shown so in the review queue)."""
        return self.channel == self.ONLINE


class MemberQuerySet(ScopedQuerySet["Member"]):
    org_path_lookup = "org__path"


class Member(PersonFields):
    """A union member. Membership belongs to the person and follows them between unions."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out of the system")
        LAPSED = "lapsed", _("Lapsed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DECEASED = "deceased", _("Deceased")

    number = models.CharField(_("member number"), max_length=24, unique=True)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("union"), on_delete=models.PROTECT, related_name="members"
    )
    # The job as a roster wrote it when it matched none of the job types (job_type is then
    # "other"): kept so that nothing the clerk typed is lost.
    job_type_text = models.CharField(_("job as written"), max_length=60, blank=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    leave_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    # Bumped when a card is revoked: older cards then fail the online check.
    card_version = models.PositiveIntegerField(default=1)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    recruitment_event = models.ForeignKey(
        RecruitmentEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            # A person is a member once, wherever they move.
            models.UniqueConstraint(fields=["id_number_hash"], name="member_one_per_person"),
        ]
        indexes = [
            models.Index(fields=["org", "status"]),
            models.Index(fields=["joined_on"]),
            # id_number_hash is indexed by its unique constraint.
            models.Index(fields=["mobile_hash"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class MemberSequence(models.Model):
    """The last member number handed out per union (locked while numbering)."""

    org = models.OneToOneField("orgs.Org", on_delete=models.CASCADE, related_name="+")
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.org_id}: {self.last}"


class Episode(models.Model):
    """One stretch of a membership at one union and employer (会员关系接转 history)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="episodes")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    employer_name = models.CharField(max_length=120, blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["started_on", "id"]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.org_id} from {self.started_on}"


class TransferQuerySet(ScopedQuerySet["Transfer"]):
    org_path_lookup = "to_org__path"

    def visible_to(self, user: Viewer, capability: Capability) -> "TransferQuerySet":
        """Both unions see a transfer: the one it leaves and the one it goes to."""
        capabilities.check(capability)
        if isinstance(user, AnonymousUser):
            return self.none()
        paths = user.scope_paths(capability)
        if paths is None:
            return self.all()
        return self.filter(subtree_q("to_org__path", paths) | subtree_q("from_org__path", paths))


class Transfer(models.Model):
    """A move of a membership from one union to another, accepted by the receiving union."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the receiving union")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    to_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("receiving union"), on_delete=models.PROTECT, related_name="+"
    )
    new_employer_name = models.CharField(_("new employer or platform"), max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="pending"), name="transfer_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.from_org_id} → {self.to_org_id}"


class ConsentWithdrawal(models.Model):
    """A worker withdrew their consent to the processing of their personal data (PIPL art.
    15): their membership ended and their pending applications were withdrawn."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField()
    applications_withdrawn = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["withdrawn_at", "pk"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.withdrawn_at:%Y-%m-%d}"


class MemberExport(models.Model):
    """The members list written to .xlsx in the background, with its progress: a large
    union's list takes longer than a request may. The file holds the list's personal data
    (masked unless `unmasked`), so only its requester may download it; it is deleted with
    the other stale files (members.exports.discard_stale_exports)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    within = models.ForeignKey(
        "orgs.Org", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The list's filters (members.queries.MemberFilters), dates as ISO text.
    filters = models.JSONField(default=dict, blank=True)
    unmasked = models.BooleanField(default=False)
    language = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", max_length=200, blank=True)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"members export {self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, round(100 * self.done / self.total)) if self.total else 0
