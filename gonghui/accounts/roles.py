"""The one table of roles and the capabilities each grants.

A grant of a role on an org gives its capabilities on that org and everything below it.
Capabilities are named `<app>.<verb>`. A new app adds each of its capabilities to the
`Capability` type (gonghui.core.capabilities, so mypy checks every use) and here: its label
in CAPABILITY_LABELS and the roles that hold it. Importing this module fails if the two
lists differ.
"""

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.capabilities import CAPABILITIES, Capability

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class Role(models.TextChoices):
    FEDERATION_ADMIN = "federation_admin", _("Federation administrator")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    REVIEWER = "reviewer", _("Reviewer")
    OPERATOR = "operator", _("Operator")
    VIEWER = "viewer", _("Viewer")


CAPABILITY_LABELS: dict[Capability, "_StrPromise"] = {
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
    "volunteers.manage": _("Run volunteer teams, projects and shifts, and certify hours"),
    "learning.manage": _("Publish courses and lessons and run study campaigns"),
    "reviews.manage": _(
        "Run calls for entries, juries and public votes: rubrics, jurors, decisions, quarantine"
    ),
    "dashboards.view": _("See dashboards and export their figures"),
    "ledger.view": _("See the ledger, care campaigns and their reconciliation"),
    "ledger.correct": _("Correct ledger entries by reversing them"),
    "ledger.close": _("Close the ledger's periods"),
    "care.manage": _("Run care campaigns: stock, shipments and relief to people"),
}

_VIEWER: set[Capability] = {
    "orgs.view",
    "enterprises.view",
    "members.view",
    "dashboards.view",
    "ledger.view",
}
# Operators (经办人) do the data work: registers, imports, founding cases, recruitment events.
_OPERATOR: set[Capability] = _VIEWER | {
    "enterprises.manage",
    "founding.manage",
    "imports.run",
    "members.recruit",
    "events.manage",
    "checkins.scan",
    "benefits.manage",
    "stations.manage",
    "volunteers.manage",
    "care.manage",
    "learning.manage",
    "reviews.manage",
}
_REVIEWER: set[Capability] = _VIEWER | {"personal_data.view", "members.review"}
_ORG_ADMIN: set[Capability] = (
    _REVIEWER
    | _OPERATOR
    | {
        "orgs.manage",
        "accounts.view",
        "accounts.manage",
        "audit.view",
        "members.manage",
        "ledger.correct",
        "ledger.close",
    }
)
# Unmasked personal-data exports leave the platform's protection: federation level only.
_FEDERATION_ADMIN: set[Capability] = _ORG_ADMIN | {"orgs.move", "members.export_personal"}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.FEDERATION_ADMIN: frozenset(_FEDERATION_ADMIN),
    Role.ORG_ADMIN: frozenset(_ORG_ADMIN),
    Role.REVIEWER: frozenset(_REVIEWER),
    Role.OPERATOR: frozenset(_OPERATOR),
    Role.VIEWER: frozenset(_VIEWER),
}

ALL_CAPABILITIES: frozenset[Capability] = frozenset(CAPABILITY_LABELS)
if ALL_CAPABILITIES != CAPABILITIES:  # one list of names, one table: they must agree
    raise ImportError(
        f"capabilities without a label: {sorted(CAPABILITIES - ALL_CAPABILITIES)}; "
        f"labels without a capability: {sorted(ALL_CAPABILITIES - CAPABILITIES)}"
    )


def roles_with(capability: Capability) -> list[str]:
    return [role for role, caps in ROLE_CAPABILITIES.items() if capability in caps]


# Whoever holds one of these signs in with a second factor (an authenticator app): they read
# unmasked personal data, or load whole rosters of it.
TWO_FACTOR_CAPABILITIES = frozenset(
    {"personal_data.view", "members.export_personal", "imports.run"}
)
TWO_FACTOR_ROLES = frozenset(
    role for role, caps in ROLE_CAPABILITIES.items() if caps & TWO_FACTOR_CAPABILITIES
)
