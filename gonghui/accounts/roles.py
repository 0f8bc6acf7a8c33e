"""The one table of roles and the capabilities each grants.

A grant of a role on an org gives its capabilities on that org and everything below it.
Capabilities are named `<app>.<verb>`; later apps add theirs here, nowhere else.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FEDERATION_ADMIN = "federation_admin", _("Federation administrator")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    REVIEWER = "reviewer", _("Reviewer")
    OPERATOR = "operator", _("Operator")
    VIEWER = "viewer", _("Viewer")


CAPABILITY_LABELS = {
    "orgs.view": _("See organisations"),
    "orgs.manage": _("Create and edit organisations"),
    "orgs.move": _("Move organisations in the tree"),
    "accounts.view": _("See staff accounts"),
    "accounts.manage": _("Create staff accounts and grant roles"),
    "audit.view": _("Read the audit log"),
    "personal_data.view": _("See personal data unmasked (each view is logged)"),
    "enterprises.view": _("See enterprises, founding cases and coverage"),
    "enterprises.manage": _("Register, edit and import enterprises"),
    "founding.manage": _("Move founding cases and attach their documents"),
    "imports.run": _("Import spreadsheets"),
    "members.view": _("See members, applications and recruitment figures"),
    "members.recruit": _("Run recruitment events and hand out welcome gifts"),
    "members.review": _("Approve or reject applications and accept transfers"),
    "members.manage": _("Edit members, start transfers, record leaving and revoke cards"),
    "members.export_personal": _("Export member lists with ID and mobile numbers unmasked"),
    "events.manage": _("Publish activities and manage their registrations"),
    "checkins.scan": _("Run check-in: show rotating codes, scan cards, upload offline scans"),
    "benefits.manage": _("Manage service providers, services and member offers"),
    "stations.manage": _("Manage stations and their check-in codes"),
    "dashboards.view": _("See dashboards and export their figures"),
}

_VIEWER = {"orgs.view", "enterprises.view", "members.view", "dashboards.view"}
# Operators (经办人) do the data work: registers, imports, founding cases, recruitment events.
_OPERATOR = _VIEWER | {
    "enterprises.manage",
    "founding.manage",
    "imports.run",
    "members.recruit",
    "events.manage",
    "checkins.scan",
    "benefits.manage",
    "stations.manage",
}
_REVIEWER = _VIEWER | {"personal_data.view", "members.review"}
_ORG_ADMIN = (
    _REVIEWER
    | _OPERATOR
    | {"orgs.manage", "accounts.view", "accounts.manage", "audit.view", "members.manage"}
)
# Unmasked personal-data exports leave the platform's protection: federation level only.
_FEDERATION_ADMIN = _ORG_ADMIN | {"orgs.move", "members.export_personal"}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.FEDERATION_ADMIN: frozenset(_FEDERATION_ADMIN),
    Role.ORG_ADMIN: frozenset(_ORG_ADMIN),
    Role.REVIEWER: frozenset(_REVIEWER),
    Role.OPERATOR: frozenset(_OPERATOR),
    Role.VIEWER: frozenset(_VIEWER),
}

ALL_CAPABILITIES = frozenset(CAPABILITY_LABELS)


def roles_with(capability: str) -> list[str]:
    return [role for role, caps in ROLE_CAPABILITIES.items() if capability in caps]


# Whoever holds one of these signs in with a second factor (an authenticator app): they read
# unmasked personal data, or load whole rosters of it.
TWO_FACTOR_CAPABILITIES = frozenset(
    {"personal_data.view", "members.export_personal", "imports.run"}
)
TWO_FACTOR_ROLES = frozenset(
    role for role, caps in ROLE_CAPABILITIES.items() if caps & TWO_FACTOR_CAPABILITIES
)
