"""Template tags for pages outside the members app that mention the worker's membership."""

from django import template

from gonghui.accounts.models import AnyUser
from gonghui.members import queries
from gonghui.members.models import Member

register = template.Library()


@register.simple_tag
def own_membership(user: AnyUser) -> Member | None:
    """The signed-in worker's membership (linked, or waiting to be linked on first use)."""
    return queries.find_own_member(user)
