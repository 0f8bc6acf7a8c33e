from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path, re_path

from gonghui.accounts.views import admin_login
from gonghui.api.api import api
from gonghui.api.errors import unknown_path


def operators_only(request: HttpRequest) -> bool:
    # The Django admin bypasses the org scope, so only operators (superusers) get in.
    return bool(request.user.is_active and request.user.is_superuser)


# mypy forbids assigning to a method; replacing the site's check is the documented hook here.
admin.site.has_permission = operators_only  # type: ignore[method-assign]

# Pages that no view answered (no URL matched) sit in the right shell too (web/errors.py).
handler403 = "gonghui.web.errors.forbidden"
handler404 = "gonghui.web.errors.not_found"

urlpatterns = [
    path("", include("gonghui.web.urls")),
    path("", include("gonghui.accounts.urls")),
    path("", include("gonghui.accounts.org_urls")),
    path("", include("gonghui.enterprises.urls")),
    path("", include("gonghui.members.urls")),
    path("", include("gonghui.checkins.urls")),
    path("", include("gonghui.events.urls")),
    path("", include("gonghui.benefits.urls")),
    path("", include("gonghui.stations.urls")),
    path("", include("gonghui.volunteers.urls")),
    path("", include("gonghui.care.urls")),
    path("", include("gonghui.learning.urls")),
    path("", include("gonghui.innovation.urls")),
    path("", include("gonghui.dashboards.urls")),
    path("api/v1/", api.urls),
    # After the API's own operations: every other /api/ path answers in the API's error shape.
    re_path(r"^api/", unknown_path),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin's own URLs: its password form would be a way around the lockout and the
    # second factor.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]
