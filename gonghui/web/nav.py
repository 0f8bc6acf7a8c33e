"""The staff sidebar: its links, and which one is the current page.

The current link is the one whose address is the longest prefix of the request's path, so
/staff/dashboard/screen/ marks "Big screen", /staff/dashboard/activities/ "Dashboard" and
an application's page "Applications"; /staff/ itself marks "Overview" only when it is the
page (every staff address starts with it).
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str | Promise
    current: bool = False


SIDEBAR: list[tuple[str, str | Promise]] = [
    ("web:staff_home", _("Overview")),
    ("dashboards:home", _("Dashboard")),
    ("dashboards:screen", _("Big screen")),
    ("orgs:tree", _("Organisations")),
    ("enterprises:list", _("Enterprises")),
    ("enterprises:board", _("Founding board")),
    ("enterprises:coverage", _("Coverage")),
    ("members:events", _("Recruitment")),
    ("members:review", _("Applications")),
    ("members:members", _("Members")),
    ("members:transfers", _("Transfers")),
    ("events:staff_list", _("Activities")),
    ("stations:staff_list", _("Stations")),
    ("volunteers:staff_projects", _("Volunteer service")),
    ("innovation:staff_calls", _("Innovation")),
    ("benefits:staff_services", _("Member services")),
    ("care:list", _("Care campaigns")),
    ("care:reconciliation", _("Reconciliation")),
    ("care:ledger", _("Ledger")),
    ("learning:staff_home", _("Learning")),
    ("accounts:staff_list", _("Staff accounts")),
    ("accounts:roles", _("Roles")),
    ("web:audit_log", _("Audit log")),
    ("accounts:tokens", _("API tokens")),
    ("api:openapi-view", _("API documentation")),
]
EXACT_ONLY = {"web:staff_home"}


def sidebar(path: str, *, superuser: bool) -> list[NavLink]:
    entries = [(name, reverse(name), label) for name, label in SIDEBAR]
    if superuser:
        entries.append(("admin:index", reverse("admin:index"), _("Platform admin")))
    matching = [
        url
        for name, url, _label in entries
        if path == url or (name not in EXACT_ONLY and path.startswith(url))
    ]
    current = max(matching, key=len, default=None)
    return [NavLink(url, label, url == current) for _name, url, label in entries]
