"""The API's one error shape: {code, message, fields}, in the request's language."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from gonghui.core.errors import DomainError
from gonghui.core.ratelimits import RateLimitedError


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


ERROR_RESPONSES: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _field_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"string_too_short"}:
        return _("At least %(n)s characters.") % {"n": context.get("min_length", "?")}
    if kind in {"string_too_long"}:
        return _("At most %(n)s characters.") % {"n": context.get("max_length", "?")}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("The value is too small.")
    if kind in {"less_than_equal", "less_than"}:
        return _("The value is too large.")
    if kind in {"enum", "literal_error"}:
        return _("Choose one of the allowed values.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind in {"string_type"}:
        return _("Enter text.")
    if kind in {"day_format", "date_parsing", "date_from_datetime_parsing", "date_type"} or (
        kind.startswith("date_from_datetime")
    ):
        return _("Enter a date as YYYY-MM-DD.")
    if kind in {"moment_format", "datetime_parsing", "datetime_type"} or kind.startswith(
        "datetime_from_date"
    ):
        return _("Enter a date and time in ISO 8601, e.g. 2026-05-01T09:30:00+08:00.")
    if kind in {"clock_format", "time_parsing", "time_type"}:
        return _("Enter a time as HH:MM.")
    if kind == "year_range":
        return _("Enter a year from %(first)s to %(last)s.") % {
            "first": context.get("first", "?"),
            "last": context.get("last", "?"),
        }
    if kind in {"json_invalid", "model_attributes_type", "dict_type"}:
        return _("The request body is not valid JSON of the expected shape.")
    return _("This value is not valid.")


def _field_name(location: list[Any]) -> str:
    # ninja puts the parameter source first ("body", "query", "path") and the schema name next.
    parts = [str(p) for p in location if p not in {"body", "query", "path", "header", "payload"}]
    return ".".join(parts) or "__all__"


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = api.create_response(
            request, error_body(exc.code, str(exc.message), exc.fields), status=exc.status
        )
        if isinstance(exc, RateLimitedError):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_field_name(list(error.get("loc", []))), []).append(
                _field_message(error)
            )
        return api.create_response(
            request,
            error_body("invalid", _("Some values are not valid."), fields),
            status=422,
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request,
            error_body("not_authenticated", _("Sign in or send a valid API token.")),
            status=401,
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja raises HttpError itself for one thing only: a signed-in browser session that
        # writes without its CSRF token.
        if exc.status_code == 403:
            return api.create_response(
                request,
                error_body(
                    "csrf_failed",
                    _("Send the CSRF token with a signed-in session, or use an API token."),
                ),
                status=403,
            )
        return api.create_response(
            request, error_body("error", str(exc.message)), status=exc.status_code
        )


# Exempt as every API operation is: the answer is a 404 whatever the method, and CSRF's own
# refusal would be Django's HTML page.
@csrf_exempt
def unknown_path(request: HttpRequest) -> HttpResponse:
    """Any path under /api/ that no operation serves: the JSON 404, never the HTML page."""
    return JsonResponse(
        error_body("not_found", _("Not found.")),
        status=404,
        content_type="application/json; charset=utf-8",
    )
