from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet


class Audience(models.TextChoices):
    # The same three audiences as activities (events.models.Audience); a feature app does not
    # import another's models, so the choices are repeated, values and all.
    SUBTREE = "subtree", _("Members of one organisation and its units")
    MEMBERS = "members", _("All members")
    PUBLIC = "public", _("Everyone (public)")


class InstructorQuerySet(ScopedQuerySet["Instructor"]):
    org_path_lookup = "org__path"


class Instructor(models.Model):
    """A person who teaches lessons (讲师): a profile kept by an org, not an account."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=40)
    unit = models.CharField(_("unit"), max_length=120, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstructorQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class CourseQuerySet(ScopedQuerySet["Course"]):
    org_path_lookup = "org__path"


class Course(models.Model):
    """A course of short lessons published by an org to an audience."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("publisher"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    audience_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("for members of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    instructors = models.ManyToManyField(Instructor, related_name="courses", blank=True)
    tags = models.CharField(_("tags"), max_length=200, blank=True)
    # The share of a lesson that must have been heard (or watched) for it to count as done.
    completion_percent = models.PositiveSmallIntegerField(default=90)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(audience="subtree") | Q(audience_org__isnull=False),
                name="course_subtree_has_org",
            ),
            models.CheckConstraint(
                condition=Q(completion_percent__gte=1, completion_percent__lte=100),
                name="course_completion_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


def _lesson_media(instance: "Lesson", filename: str) -> str:
    return f"learning/lessons/{instance.course_id}/{filename}"


class Lesson(models.Model):
    """A short lesson: audio (most couriers listen on the move), video, or an article. Its
    media is stored under the data folder (never the web root) and served with ranges."""

    class Kind(models.TextChoices):
        AUDIO = "audio", _("Audio")
        VIDEO = "video", _("Video")
        ARTICLE = "article", _("Article")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    instructor = models.ForeignKey(
        Instructor, null=True, blank=True, on_delete=models.SET_NULL, related_name="lessons"
    )
    media = models.FileField(upload_to=_lesson_media, max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    # Read from the file itself when it is uploaded, never taken from the uploader.
    duration_ms = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveBigIntegerField(default=0)
    bitrate = models.PositiveIntegerField(default=0)
    text = models.TextField(_("transcript or text"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="article") | Q(duration_ms__gt=0), name="lesson_media_has_duration"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def duration_seconds(self) -> int:
        return (self.duration_ms + 500) // 1000


class LessonProgress(models.Model):
    """What one member has truly played of one lesson: the union of the intervals played
    (milliseconds, see learning.intervals), the resume position, completion stamped once."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    # The member's union when they first played the lesson: the org its figures count at, so
    # that a later transfer leaves past figures where they happened.
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    intervals = models.JSONField(default=list)
    covered_ms = models.PositiveIntegerField(default=0)
    position_ms = models.PositiveIntegerField(default=0)
    # The client's time of the report that set the position: an older report arriving late
    # (an offline queue) never moves it back.
    position_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "lesson"], name="progress_once"),
        ]
        indexes = [models.Index(fields=["org", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.lesson_id}"


class ProgressEvent(models.Model):
    """One played interval as the player reported it, kept once per (member, client id): a
    replayed heartbeat or a re-sent offline queue finds its id and changes nothing. `credit_ms`
    is what the interval added to the union (the listening-time tallies are its sums)."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=64)
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    start_ms = models.PositiveIntegerField()
    end_ms = models.PositiveIntegerField()
    credit_ms = models.PositiveIntegerField()
    played_at = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "client_id"], name="progress_event_once"),
        ]

    def __str__(self) -> str:
        return self.client_id


class CampaignQuerySet(ScopedQuerySet["Campaign"]):
    org_path_lookup = "org__path"


class Campaign(models.Model):
    """A study campaign (学习活动) an org runs over a period: lessons to complete (and the book
    they accompany), and how many of them count as taking part."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    book = models.CharField(_("book"), max_length=120, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    lessons = models.ManyToManyField(Lesson, related_name="campaigns", blank=True)
    # The participation rule: this many of its lessons completed.
    min_lessons = models.PositiveSmallIntegerField(_("lessons to complete"), default=0)
    # A short quiz drawn from the campaign's question pool (0 questions: no quiz to pass).
    quiz_size = models.PositiveSmallIntegerField(_("questions per quiz"), default=0)
    quiz_pass_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=60)
    quiz_attempts_per_day = models.PositiveSmallIntegerField(_("attempts a day"), default=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """A member's part in a campaign, kept up to date by the actions that change it (a lesson
    completed), so figures by unit are a grouped count, never a replay."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    # The member's union when they joined the campaign: the unit they count for.
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    lessons_completed = models.PositiveSmallIntegerField(default=0)
    joined_at = models.DateTimeField()
    quiz_passed_at = models.DateTimeField(null=True, blank=True)
    # Stamped once, when the rules are first met; never cleared.
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="participant_once"),
        ]
        indexes = [models.Index(fields=["campaign", "org"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.member_id}"


class Question(models.Model):
    """A question of a campaign's pool: each quiz draws `quiz_size` of them at random."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    choices = models.JSONField()  # 2 to 6 strings
    answer = models.PositiveSmallIntegerField()  # the index of the right choice

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text


class QuizAttempt(models.Model):
    """One try at a campaign's quiz: the questions drawn, then the answers, graded once."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    questions = models.JSONField()  # question ids, in the order shown
    answers = models.JSONField(null=True)
    correct = models.PositiveSmallIntegerField(default=0)
    passed = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["campaign", "member", "day"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.member_id}/{self.day}"


class Certificate(models.Model):
    """A certificate of a completed course or campaign, issued once, verifiable by the signed
    code its QR carries (learning.certificates) on the public page /learn/verify/<code>/."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, null=True, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, null=True, on_delete=models.CASCADE, related_name="+")
    # What it says, as issued: a later rename of the course changes no certificate. The name
    # is the member's own (not copied), so anonymising a former member clears it here too.
    title = models.CharField(max_length=120)
    issuer = models.CharField(max_length=120)
    completed_on = models.DateField()
    issued_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(course__isnull=True, campaign__isnull=False)
                | Q(course__isnull=False, campaign__isnull=True),
                name="certificate_of_one_thing",
            ),
            models.UniqueConstraint(
                fields=["member", "course"],
                condition=Q(course__isnull=False),
                name="certificate_once_per_course",
            ),
            models.UniqueConstraint(
                fields=["member", "campaign"],
                condition=Q(campaign__isnull=False),
                name="certificate_once_per_campaign",
            ),
        ]

    def __str__(self) -> str:
        return self.title
