"""Writing audit entries. Actions call `record` inside their transaction."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import HttpRequest

from gonghui.core.models import AuditEntry
from gonghui.core.personal import PersonalText, mask
from gonghui.core.request_context import current_ip
from gonghui.core.scoping import ScopeHolder, Viewer


def _safe(value: Any) -> Any:
    if isinstance(value, PersonalText):
        return mask(value.kind, value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed, personal values masked."""
    return {
        name: [_safe(before.get(name)), _safe(after[name])]
        for name in after
        if before.get(name) != after[name]
    }


def record(
    *,
    actor: ScopeHolder | AnonymousUser | None,
    action: str,
    org: Any = None,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor_id=actor.pk if actor is not None else None,  # no one for the anonymous too
        org=org,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        changes={k: _safe(v) if not isinstance(v, list) else v for k, v in (changes or {}).items()},
        ip_address=current_ip(request),
    )


def list_audit_entries(
    user: Viewer,
    *,
    action: str = "",
    org_path: str = "",
    target_type: str = "",
    target_id: str = "",
) -> "models.QuerySet[AuditEntry]":
    """Entries of orgs the user may audit, newest first, optionally narrowed."""
    entries = AuditEntry.objects.visible_to(user, "audit.view")
    if org_path:
        entries = entries.in_subtree(org_path)
    if action:
        entries = entries.filter(action__startswith=action)
    if target_type:
        entries = entries.filter(target_type=target_type, target_id=target_id)
    return entries.select_related("actor", "org")
