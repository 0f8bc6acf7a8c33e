from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Field, Router, Schema

from gonghui.accounts.queries import list_grants_of
from gonghui.accounts.roles import ROLE_CAPABILITIES
from gonghui.api.auth import api_user
from gonghui.api.errors import ERROR_RESPONSES, ErrorOut
from gonghui.api.schemas import MeOut
from gonghui.members import own_data

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


class DataGroupOut(Schema):
    key: str = Field(description="The group's stable key, e.g. `applications`.")
    title: str
    columns: list[str]
    rows: list[list[str]] = Field(description="Unmasked: the caller's own data.")


class MyDataOut(Schema):
    groups: list[DataGroupOut]


@router.get(
    "/me/data",
    response={200: MyDataOut, 429: ErrorOut, **ERROR_RESPONSES},
    operation_id="get_my_data",
)
def get_my_data(request: HttpRequest) -> dict[str, Any]:
    """Every piece of personal data the platform holds about the caller, by group (PIPL):
    their account, membership, applications, registrations, check-ins, claims, station
    visits, transfers, consents and who read their data. Audited; rate-limited per account
    (429 `rate_limited` with `Retry-After`)."""
    user = api_user(request)
    person = own_data.person_of(user)
    own_data.record_download(actor=user, person=person, file_format="json")
    return {"groups": own_data.as_json(own_data.collect(person))}


@router.get(
    "/me/data.xlsx",
    response={200: None, 429: ErrorOut, **ERROR_RESPONSES},
    operation_id="download_my_data",
    openapi_extra={
        "responses": {
            200: {
                "description": "The caller's data as .xlsx: one sheet per group, Chinese "
                "headers, unmasked.",
                "content": {
                    own_data.XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_my_data(request: HttpRequest) -> FileResponse:
    """The caller's personal data as a spreadsheet (audited, rate-limited like `get_my_data`)."""
    user = api_user(request)
    person = own_data.person_of(user)
    own_data.record_download(actor=user, person=person, file_format="xlsx")
    handle = own_data.write_xlsx(own_data.collect_in_chinese(person))
    return FileResponse(
        handle,
        as_attachment=True,
        filename="my-personal-data.xlsx",
        content_type=own_data.XLSX_CONTENT_TYPE,
    )
