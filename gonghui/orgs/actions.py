"""Changes to the union tree. Callers fetch orgs through the funnel; each action re-checks."""

from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError
from gonghui.core.scoping import ScopeHolder, require
from gonghui.core.text import check_fields
from gonghui.core.tree import MAX_CHILDREN, STEP, step, subtree_q
from gonghui.orgs.models import Org, OrgKind

EDITABLE_FIELDS = ("name", "short_name", "district", "address", "contact_name", "contact_phone")


def _next_child_path(parent: Org | None) -> str:
    if parent is None:
        siblings = Org.objects.filter(parent=None)
        prefix = ""
    else:
        # Lock the parent so two concurrent creations under it cannot pick the same step, and
        # read its path afresh: the caller's copy may predate a move of the parent.
        prefix = Org.objects.select_for_update().values_list("path", flat=True).get(pk=parent.pk)
        siblings = Org.objects.filter(parent=parent)
    last = siblings.aggregate(last=Max("path"))["last"]
    number = int(last[-STEP:]) + 1 if last else 1
    if number > MAX_CHILDREN:
        raise DomainError("too_many_children", _("This organisation cannot hold more children."))
    return prefix + step(number)


def _check_kind(parent: Org | None, kind: str) -> None:
    if kind not in OrgKind.values:
        raise DomainError("invalid_kind", _("Unknown kind of organisation."))
    if parent is not None and not parent.may_hold(kind):
        raise DomainError(
            "kind_not_allowed",
            _("“%(child)s” cannot be placed directly under “%(parent)s”.")
            % {"child": OrgKind(kind).label, "parent": OrgKind(parent.kind).label},
            fields={"kind": [_("Not allowed under this parent.")]},
        )


# Text rules (core/text.py) for an org's details.
NAME_FIELDS = ("name", "short_name", "district", "contact_name")
LINE_FIELDS = ("address", "contact_phone")


@transaction.atomic
def create_org(
    *, actor: ScopeHolder, parent: Org | None, name: str, kind: str, **details: str
) -> Org:
    """Add an org under `parent` (orgs.manage there); a root org needs an operator."""
    if parent is None:
        if actor.scope_paths("orgs.manage") is not None:  # only "everywhere" founds a root
            raise DomainError(
                "root_not_allowed",
                _("Only a platform operator can create a top-level organisation."),
            )
    else:
        require(actor, "orgs.manage", parent.path)
    _check_kind(parent, kind)
    unknown = set(details) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown org fields: {sorted(unknown)}")
    check_fields({"name": name, **details}, names=NAME_FIELDS, lines=LINE_FIELDS)
    org = Org.objects.create(
        parent=parent, name=name.strip(), kind=kind, path=_next_child_path(parent), **details
    )
    audit.record(
        actor=actor,
        action="orgs.org.created",
        org=org,
        target=org,
        changes={"name": name, "kind": kind, "parent": parent.pk if parent else None},
    )
    return org


@transaction.atomic
def update_org(*, actor: ScopeHolder, org: Org, expected_version: int, **changes: str) -> Org:
    """Edit an org's details (orgs.manage on it). A stale version is refused."""
    require(actor, "orgs.manage", org.path)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown org fields: {sorted(unknown)}")
    check_fields(changes, names=NAME_FIELDS, lines=LINE_FIELDS)
    current = Org.objects.select_for_update().get(pk=org.pk)
    if current.version != expected_version:
        raise ConflictError(
            "stale_version",
            _("Someone else changed this organisation while you were editing. Reload and retry."),
        )
    before = {name: getattr(current, name) for name in changes}
    for name, value in changes.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    after = {name: getattr(current, name) for name in changes}
    audit.record(
        actor=actor,
        action="orgs.org.updated",
        org=current,
        target=current,
        changes=audit.diff(before, after),
    )
    return current


@transaction.atomic
def set_org_active(*, actor: ScopeHolder, org: Org, active: bool) -> Org:
    """Deactivate (or reactivate) an org; its history and members stay."""
    require(actor, "orgs.manage", org.path)
    if org.parent_id is None and not active:
        raise DomainError(
            "cannot_deactivate_root", _("A top-level organisation cannot be deactivated.")
        )
    Org.objects.filter(pk=org.pk).update(is_active=active, version=F("version") + 1)
    org.refresh_from_db()
    audit.record(
        actor=actor,
        action="orgs.org.reactivated" if active else "orgs.org.deactivated",
        org=org,
        target=org,
    )
    return org


@transaction.atomic
def move_org(*, actor: ScopeHolder, org: Org, new_parent: Org) -> Org:
    """Move an org and its whole subtree under `new_parent` (orgs.move on both ends)."""
    require(actor, "orgs.move", org.path)
    require(actor, "orgs.move", new_parent.path)
    if org.parent_id is None:
        raise DomainError("cannot_move_root", _("A top-level organisation cannot be moved."))
    if new_parent.path.startswith(org.path):
        raise DomainError(
            "move_into_own_subtree",
            _("An organisation cannot be moved under itself or one of its own units."),
            fields={"new_parent": [_("Choose an organisation outside this one.")]},
        )
    if new_parent.pk == org.parent_id:
        raise DomainError("same_parent", _("The organisation is already there."))
    _check_kind(new_parent, org.kind)
    old_path = org.path
    old_parent_id = org.parent_id
    new_path = _next_child_path(new_parent)
    # One UPDATE rewrites the prefix of every path in the subtree.
    Org.objects.filter(subtree_q("path", [old_path])).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )
    Org.objects.filter(pk=org.pk).update(parent=new_parent, version=F("version") + 1)
    org.refresh_from_db()
    audit.record(
        actor=actor,
        action="orgs.org.moved",
        org=org,
        target=org,
        changes={"parent": [old_parent_id, new_parent.pk]},
    )
    return org
