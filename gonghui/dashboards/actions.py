"""The dashboards' one state change: asking for an Excel table, written in the background."""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.core import audit
from gonghui.core.errors import DomainError
from gonghui.core.periods import Period
from gonghui.core.scoping import require
from gonghui.dashboards.models import ExportJob
from gonghui.dashboards.queries import CAPABILITY
from gonghui.orgs.models import Org


@transaction.atomic
def start_export(*, actor: User, org: Org, kind: str, period: Period) -> ExportJob:
    """Queue the Excel file of one dashboard table for `org`'s subtree and the period
    (dashboards.view at `org`). The file holds figures only, so no masking applies."""
    require(actor, CAPABILITY, org.path)
    if kind not in ExportJob.Kind.values:
        raise DomainError("unknown_export", _("Unknown kind of export."))
    job = ExportJob.objects.create(
        kind=kind,
        org=org,
        period_start=period.start,
        period_end=period.end,
        language=translation.get_language() or "zh-hans",
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="dashboards.export.requested",
        org=org,
        target=job,
        changes={"kind": kind, "start": period.start.isoformat(), "end": period.end.isoformat()},
    )
    from gonghui.dashboards.tasks import run_export_job

    transaction.on_commit(lambda: run_export_job.enqueue(job.pk))
    return job
