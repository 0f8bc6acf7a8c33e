from ninja import NinjaAPI

from gonghui.api import (
    activities,
    benefits,
    care,
    dashboards,
    enterprises,
    imports,
    innovation,
    learning,
    me,
    members,
    orgs,
    stations,
    volunteers,
)
from gonghui.api.auth import AUTH
from gonghui.api.errors import install_error_handlers

api = NinjaAPI(
    title="Gonghui API",
    version="1",
    description=(
        "The trade-union member service platform's API. Authenticate with a bearer token "
        "(created under Staff → API tokens) or a signed-in browser session. Every write accepts "
        "an `Idempotency-Key` header: a retry with the same key returns the first response and "
        "changes nothing. Errors always have the shape `{code, message, fields}`; messages follow "
        "`Accept-Language` (zh-hans by default, en)."
    ),
    urls_namespace="api",
    auth=AUTH,
)
install_error_handlers(api)
api.add_router("", me.router)
api.add_router("", orgs.router)
api.add_router("", enterprises.router)
api.add_router("", members.router)
api.add_router("", imports.router)
api.add_router("", activities.router)
api.add_router("", benefits.router)
api.add_router("", stations.router)
api.add_router("", volunteers.router)
api.add_router("", care.router)
api.add_router("", learning.router)
api.add_router("", innovation.router)
api.add_router("", dashboards.router)
