from datetime import datetime

from ninja import Field, Schema

from gonghui.api.types import Id, Version
from gonghui.orgs.models import Org


class OrgOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    kind_label: str
    parent_id: int | None
    path: str
    depth: int
    district: str
    address: str
    contact_name: str
    contact_phone: str
    is_active: bool
    version: int
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: Org) -> str:
        return str(obj.get_kind_display())


class OrgCreateIn(Schema):
    parent_id: Id
    name: str = Field(min_length=2, max_length=120)
    kind: str
    short_name: str = Field("", max_length=40)
    district: str = Field("", max_length=40)
    address: str = Field("", max_length=200)
    contact_name: str = Field("", max_length=40)
    contact_phone: str = Field("", max_length=40)


class OrgUpdateIn(Schema):
    version: Version
    name: str | None = Field(None, min_length=2, max_length=120)
    short_name: str | None = Field(None, max_length=40)
    district: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=200)
    contact_name: str | None = Field(None, max_length=40)
    contact_phone: str | None = Field(None, max_length=40)


class OrgMoveIn(Schema):
    new_parent_id: Id


class GrantOut(Schema):
    org_id: int
    org_name: str
    role: str
    role_label: str
    capabilities: list[str]


class MeOut(Schema):
    id: int
    name: str
    username: str | None
    mobile_masked: str
    is_staff: bool
    grants: list[GrantOut]
