"""Request helpers for the HTML pages of every app: the htmx-typed request, pagination, and
`refusal_on`, the in-view half of the one error path for pages (ADR 0015; the other half is
`web.errors.PageErrorMiddleware`)."""

from types import TracebackType
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from gonghui.core.errors import DomainError, NotFoundError, PermissionDeniedError

PAGE_SIZE = 50


class HtmxRequest(HttpRequest):
    """A request that went through django-htmx's middleware (every request does)."""

    htmx: HtmxDetails


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page[Any]:
    """The requested page; a page number out of range gives the nearest real page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def place_on_form(form: forms.BaseForm, error: DomainError) -> None:
    """The refusal's messages on the fields it names, else (or also, for fields the form does
    not have) as a message for the whole form."""
    placed = False
    for name, field_messages in error.fields.items():
        if name in form.fields:
            for message in field_messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, str(error.message))


class Refusal:
    """See `refusal_on`. After the block, `error` is the refusal it caught (or None) and
    `status` the HTTP status a re-rendered page should answer with."""

    def __init__(self, target: forms.BaseForm | HttpRequest | None) -> None:
        self.target = target
        self.error: DomainError | None = None

    @property
    def status(self) -> int:
        return self.error.status if self.error is not None else 200

    @property
    def code(self) -> str:
        return self.error.code if self.error is not None else ""

    @property
    def message(self) -> str:
        return str(self.error.message) if self.error is not None else ""

    def __enter__(self) -> "Refusal":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        # Missing, forbidden and anything that is not a refusal go on up: the middleware makes
        # the first two a 404 or 403 page in the right shell.
        if not isinstance(error, DomainError) or isinstance(
            error, NotFoundError | PermissionDeniedError
        ):
            return False
        self.error = error
        if isinstance(self.target, forms.BaseForm):
            place_on_form(self.target, error)
        elif isinstance(self.target, HttpRequest):
            messages.error(self.target, str(error.message))
        return True  # swallowed: the view goes on to re-render its form or redirect


def refusal_on(target: forms.BaseForm | HttpRequest | None) -> Refusal:
    """A refused action inside the block becomes a message on `target`, a form (on the named
    fields, else for the whole form) or the page (a flash message), or with None is only kept
    in the Refusal for an htmx partial that shows it in place; the block ends there and the
    view continues after it, so the success path sits inside the block:

        with refusal_on(form):
            org = actions.create_org(actor=..., ...)
            return redirect("orgs:detail", org_id=org.pk)
        return render(request, "orgs/form.html", {"form": form}, status=400)
    """
    return Refusal(target)
