"""The site's URLs plus two pages that raise what they are told to, so the one error path
(web/errors.py) is tested for every kind of error in both shells. Only test_error_path.py
uses this URLconf."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from gonghui.urls import urlpatterns as site

ROOT = _("A top-level organisation cannot be deactivated.")
STALE = _("Someone else changed this organisation while you were editing. Reload and retry.")
ERRORS: dict[str, Exception] = {
    "not-found": NotFoundError("not_found", _("Not found.")),
    "forbidden": PermissionDeniedError("forbidden", _("You may not do this.")),
    "django-forbidden": PermissionDenied(),
    "refused": DomainError("cannot_deactivate_root", ROOT),
    "conflict": ConflictError("stale_version", STALE),
}


def raising(request: HttpRequest, kind: str) -> HttpResponse:
    raise ERRORS[kind]


urlpatterns = [
    path("staff/raise/<str:kind>/", raising),
    path("raise/<str:kind>/", raising),
    path("api/v1/raise/<str:kind>/", raising),
    *site,
]
