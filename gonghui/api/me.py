from typing import Any

from django.http import HttpRequest
from ninja import Router

from gonghui.accounts.queries import list_grants_of
from gonghui.accounts.roles import ROLE_CAPABILITIES
from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.schemas import MeOut

router = Router(tags=["me"])


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, operation_id="get_me")
def get_me(request: HttpRequest) -> dict[str, Any]:
    """The signed-in account and its role grants."""
    user = api_user(request)
    return {
        "id": user.pk,
        "name": user.name,
        "username": user.username,
        "mobile_masked": user.masked_mobile,
        "is_staff": user.is_union_staff,
        "grants": [
            {
                "org_id": grant.org_id,
                "org_name": grant.org.name,
                "role": grant.role,
                "role_label": str(grant.get_role_display()),
                "capabilities": sorted(ROLE_CAPABILITIES[grant.role]),
            }
            for grant in list_grants_of(user)
        ],
    }
