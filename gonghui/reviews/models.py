"""The one review mechanism: calls for entries, versioned rubrics, submissions with their
attachments, juror assignments and scores, decisions, and public polls with a hash-chained
tally log. Feature apps (innovation, safety) set a call's `kind` and categories; nothing here
knows what a 五小 or a 安康杯 is."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet


class CallQuerySet(ScopedQuerySet["Call"]):
    pass


class Call(models.Model):
    """A call for entries run by an org: who may enter, the phases' dates, the form and the
    attachments it takes. The rubric is versioned apart (`Rubric`)."""

    class Audience(models.TextChoices):
        MEMBERS = "members", _("Members of the subtree")
        UNITS = "units", _("Unions of the subtree (nominations)")

    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.MEMBERS
    )
    #: the categories an entry chooses from (for 五小: the five), as [value, label] pairs
    categories = models.JSONField(default=list, blank=True)
    #: extra fields of the entry form: [{"name", "label", "required"}]
    form_fields = models.JSONField(default=list, blank=True)
    max_attachments = models.PositiveSmallIntegerField(_("attachments per entry"), default=6)
    max_attachment_bytes = models.PositiveIntegerField(
        _("largest attachment (bytes)"), default=20 * 1024 * 1024
    )
    #: which of "photo", "document", "video" an entry may carry
    attachment_kinds = models.JSONField(default=list, blank=True)
    #: authors' names hidden from jurors while they score (blind review)
    anonymous_review = models.BooleanField(_("anonymous review"), default=False)
    submissions_open = models.DateTimeField(_("submissions open"))
    submissions_close = models.DateTimeField(_("submissions close"))
    review_closes = models.DateTimeField(_("review closes"))
    results_on = models.DateField(_("results announced on"))
    review_started_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-submissions_open", "-id"]
        indexes = [models.Index(fields=["kind", "org"])]

    def __str__(self) -> str:
        return self.title

    def category_label(self, value: str) -> str:
        labels: dict[str, str] = dict(self.categories)
        return labels.get(value, value)


class Rubric(models.Model):
    """One version of a call's rubric. A change is a new version; once review has started no
    version may be added (jurors would be scoring against a moving target)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rubrics")
    version = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["call", "version"], name="rubric_one_version"),
        ]

    def __str__(self) -> str:
        return f"{self.call} v{self.version}"


class Criterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("criterion"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"))
    min_score = models.SmallIntegerField(_("lowest score"), default=0)
    max_score = models.SmallIntegerField(_("highest score"))

    class Meta:
        ordering = ["rubric", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "position"], name="criterion_position"),
            models.CheckConstraint(
                condition=models.Q(max_score__gt=models.F("min_score")),
                name="criterion_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SubmissionQuerySet(ScopedQuerySet["Submission"]):
    org_path_lookup = "call__org__path"


class Submission(models.Model):
    """An entry to a call: by a member (with co-authors), or by a union for a nomination.
    `org` is the unit it comes from: the author's union, or the nominating union."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Decision(models.TextChoices):
        NONE = "", _("Not decided")
        REJECTED = "rejected", _("Not accepted")
        ACCEPTED = "accepted", _("Accepted")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        AWARDED = "awarded", _("Awarded")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="submissions")
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    co_authors = models.ManyToManyField("members.Member", blank=True, related_name="+")
    #: who a union nominates (a name, for 创新工匠 nominations)
    nominee = models.CharField(_("nominee"), max_length=40, blank=True)
    category = models.CharField(_("category"), max_length=30, blank=True)
    title = models.CharField(_("title"), max_length=120)
    summary = models.TextField(_("summary"))
    answers = models.JSONField(default=dict, blank=True)
    #: what jurors see instead of the author in a blind review
    code = models.CharField(max_length=8, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    decision = models.CharField(
        _("decision"), max_length=12, choices=Decision.choices, default="", blank=True
    )
    award_level = models.CharField(_("award level"), max_length=40, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["call", "id"]
        indexes = [
            models.Index(fields=["call", "status"]),
            models.Index(fields=["decision", "decided_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def answered(self) -> list[tuple[str, str]]:
        """The call's extra questions with this entry's answers (select the call with it)."""
        return [(q["label"], str(self.answers.get(q["name"], ""))) for q in self.call.form_fields]

    @property
    def category_label(self) -> str:
        """The category as the call names it (select the call with the entry)."""
        return self.call.category_label(self.category) if self.category else ""


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"reviews/{instance.submission_id}/{instance.stored_name}"


class Attachment(models.Model):
    """A photo, document or video of an entry, checked by its content. Stored under
    MEDIA_ROOT, which the web server does not serve: a view streams it to who may see it."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        DOCUMENT = "document", _("Document (PDF)")
        VIDEO = "video", _("Video (MP4)")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    stored_name = "file.bin"  # set by the action before saving

    class Meta:
        ordering = ["submission", "id"]

    def __str__(self) -> str:
        return self.original_name


class Conflict(models.Model):
    """A conflict a juror declared: they will not review entries from this unit's subtree."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["call", "reviewer", "org"], name="conflict_once_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return self.reason


class Assignment(models.Model):
    """A juror asked to score one entry. Done once every criterion has its score."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["submission", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "reviewer"], name="assignment_once_per_juror"
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.reviewer_id} → {self.submission_id}"


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.SmallIntegerField()
    comment = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_once"),
        ]

    def __str__(self) -> str:
        return str(self.value)


