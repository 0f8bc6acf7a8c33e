"""The one error path for HTML pages (ADR 0015), as `api/errors.py` is for the API.

A `NotFoundError` (or `Http404`) raised by a page view becomes the 404 page, a
`PermissionDeniedError` (or Django's `PermissionDenied`) the 403 page, each in the shell the
page belongs to: the staff desk for signed-in staff under /staff/, the member phone shell
otherwise. A plain `DomainError` that no `core.pages.refusal_on` block caught becomes a flash
message and a redirect back after a POST, or a 400 page after a GET. An htmx request gets the
message alone, with the same status, for the page's own `htmx:responseError` handling; a
script that posts or asks for JSON gets the API's `{code, message, fields}`.
/api/ (its own JSON errors) and /admin/ are left alone."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults

from gonghui.core.errors import DomainError, NotFoundError, PermissionDeniedError

OUTSIDE = ("/api/", "/admin/")
STAFF_SHELL = "web/staff_base.html"
MEMBER_SHELL = "web/member_base.html"


def _is_staff_page(request: HttpRequest) -> bool:
    # Someone without a staff role gets the member shell even under /staff/: the desk's sidebar
    # is of no use to them.
    user = getattr(request, "user", None)
    return request.path.startswith("/staff/") and bool(getattr(user, "is_union_staff", False))


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def refusal_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    """The error page for `status` (404, 403, else the refusal page) in the request's shell;
    `message` replaces the page's general explanation when the refusal has its own."""
    if _is_htmx(request):
        context = {"message": message, "status": status}
        return render(request, "web/refusal.html", context, status=status)
    staff = _is_staff_page(request)
    context = {
        "shell": STAFF_SHELL if staff else MEMBER_SHELL,
        "home": reverse("web:staff_home") if staff else reverse("web:home"),
        "message": message,
    }
    template = {403: "403.html", 404: "404.html"}.get(status, "400.html")
    return render(request, template, context, status=status)


def _back(request: HttpRequest) -> str:
    """The page the refused POST came from when it is ours, else the shell's home."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("web:staff_home") if _is_staff_page(request) else reverse("web:home")


def _wants_json(request: HttpRequest) -> bool:
    # The offline scan queues (web/static/gonghui/scan_queue.js) post JSON and read JSON back.
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "accept", ""
    )


def _json(error: Exception) -> JsonResponse:
    """The API's error shape, for the page endpoints that scripts call."""
    if isinstance(error, NotFoundError | Http404):
        code, message, status, fields = "not_found", _("Not found."), 404, {}
    elif isinstance(error, DomainError):
        code, message, status, fields = error.code, str(error.message), error.status, error.fields
    else:
        code, message, status, fields = "permission_denied", _("You may not do this."), 403, {}
    return JsonResponse({"code": code, "message": message, "fields": fields}, status=status)


def answer(request: HttpRequest, error: Exception) -> HttpResponse | None:
    """The page answering `error`, or None when it is not ours to answer."""
    if request.path.startswith(OUTSIDE):
        return None
    if not isinstance(error, DomainError | Http404 | PermissionDenied):
        return None
    if _wants_json(request):
        return _json(error)
    if isinstance(error, NotFoundError | Http404):
        # Missing and forbidden look alike; Http404's own text is for developers.
        return refusal_page(request, 404)
    if isinstance(error, PermissionDeniedError):
        return refusal_page(request, 403, str(error.message))
    if isinstance(error, PermissionDenied):
        return refusal_page(request, 403)
    if isinstance(error, DomainError):
        if request.method == "POST" and not _is_htmx(request):
            messages.error(request, str(error.message))
            return HttpResponseRedirect(_back(request))
        return refusal_page(request, error.status, str(error.message))
    return None


class PageErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return answer(request, exception)


# Django's handler404/handler403 (gonghui/urls.py), for what no view raised: an address no URL
# matches, a PermissionDenied from a middleware. Those pages sit in the right shell too.
def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(OUTSIDE):
        return defaults.page_not_found(request, exception)
    return refusal_page(request, 404)


def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(OUTSIDE):
        return defaults.permission_denied(request, exception)
    return refusal_page(request, 403)
