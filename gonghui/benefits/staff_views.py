"""Staff pages of the service directory (benefits.manage, scoped to the user's subtree):
services with their figures, providers and their redemption accounts, offers with their claims,
categories, and the usage figures with their .xlsx export."""

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.accounts.models import User
from gonghui.benefits import actions, queries
from gonghui.benefits.forms import (
    CLAIM_STATUSES,
    CategoryForm,
    OfferEditForm,
    OfferForm,
    PeriodForm,
    ProviderAccountForm,
    ProviderEditForm,
    ProviderForm,
    ServiceEditForm,
    ServiceFilterForm,
    ServiceForm,
    StatusForm,
)
from gonghui.benefits.models import Claim, Offer, Provider, Service
from gonghui.core.capabilities import Capability
from gonghui.core.pages import HtmxRequest, paginate, refusal_on
from gonghui.core.text import spreadsheet_text
from gonghui.core.uploads import naming_the_file
from gonghui.orgs.models import Org
from gonghui.orgs.queries import get_org_for, home_org_for

CAP: Capability = "benefits.manage"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _list_org(request: HttpRequest) -> Org:
    """The org chosen with ?org=, or the user's highest one; 404 outside the scope."""
    if request.GET.get("org"):
        return get_org_for(request.user, request.GET["org"], CAP)
    org = home_org_for(request.user, CAP)
    if org is None:
        raise Http404
    return org


def _home(request: HttpRequest) -> Org:
    """The highest org the user manages benefits at (a form's default); 404 without one."""
    home = home_org_for(request.user, CAP)
    if home is None:
        raise Http404
    return home


# --- services ----------------------------------------------------------------------------------


@staff_required
def service_list(request: HtmxRequest) -> HttpResponse:
    org = _list_org(request)
    names = queries.category_names()
    form = ServiceFilterForm(request.GET, category_choices=list(names.items()))
    form.is_valid()  # an invalid filter is left out, not refused
    data = form.cleaned_data
    filters = queries.ServiceFilters(
        category=data.get("category") or "",
        district=(data.get("district") or "").strip(),
        street=(data.get("street") or "").strip(),
        search=(data.get("q") or "").strip(),
    )
    page = paginate(request, queries.list_services(request.user, CAP, within=org, filters=filters))
    context = {"org": org, "form": form, "page": page, "names": names}
    if request.htmx and request.htmx.target == "results":
        return render(request, "benefits/staff_services.html#results", context)
    return render(request, "benefits/staff_services.html", context)


def _service_form(
    request: HttpRequest, form_class: type[ServiceForm], **kwargs: Any
) -> ServiceForm:
    return form_class(
        request.POST or None,
        request.FILES or None,
        provider_choices=queries.list_provider_choices(request.user, CAP),
        user=request.user,
        category_choices=queries.category_choices(),
        **kwargs,
    )


def _service_parts(request: HttpRequest, values: dict[str, Any]) -> dict[str, Any]:
    """The provider and orgs picked in the form, fetched through the scope (404 outside)."""
    return {
        "provider": queries.get_provider_for(request.user, values.pop("provider"), CAP),
        "org": values.pop("org"),
        "audience_org": values.pop("audience_org", None),
    }


def _add_photos(actor: User, service: Service, uploads: list[Any]) -> None:
    for upload in uploads:
        with naming_the_file(upload, field="photos"):
            actions.add_service_photo(actor=actor, service=service, upload=upload)


