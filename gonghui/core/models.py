from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet


class AuditEntryQuerySet(ScopedQuerySet["AuditEntry"]):
    org_path_lookup = "org__path"


class AuditEntry(models.Model):
    """One state change: who did what to which object, in which org, and what changed.

    Written by actions, never by save() or signals, so bulk updates are recorded too. The diff
    never holds personal data in clear: actions pass masked values.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"


class IdempotencyRecord(models.Model):
    """The first response to a write that carried an Idempotency-Key, for replaying retries."""

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=200)
    request_fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return self.key

    def headers(self) -> dict[str, Any]:
        return {"Content-Type": self.content_type, "Idempotent-Replayed": "true"}


class ImportJobQuerySet(ScopedQuerySet["ImportJob"]):
    org_path_lookup = "org__path"


class ImportJob(models.Model):
    """One uploaded spreadsheet: checked row by row (dry run), then imported on confirmation."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked: waiting for confirmation")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(max_length=40)
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to="imports/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CHECKING)
    failure = models.TextField(blank=True)
    column_map = models.JSONField(default=dict, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)
    # Problems (ImportProblem rows): errors refuse a row, warnings say what was decided.
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    refused_rows = models.PositiveIntegerField(default=0)
    warned_rows = models.PositiveIntegerField(default=0)  # rows that import, with a warning
    # Refused rows by reason (a problem's code → rows with at least one problem of that code).
    reasons = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    # SHA-256 of the uploaded file: the same file imported twice is refused.
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # The uploaded file written back with a 问题 column (core.spreadsheets.annotated_workbook).
    annotated = models.FileField(upload_to="imports/", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Beaten every few seconds by the worker running the job (null until one starts it): a
    # running job whose heartbeat stops is failed by core.imports.fail_stalled_jobs.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} · {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.CHECKING, self.Status.IMPORTING}

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.checked_rows / self.total_rows))


class ImportProblem(models.Model):
    """One problem of one row of an import job: an error refuses the row, a warning says what
    was decided for a row that imports. Stored rather than kept on the job so that a file with
    100,000 problems is paged and filtered, never held or shown at once."""

    class Kind(models.TextChoices):
        ERROR = "error", _("Error")
        WARNING = "warning", _("Warning")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    code = models.CharField(max_length=40, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["row", "pk"]
        indexes = [
            models.Index(fields=["job", "row"], name="core_importproblem_job_row"),
            models.Index(fields=["job", "kind", "row"], name="core_importproblem_kind"),
            models.Index(fields=["job", "column", "row"], name="core_importproblem_column"),
        ]

    def __str__(self) -> str:
        return f"{self.row} {self.column}: {self.message}"


class RateCounter(models.Model):
    """One rate-limit window of the database store (core/ratelimits.py): how many times `key`
    was counted since the window opened. `key` is a keyed hash (it is built from IP addresses
    and mobile numbers); `expires_at` is Unix time in milliseconds."""

    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField()
    expires_at = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.count}"
