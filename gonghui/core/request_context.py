"""The client address of the request being served, for audit entries written deep in actions."""

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def client_ip_of(request: HttpRequest) -> str | None:
    # REMOTE_ADDR is the proxy when behind one; the deployment sets the proxy to overwrite it
    # (gunicorn --forwarded-allow-ips), so X-Forwarded-For is never trusted here.
    return request.META.get("REMOTE_ADDR") or None


def current_ip(request: HttpRequest | None = None) -> str | None:
    if request is not None:
        return client_ip_of(request)
    return _client_ip.get()


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(client_ip_of(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