class PollQuerySet(ScopedQuerySet["Poll"]):
    org_path_lookup = "call__org__path"


class Poll(models.Model):
    """A public vote (网络投票) over a call's shortlist. The weights of jury and vote are set
    before it opens; opening freezes the candidates and the electorate."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Not open yet")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Result published")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="polls")
    #: the electorate: active members of this org's subtree when the poll opens
    electorate_org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    jury_weight = models.PositiveSmallIntegerField(_("jury weight (%)"))
    vote_weight = models.PositiveSmallIntegerField(_("public vote weight (%)"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    frozen_at = models.DateTimeField(null=True, blank=True)
    electorate_size = models.PositiveIntegerField(default=0)
    #: ballots in the tally log, and the hash of its last entry (the chain's head): both set
    #: when the vote closes and the log is sealed
    ballots_cast = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    #: the published result: {"counted": n, "set_aside": n, "candidates": [...]}
    result = models.JSONField(default=dict, blank=True)

    objects = PollQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(jury_weight__lte=100, vote_weight__lte=100),
                name="poll_weights_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Candidate(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="candidates")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["poll", "position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "submission"], name="candidate_once"),
        ]

    def __str__(self) -> str:
        return str(self.submission_id)


class Elector(models.Model):
    """One member of the electorate frozen when the poll opened."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="electors")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="elector_once"),
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}:{self.member_id}"


class Ballot(models.Model):
    """One member's one vote in a poll, final when cast. The unique (poll, member) row is the
    guarantee of one member, one vote across every device and channel. When the vote closes
    the ballots are sealed into the tally log in the order they were cast: `seq`, `prev_hash`
    and `entry_hash` make each an entry of the hash chain, which names no one; the voter keeps
    `receipt` (given at once) to find their entry."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="ballots")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="ballots")
    seq = models.PositiveIntegerField(null=True, blank=True)
    receipt = models.CharField(max_length=16, unique=True)
    cast_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, blank=True)
    # Anti-brushing signals, as keyed hashes (nothing readable back): network and device.
    ip_hash = models.CharField(max_length=64, blank=True)
    device_hash = models.CharField(max_length=64, blank=True)
    quarantined_at = models.DateTimeField(null=True, blank=True)
    quarantine_reason = models.CharField(max_length=200, blank=True)
    quarantined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["poll", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="ballot_one_per_member"),
            models.UniqueConstraint(fields=["poll", "seq"], name="ballot_seq"),
        ]
        indexes = [
            models.Index(fields=["poll", "ip_hash"]),
            models.Index(fields=["poll", "device_hash"]),
        ]

    def __str__(self) -> str:
        return self.receipt
