from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page[Any]:
    """The requested page; a page number out of range gives the nearest real page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