@staff_required
def service_create(request: HttpRequest) -> HttpResponse:
    _home(request)
    if request.method == "POST" and request.POST.get("provider"):
        queries.get_provider_for(request.user, request.POST["provider"], CAP)
    provider = (
        queries.get_provider_for(request.user, request.GET["provider"], CAP)
        if request.GET.get("provider")
        else None
    )
    initial: dict[str, Any] = {"audience": "members"}
    if provider is not None:
        initial |= {"provider": provider.pk, "org": provider.org_id, "address": provider.address}
    form = _service_form(request, ServiceForm, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        parts = _service_parts(request, values)
        with refusal_on(form):
            # A refused photo leaves no half-made service behind.
            with transaction.atomic():
                service = actions.create_service(
                    actor=staff_user(request), publish="publish" in request.POST, **parts, **values
                )
                _add_photos(staff_user(request), service, form.cleaned_data["photos"])
            messages.success(request, _("“%(title)s” is saved.") % {"title": service.title})
            return redirect("benefits:staff_service", service_id=service.pk)
    return render(request, "benefits/staff_service_form.html", {"form": form, "creating": True})


@staff_required
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    service = queries.get_service_for(request.user, service_id, CAP)
    context = {
        "service": service,
        "offers": queries.list_offers(service),
        "photos": queries.list_staff_photos(service),
        "status_form": StatusForm(),
    }
    return render(request, "benefits/staff_service.html", context)


@staff_required
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    service = queries.get_service_for(request.user, service_id, CAP)
    initial = {name: getattr(service, name) for name in actions.SERVICE_FIELDS}
    initial |= {
        "provider": service.provider_id,
        "org": service.org_id,
        "audience_org": service.audience_org_id,
        "version": service.version,
    }
    form = _service_form(request, ServiceEditForm, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        version = form.cleaned_data["version"]
        parts = _service_parts(request, values)
        with refusal_on(form):
            with transaction.atomic():
                service = actions.update_service(
                    actor=staff_user(request),
                    service=service,
                    expected_version=version,
                    **parts,
                    **values,
                )
                _add_photos(staff_user(request), service, form.cleaned_data["photos"])
            messages.success(request, _("Changes saved."))
            return redirect("benefits:staff_service", service_id=service.pk)
    context = {"form": form, "service": service, "creating": False}
    return render(request, "benefits/staff_service_form.html", context)


@staff_required
@require_POST
def service_status(request: HttpRequest, service_id: int) -> HttpResponse:
    service = queries.get_service_for(request.user, service_id, CAP)
    actor = staff_user(request)
    _set_status(
        request,
        lambda status: actions.set_service_status(actor=actor, service=service, status=status),
    )
    return redirect("benefits:staff_service", service_id=service.pk)


def _set_status(request: HttpRequest, set_status: Callable[[str], object]) -> None:
    """The publish/withdraw buttons of a service's or an offer's page; the outcome is a
    message on the page they return to."""
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the options."))
        return
    with refusal_on(request):
        set_status(form.cleaned_data["status"])
        messages.success(request, _("Saved."))


@staff_required
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    picture = queries.get_photo_for(request.user, photo_id, CAP)
    response = FileResponse(picture.image.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- offers ------------------------------------------------------------------------------------


def _shares(request: HttpRequest, pairs: list[tuple[int, int]]) -> list[tuple[Org, int]]:
    return [(get_org_for(request.user, org_id, CAP), n) for org_id, n in pairs]


@staff_required
def offer_create(request: HttpRequest, service_id: int) -> HttpResponse:
    service = queries.get_service_for(request.user, service_id, CAP)
    now = timezone.localtime().replace(second=0, microsecond=0)
    initial = {"per_member_limit": 1, "claims_open_at": now, "kind": Offer.Kind.COUPON}
    form = OfferForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            offer = actions.create_offer(
                actor=staff_user(request),
                service=service,
                shares=_shares(request, form.cleaned_data["shares"]),
                publish="publish" in request.POST,
                **form.offer_values(),
            )
            messages.success(request, _("“%(title)s” is saved.") % {"title": offer.title})
            return redirect("benefits:staff_offer", offer_id=offer.pk)
    context = {"form": form, "service": service, "creating": True}
    return render(request, "benefits/staff_offer_form.html", context)


@staff_required
def offer_detail(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = queries.get_offer_for(request.user, offer_id, CAP)
    status = request.GET.get("status", "")
    page = paginate(request, queries.list_offer_claims(offer, status=status))
    context = {
        "offer": offer,
        "service": offer.service,
        "shares": queries.list_shares(offer),
        "page": page,
        "status": status if status in Claim.Status.values else "",
        "statuses": CLAIM_STATUSES,
        "status_form": StatusForm(),
    }
    return render(request, "benefits/staff_offer.html", context)


def _local(moment: Any) -> Any:
    return timezone.localtime(moment) if moment else None


@staff_required
def offer_edit(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = queries.get_offer_for(request.user, offer_id, CAP)
    initial = {name: getattr(offer, name) for name in actions.OFFER_FIELDS}
    for name in ("claims_open_at", "claims_close_at", "redeem_until"):
        initial[name] = _local(initial[name])
    initial["version"] = offer.version
    initial["shares"] = "\n".join(f"{s.org.name} {s.quota}" for s in queries.list_shares(offer))
    form = OfferEditForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            offer = actions.update_offer(
                actor=staff_user(request),
                offer=offer,
                expected_version=form.cleaned_data["version"],
                shares=_shares(request, form.cleaned_data["shares"]),
                **form.offer_values(),
            )
            messages.success(request, _("Changes saved."))
            return redirect("benefits:staff_offer", offer_id=offer.pk)
    context = {"form": form, "service": offer.service, "offer": offer, "creating": False}
    return render(request, "benefits/staff_offer_form.html", context)


@staff_required
@require_POST
def offer_status(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = queries.get_offer_for(request.user, offer_id, CAP)
    actor = staff_user(request)
    _set_status(
        request, lambda status: actions.set_offer_status(actor=actor, offer=offer, status=status)
    )
    return redirect("benefits:staff_offer", offer_id=offer.pk)


# --- providers and their accounts --------------------------------------------------------------


@staff_required
def provider_list(request: HttpRequest) -> HttpResponse:
    org = _list_org(request)
    search = request.GET.get("q", "").strip()[:100]
    page = paginate(request, queries.list_providers(request.user, CAP, within=org, search=search))
    return render(
        request, "benefits/staff_providers.html", {"org": org, "page": page, "search": search}
    )


def _provider_values(form: ProviderForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in actions.PROVIDER_FIELDS}


@staff_required
def provider_create(request: HttpRequest) -> HttpResponse:
    home = _home(request)
    form = ProviderForm(
        request.POST or None,
        initial={"org": request.GET.get("org") or home, "kind": Provider.Kind.ENTERPRISE},
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        org = form.cleaned_data["org"]
        with refusal_on(form):
            provider = actions.create_provider(
                actor=staff_user(request), org=org, **_provider_values(form)
            )
            messages.success(request, _("“%(name)s” is registered.") % {"name": provider.name})
            return redirect("benefits:staff_provider", provider_id=provider.pk)
    return render(request, "benefits/staff_provider_form.html", {"form": form, "creating": True})


@staff_required
def provider_detail(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = queries.get_provider_for(request.user, provider_id, CAP)
    return _provider_page(request, provider, ProviderAccountForm())


def _provider_page(
    request: HttpRequest, provider: Provider, account_form: ProviderAccountForm, status: int = 200
) -> HttpResponse:
    """The provider's page: its services and accounts, with the new-account form (shown
    again with its errors when it was refused)."""
    services = queries.list_services(
        request.user, CAP, filters=queries.ServiceFilters(), provider=provider
    )
    context = {
        "provider": provider,
        "services": list(services[:200]),
        "accounts": list(queries.list_provider_accounts(provider)),
        "account_form": account_form,
    }
    return render(request, "benefits/staff_provider.html", context, status=status)


@staff_required
def provider_edit(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = queries.get_provider_for(request.user, provider_id, CAP)
    initial = {name: getattr(provider, name) for name in actions.PROVIDER_FIELDS}
    initial |= {
        "org": provider.org_id,
        "is_active": provider.is_active,
        "version": provider.version,
    }
    form = ProviderEditForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        org = form.cleaned_data["org"]
        with refusal_on(form):
            actions.update_provider(
                actor=staff_user(request),
                provider=provider,
                expected_version=form.cleaned_data["version"],
                org=org,
                is_active=form.cleaned_data["is_active"],
                **_provider_values(form),
            )
            messages.success(request, _("Changes saved."))
            return redirect("benefits:staff_provider", provider_id=provider.pk)
    context = {"form": form, "provider": provider, "creating": False}
    return render(request, "benefits/staff_provider_form.html", context)


@staff_required
@require_POST
def account_create(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = queries.get_provider_for(request.user, provider_id, CAP)
    form = ProviderAccountForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            account = actions.create_provider_account(
                actor=staff_user(request), provider=provider, **form.cleaned_data
            )
            messages.success(
                request,
                _("The account %(username)s can now sign in at the provider's desk.")
                % {"username": account.user.username},
            )
            return redirect("benefits:staff_provider", provider_id=provider.pk)
    return _provider_page(request, provider, form, status=400)


@staff_required
@require_POST
def account_active(request: HttpRequest, account_id: int) -> HttpResponse:
    account = queries.get_account_for(request.user, account_id, CAP)
    active = request.POST.get("active") == "1"
    with refusal_on(request):
        actions.set_provider_account_active(
            actor=staff_user(request), account=account, active=active
        )
        messages.success(request, _("Saved."))
    return redirect("benefits:staff_provider", provider_id=account.provider_id)


# --- categories --------------------------------------------------------------------------------


@staff_required
def categories(request: HttpRequest) -> HttpResponse:
    home = _home(request)
    form = CategoryForm(request.POST or None, initial={"org": home}, user=request.user)
    if request.method == "POST" and form.is_valid():
        org = form.cleaned_data["org"]
        with refusal_on(form):
            category = actions.create_category(
                actor=staff_user(request), org=org, name=form.cleaned_data["name"]
            )
            messages.success(request, _("“%(name)s” is added.") % {"name": category.name})
            return redirect("benefits:staff_categories")
    context = {
        "form": form,
        "built_in": queries.category_choices()[:6],
        "added": queries.list_added_categories(),
    }
    return render(request, "benefits/staff_categories.html", context)


# --- usage figures -----------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, date | None, date | None]:
    """The form and its first and last day (either may be left open)."""
    form = PeriodForm(request.GET)
    form.is_valid()  # an invalid date is left out, not refused
    return form, form.cleaned_data.get("start"), form.cleaned_data.get("end")


@staff_required
def usage(request: HttpRequest) -> HttpResponse:
    org = _list_org(request)
    form, start, end = _period(request)
    usage = queries.usage_of(org, start=start, end=end)
    context = {"org": org, "form": form, "usage": usage}
    return render(request, "benefits/staff_usage.html", context)


def _usage_workbook(org: Org, first: date | None, last: date | None) -> bytes:
    import xlsxwriter

    figures = queries.usage_of(org, start=first, end=last)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})

    def sheet(name: str, headers: list[str], rows: list[list[Any]], widths: list[int]) -> None:
        page = workbook.add_worksheet(name)
        for column, (header, width) in enumerate(zip(headers, widths, strict=True)):
            page.set_column(column, column, width)
            page.write_string(0, column, header, bold)
        for row_number, row in enumerate(rows, 1):
            for column, value in enumerate(row):
                if isinstance(value, int):
                    page.write_number(row_number, column, value)
                else:
                    # write_string: a value is never a formula, whatever it looks like.
                    page.write_string(row_number, column, spreadsheet_text(str(value)))
        page.freeze_panes(1, 0)

    start = first.isoformat() if first else "…"
    end = last.isoformat() if last else "…"
    sheet(
        _("Services"),
        [
            _("Service"),
            _("Provider"),
            _("Managed by"),
            _("Category"),
            _("Views"),
            _("Claims"),
            _("Redemptions"),
            _("Period"),
        ],
        [
            [
                r.title,
                r.provider,
                r.org,
                r.category,
                r.views,
                r.claims,
                r.redemptions,
                f"{start} – {end}",
            ]
            for r in figures.services
        ],
        [30, 24, 24, 12, 10, 10, 12, 24],
    )
    sheet(
        _("Offers"),
        [_("Service"), _("Offer"), _("Total quota"), _("Claims"), _("Redemptions")],
        [
            [
                r.service_title,
                r.title,
                r.quota if r.quota is not None else _("unlimited"),
                r.claims,
                r.redemptions,
            ]
            for r in figures.offers
        ],
        [30, 30, 12, 10, 12],
    )
    sheet(
        _("By union"),
        [_("Union"), _("Claims"), _("Redemptions")],
        [[r.name, r.claims, r.redemptions] for r in figures.unions],
        [36, 10, 12],
    )
    workbook.close()
    return buffer.getvalue()


@staff_required
def usage_xlsx(request: HttpRequest) -> HttpResponse:
    org = _list_org(request)
    _form, first, last = _period(request)
    response = HttpResponse(_usage_workbook(org, first, last), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"benefits-usage-{org.pk}.xlsx"
    )
    return response
