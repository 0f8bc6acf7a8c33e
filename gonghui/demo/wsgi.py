"""The web application `gonghui demo` serves: the ordinary one, behind a gate that answers
"loading" while the first start loads the demo data.

The demo starts its web server as soon as the schema exists, so that the server's processes
boot (and read the URL map) on a small machine's other core while the data loads on one,
instead of after it. Until the load commits (it is one transaction: any union means it is
done) every request gets a 503 page that refreshes itself, never a page of an empty database;
from then on each server process hands every request straight to Django.
"""

import os
from collections.abc import Callable, Iterable
from typing import Any

import django
from django.apps import apps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
if not apps.ready:  # as get_wsgi_application() does, unless this process did it already
    django.setup(set_prefix=False)

# The rest needs Django set up.
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.urls import get_resolver
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from gonghui.orgs.models import Org

django_application = WSGIHandler()

# Read now, while the data loads, rather than on the first request after it.
URL_PATTERNS = get_resolver().url_patterns

_loaded = False


def _is_loaded() -> bool:
    global _loaded  # once true, it stays true for this process
    if not _loaded:
        try:
            _loaded = Org.objects.exists()
        finally:
            connection.close()  # a request thread outside Django's cycle keeps no connection
    return _loaded


def _loading_page() -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Gonghui demo")
        text = _("Loading the demo data … this page reloads itself when it is ready.")
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" '
        f'content="2"><title>{escape(title)}</title></head><body><p>{escape(text)}</p>'
        "</body></html>"
    ).encode()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if _is_loaded():
        return django_application(environ, start_response)
    body = _loading_page()
    start_response(
        "503 Service Unavailable",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Retry-After", "2"),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]
