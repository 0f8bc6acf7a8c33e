"""Response headers that keep personal data where it belongs (the Content-Security-Policy
itself is Django's, from settings.SECURE_CSP).

- Permissions-Policy: the camera for our own pages only (the card verifier, the check-in desk
  and the provider's desk scan QR codes); every other powerful feature off, so that injected
  or third-party code could not reach it either.
- Cache-Control: no-store on every answer to a signed-in user and on every API answer: a page
  or JSON with someone's data must not stay in a shared computer's browser cache or in a proxy.
  A view that set its own Cache-Control (photos that may be cached, `never_cache` pages) keeps
  it. Static files never get here: WhiteNoise answers them before this middleware runs.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=(self)",
        "geolocation=()",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "payment=()",
        "usb=()",
    ]
)


class PrivacyHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        personal = request.path.startswith("/api/") or bool(user and user.is_authenticated)
        if personal and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response
