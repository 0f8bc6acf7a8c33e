"""Request helpers for the HTML pages of every app: the htmx-typed request and pagination."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

PAGE_SIZE = 50


class HtmxRequest(HttpRequest):
    """A request that went through django-htmx's middleware (every request does)."""

    htmx: HtmxDetails


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page[Any]:
    """The requested page; a page number out of range gives the nearest real page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
