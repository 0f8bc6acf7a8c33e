"""Reads of accounts and grants, scoped through the funnel."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from gonghui.accounts.models import AnyUser, ApiToken, RoleGrant, User
from gonghui.core.capabilities import Capability
from gonghui.orgs.models import Org


def list_staff(user: AnyUser, *, search: str = "", within: Org | None = None) -> QuerySet[User]:
    """Accounts holding a grant somewhere the user may see staff (accounts.view)."""
    grants = RoleGrant.objects.visible_to(user, "accounts.view")
    if within is not None:
        grants = grants.in_subtree(within.path)
    staff = User.objects.filter(pk__in=grants.values("user_id"))
    if search:
        staff = staff.filter(name__icontains=search) | staff.filter(username__icontains=search)
    return staff.prefetch_related(
        Prefetch("grants", queryset=RoleGrant.objects.select_related("org").order_by("org__path"))
    ).order_by("name", "username")


def get_staff_for(user: AnyUser, staff_id: int | str, capability: Capability) -> tuple[User, Org]:
    """A staff account with a grant in the user's scope, and the highest such org."""
    try:
        staff_pk = int(staff_id)
    except (TypeError, ValueError):
        raise Http404 from None
    grant = (
        RoleGrant.objects.visible_to(user, capability)
        .filter(user_id=staff_pk)
        .select_related("user", "org")
        .order_by("org__path")
        .first()
    )
    if grant is None:
        raise Http404
    return grant.user, grant.org


def list_grants_of(staff: User) -> QuerySet[RoleGrant]:
    return staff.grants.select_related("org", "granted_by").order_by("org__path")


def get_grant_for(user: AnyUser, grant_id: int | str, capability: Capability) -> RoleGrant:
    try:
        return (
            RoleGrant.objects.visible_to(user, capability)
            .select_related("org", "user")
            .get(pk=int(grant_id))
        )
    except (RoleGrant.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_own_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at=None)


def get_own_token(user: User, token_id: int | str) -> ApiToken:
    try:
        return ApiToken.objects.get(pk=int(token_id), user=user, revoked_at=None)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_grants_at(user: AnyUser, org: Org) -> QuerySet[RoleGrant]:
    """Role grants held directly on `org`, if the user may see staff there."""
    return (
        RoleGrant.objects.visible_to(user, "accounts.view")
        .filter(org=org)
        .select_related("user")
        .order_by("role", "user__name")
    )
