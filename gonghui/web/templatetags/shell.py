from typing import Any

from django import template
from django.http import HttpRequest

from gonghui.core.personal import mask_id_number, mask_mobile, mask_name
from gonghui.ledger.journal import yuan as yuan_of
from gonghui.ledger.models import Fund
from gonghui.web.nav import NavLink, sidebar

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (for pagers and filters)."""
    request: HttpRequest = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def staff_sidebar(context: dict[str, Any]) -> list[NavLink]:
    """The sidebar's links with the current page marked (see web.nav)."""
    request: HttpRequest = context["request"]
    return sidebar(request.path, superuser=request.user.is_superuser)


@register.filter
def number(value: Any) -> str:
    """A count as every staff page and the dashboard show it: thousands separated by a comma
    in both languages (4,812 and 200,112, as is usual in Chinese statistics too), and "—"
    for a figure that does not exist (None: no period, nothing to compare with)."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def yuan(fen: Any) -> str:
    """Money kept in fen, shown in yuan with two decimals: 4095000 → 40,950.00."""
    if fen is None or fen == "":
        return "—"
    return yuan_of(int(fen))


@register.filter
def fund_label(value: str) -> str:
    """A fund source's name (上级拨款, 专项资金 …)."""
    return str(Fund(value).label) if value in Fund.values else value


register.filter("mask_mobile", mask_mobile)
register.filter("mask_id_number", mask_id_number)
register.filter("mask_name", mask_name)
