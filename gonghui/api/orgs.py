from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES
from gonghui.api.pagination import Pages
from gonghui.api.schemas import OrgCreateIn, OrgMoveIn, OrgOut, OrgUpdateIn
from gonghui.api.types import Id
from gonghui.orgs import actions, queries
from gonghui.orgs.models import Org

router = Router(tags=["orgs"])


class OrgFilters(Schema):
    q: str = ""
    kind: str = ""
    within: Id | None = None


@router.get("/orgs", response={200: list[OrgOut], **ERROR_RESPONSES}, operation_id="list_orgs")
@paginate(Pages, page_size=50)
def list_orgs(request: HttpRequest, filters: Query[OrgFilters]) -> Any:
    """Organisations the caller may see, in tree order."""
    within = (
        queries.get_org_for(request.user, filters.within, "orgs.view") if filters.within else None
    )
    return queries.list_orgs(
        request.user, "orgs.view", search=filters.q, kind=filters.kind, within=within
    )


@router.get("/orgs/{id:org_id}", response={200: OrgOut, **ERROR_RESPONSES}, operation_id="get_org")
def get_org(request: HttpRequest, org_id: Id) -> Org:
    return queries.get_org_for(request.user, org_id, "orgs.view")


@router.post("/orgs", response={201: OrgOut, **ERROR_RESPONSES}, operation_id="create_org")
def create_org(request: HttpRequest, payload: OrgCreateIn) -> tuple[int, Org]:
    """Create an organisation under a parent the caller manages."""
    parent = queries.get_org_for(request.user, payload.parent_id, "orgs.manage")
    details = payload.dict(exclude={"parent_id", "name", "kind"})
    org = actions.create_org(
        actor=api_user(request), parent=parent, name=payload.name, kind=payload.kind, **details
    )
    return 201, org


@router.patch(
    "/orgs/{id:org_id}", response={200: OrgOut, **ERROR_RESPONSES}, operation_id="update_org"
)
def update_org(request: HttpRequest, org_id: Id, payload: OrgUpdateIn) -> Org:
    """Edit details. `version` must be the one read; a stale version gets 409."""
    org = queries.get_org_for(request.user, org_id, "orgs.manage")
    changes = payload.dict(exclude={"version"}, exclude_none=True)
    return actions.update_org(
        actor=api_user(request), org=org, expected_version=payload.version, **changes
    )


@router.post(
    "/orgs/{id:org_id}/move",
    response={200: OrgOut, **ERROR_RESPONSES},
    operation_id="move_org",
)
def move_org(request: HttpRequest, org_id: Id, payload: OrgMoveIn) -> Org:
    """Move an organisation and its subtree under a new parent."""
    org = queries.get_org_for(request.user, org_id, "orgs.move")
    new_parent = queries.get_org_for(request.user, payload.new_parent_id, "orgs.move")
    return actions.move_org(actor=api_user(request), org=org, new_parent=new_parent)
