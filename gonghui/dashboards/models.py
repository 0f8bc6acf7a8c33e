from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet


class ExportJobQuerySet(ScopedQuerySet["ExportJob"]):
    org_path_lookup = "org__path"


class ExportJob(models.Model):
    """A dashboard table written to an Excel file in the background, with its progress.

    The file holds figures, never personal data. It is stored under MEDIA_ROOT, which the web
    server does not serve: a view streams it to staff who may see the org's dashboard.
    """

    class Kind(models.TextChoices):
        EVENTS = "events", _("Recruitment events")
        JOB_TYPES = "job_types", _("Recruited members by job type")
        SERIES = "series", _("Membership over time")
        ACTIVITIES = "activities", _("Activities")
        ORGS = "orgs", _("Figures by organisation")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    # The language the file's headings are written in: the requester's, not the worker's.
    language = models.CharField(max_length=10)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", max_length=200, blank=True)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} · {self.org_id} · {self.period_start}–{self.period_end}"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, round(100 * self.done / self.total))
