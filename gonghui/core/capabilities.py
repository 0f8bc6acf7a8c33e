"""The names of the capabilities, as a type mypy checks and a set checked at run time.

A capability is what a role lets its holder do over an org's subtree (`<app>.<verb>`). Every
function that takes one (`visible_to`, `require`, `permits`, `User.scope_paths`, the
`get_*_for` getters, an importer's `capability`) is typed `Capability`, so a misspelt name
is a mypy error, and `check()` refuses an unknown name at run time for everyone, superusers
included (a superuser would otherwise be let through a typo). Which roles hold which
capability, and their labels, is the one table in `accounts.roles`; a test keeps the two
lists equal. Why a Literal rather than an Enum: docs/decisions/0014-capabilities-literal.md.
"""

from typing import Literal, get_args

Capability = Literal[
    "orgs.view",
    "orgs.manage",
    "orgs.move",
    "accounts.view",
    "accounts.manage",
    "audit.view",
    "personal_data.view",
    "enterprises.view",
    "enterprises.manage",
    "founding.manage",
    "imports.run",
    "members.view",
    "members.recruit",
    "members.review",
    "members.manage",
    "members.export_personal",
    "events.manage",
    "checkins.scan",
    "benefits.manage",
    "stations.manage",
    "volunteers.manage",
    "learning.manage",
    "reviews.manage",
    "dashboards.view",
    "ledger.view",
    "ledger.correct",
    "ledger.close",
    "care.manage",
]

CAPABILITIES: frozenset[Capability] = frozenset(get_args(Capability))


class UnknownCapabilityError(ValueError):
    """A capability name that is not in `Capability`: a bug in the caller, never input."""


def check(capability: str) -> None:
    """Raise UnknownCapabilityError unless `capability` is one of CAPABILITIES."""
    if capability not in CAPABILITIES:
        raise UnknownCapabilityError(f"unknown capability {capability!r}")
