from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet


class Category(models.TextChoices):
    BENEFIT = "benefit", _("Benefit activity")
    SEMINAR = "seminar", _("Seminar")
    CONTEST = "contest", _("Contest")
    DRILL = "drill", _("Drill")
    SHOWCASE = "showcase", _("Showcase")
    STUDY = "study", _("Study")
    VOLUNTEER = "volunteer", _("Volunteer service")
    CONDOLENCE = "condolence", _("Condolence visit")
    OTHER = "other", _("Other")


class Audience(models.TextChoices):
    SUBTREE = "subtree", _("Members of one organisation and its units")
    MEMBERS = "members", _("All members")
    PUBLIC = "public", _("Everyone (public)")


class ActivityQuerySet(ScopedQuerySet["Activity"]):
    org_path_lookup = "org__path"


class Activity(models.Model):
    """An activity (普惠活动, seminar, drill …) whose registration and check-in run on its
    checkpoint (gonghui.checkins)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    checkpoint = models.OneToOneField(
        "checkins.Checkpoint", on_delete=models.PROTECT, related_name="activity"
    )
    title = models.CharField(_("title"), max_length=120)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
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
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField(_("report"), blank=True)
    report_published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(audience="subtree") | Q(audience_org__isnull=False),
                name="activity_subtree_has_org",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["category", "starts_at"]),
        ]

    def __str__(self) -> str:
        return self.title


def photo_path(instance: "ActivityPhoto", filename: str) -> str:
    return f"activities/{instance.activity_id}/{instance.stored_name}"


class ActivityPhoto(models.Model):
    """A picture of an activity: part of its description, or of its report afterwards.
    Uploads are checked, resized and stripped of EXIF (location) before they are stored."""

    class Use(models.TextChoices):
        DESCRIPTION = "description", _("Description")
        REPORT = "report", _("Report")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    use = models.CharField(max_length=12, choices=Use.choices)
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
