"""Scoped reads of the dashboards: which org a user may look at, the subtree picker's choices,
and export jobs. Everything goes through dashboards.view (viewers and above)."""

from django.http import Http404

from gonghui.accounts.models import AnyUser
from gonghui.core.capabilities import Capability
from gonghui.dashboards.models import ExportJob
from gonghui.orgs.models import Org, OrgKind
from gonghui.orgs.queries import get_org_for, home_org_for, scope_of

CAPABILITY: Capability = "dashboards.view"
PICKER_LIMIT = 500


def get_dashboard_org(user: AnyUser, org_id: int | str | None) -> Org:
    """The org whose dashboard is asked for (else the user's home org); 404 alike for a
    missing org and one outside the user's scope."""
    if org_id in (None, ""):
        org = home_org_for(user, CAPABILITY)
        if org is None:
            raise Http404
        return org
    return get_org_for(user, org_id, CAPABILITY)


def list_org_choices(user: AnyUser, selected: Org) -> list[tuple[int, str]]:
    """The subtree picker: the federations, street and industry unions the user may see (in
    tree order, indented), their own top orgs and the selected one. Enterprise unions and
    stations, which may number thousands, are reached through the drill-down links."""
    paths = scope_of(user, CAPABILITY)
    orgs = Org.objects.visible_to(user, CAPABILITY)
    wide = orgs.exclude(kind__in=[OrgKind.ENTERPRISE, OrgKind.STATION])
    listed = {org.pk: org for org in wide.order_by("path")[:PICKER_LIMIT]}
    for org in orgs.filter(path__in=[*(paths or []), selected.path]):
        listed.setdefault(org.pk, org)
    ordered = sorted(listed.values(), key=lambda org: org.path)
    top = min((org.depth for org in ordered), default=0)
    return [(org.pk, "　" * (org.depth - top) + org.name) for org in ordered]


def get_export_for(user: AnyUser, job_id: int | str) -> ExportJob:
    """An export of an org whose dashboard the user may see; 404 alike otherwise."""
    try:
        return (
            ExportJob.objects.visible_to(user, CAPABILITY)
            .select_related("org", "created_by")
            .get(pk=int(job_id))
        )
    except (ExportJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
