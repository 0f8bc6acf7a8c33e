"""Staff pages of care campaigns (care.manage to change, ledger.view to read; scoped to the
staff member's subtree): campaigns, sites and goods, a campaign's stock, shipments and relief,
delivery notes, the 公示's publication, the reconciliation of a subtree, the ledger with its
trial balance and period closing, and the Excel exports."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.care import actions, queries
from gonghui.care.exports import campaign_workbook, ledger_workbook
from gonghui.care.forms import (
    AllocateForm,
    CampaignForm,
    CloseForm,
    ItemForm,
    ReliefForm,
    ReverseForm,
    ShipForm,
    SiteForm,
    StockForm,
    set_choices,
)
from gonghui.care.models import Campaign, Relief
from gonghui.care.pdf import delivery_note
from gonghui.core.capabilities import Capability
from gonghui.core.errors import DomainError
from gonghui.core.pages import paginate, refusal_on
from gonghui.core.personal import mask_name
from gonghui.ledger import actions as ledger_actions
from gonghui.ledger import queries as ledger_queries
from gonghui.orgs.models import Org
from gonghui.orgs.queries import get_org_for, home_org_for

MANAGE: Capability = "care.manage"
VIEW: Capability = "ledger.view"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _org(request: HttpRequest, capability: Capability) -> Org:
    if request.GET.get("org"):
        return get_org_for(request.user, request.GET["org"], capability)
    org = home_org_for(request.user, capability)
    if org is None:
        raise Http404
    return org


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


@staff_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    org = _org(request, VIEW)
    campaigns = queries.list_campaigns(request.user, VIEW, org=org)
    return render(
        request,
        "care/staff_list.html",
        {"org": org, "page": paginate(request, campaigns.order_by("-starts_on", "-pk"))},
    )


def _campaign_form(request: HttpRequest, data: Any = None) -> CampaignForm:
    form = CampaignForm(data, user=request.user)
    set_choices(
        form,
        "sites",
        [
            (site.pk, f"{site.name} · {site.org.name}")
            for site in queries.list_sites(request.user, MANAGE)[:500]
        ],
    )
    return form


@staff_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = _campaign_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            data = form.cleaned_data
            campaign = actions.create_campaign(
                actor=staff_user(request),
                org=data["org"],
                details=form.details(),
                sites=[queries.get_site_for(request.user, pk, MANAGE) for pk in data["sites"]],
            )
            messages.success(request, _("Campaign created."))
            return redirect("care:detail", campaign_id=campaign.pk)
    return render(
        request, "care/staff_form.html", {"form": form}, status=400 if form.errors else 200
    )


@staff_required
def site_list(request: HttpRequest) -> HttpResponse:
    """Sites and goods: both lists, and the forms that add to them."""
    user = request.user
    site_form, item_form = SiteForm(prefix="site", user=user), ItemForm(prefix="item", user=user)
    if request.method == "POST":
        if "site-name" in request.POST:
            site_form = SiteForm(request.POST, prefix="site", user=user)
        else:
            item_form = ItemForm(request.POST, prefix="item", user=user)
    if request.method == "POST":
        if site_form.is_bound and site_form.is_valid():
            with refusal_on(site_form):
                data = site_form.cleaned_data
                actions.create_site(
                    actor=staff_user(request),
                    org=data["org"],
                    name=data["name"],
                    kind=data["kind"],
                    address=data["address"],
                    contact_name=data["contact_name"],
                )
                messages.success(request, _("Site added."))
                return redirect("care:sites")
        if item_form.is_bound and item_form.is_valid():
            with refusal_on(item_form):
                data = item_form.cleaned_data
                actions.create_item(
                    actor=staff_user(request),
                    org=data["org"],
                    name=data["name"],
                    unit=data["unit"],
                    unit_value=data["unit_value"] or 0,
                )
                messages.success(request, _("Item added."))
                return redirect("care:sites")
    return render(
        request,
        "care/staff_sites.html",
        {
            "sites": paginate(
                request, queries.list_sites(request.user, VIEW).order_by("org__path", "name")
            ),
            "items": queries.list_items(request.user, VIEW).order_by("name")[:200],
            "site_form": site_form,
            "item_form": item_form,
        },
        status=400 if (site_form.errors or item_form.errors) else 200,
    )


def _detail_forms(campaign: Campaign, data: Any = None, which: str = "") -> dict[str, Any]:
    sites = [(s.pk, s.name) for s in queries.campaign_sites(campaign)]
    items = [(i.pk, f"{i.name} ({i.unit})") for i in queries.list_items_of_org(campaign.org)]
    forms_: dict[str, Any] = {
        "stock_form": StockForm(data if which == "stock" else None, prefix="stock"),
        "ship_form": ShipForm(data if which == "ship" else None, prefix="ship"),
        "relief_form": ReliefForm(data if which == "relief" else None, prefix="relief"),
        "allocate_form": AllocateForm(data if which == "allocate" else None, prefix="allocate"),
    }
    set_choices(forms_["allocate_form"], "site", sites)
    set_choices(forms_["allocate_form"], "item", items)
    set_choices(forms_["stock_form"], "item", items)
    set_choices(forms_["ship_form"], "item", items)
    set_choices(forms_["ship_form"], "site", sites)
    set_choices(forms_["relief_form"], "site", sites)
    set_choices(forms_["relief_form"], "item", [("", "—"), *items])
    return forms_


def _detail(
    request: HttpRequest, campaign: Campaign, forms_: dict[str, Any], status: int = 200
) -> HttpResponse:
    report = queries.reconcile([campaign])
    return render(
        request,
        "care/staff_detail.html",
        {
            "campaign": campaign,
            "budgets": campaign.budgets.order_by("fund"),
            "purchases": campaign.purchases.select_related("item").order_by("received_on", "pk"),
            "shipments": queries.list_shipments(campaign),
            "reliefs": paginate(
                request, queries.list_reliefs(campaign).select_related("entry__reversed_by")
            ),
            "report": report,
            "disclosure": queries.latest_disclosure(campaign),
            "can_manage": MANAGE in staff_user(request).capabilities_at(campaign.org.path),
            **forms_,
        },
        status=status,
    )


@staff_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.get_campaign_for(request.user, campaign_id, VIEW)
    return _detail(request, campaign, _detail_forms(campaign))


@staff_required
@require_POST
def campaign_post(request: HttpRequest, campaign_id: int, which: str) -> HttpResponse:
    """One of the detail page's forms: stock received, an allocation, a shipment, relief."""
    campaign = queries.get_campaign_for(request.user, campaign_id, MANAGE)
    forms_ = _detail_forms(campaign, request.POST, which)
    form = forms_.get(f"{which}_form")
    if form is None:
        raise Http404
    actor = staff_user(request)
    if form.is_valid():
        data = form.cleaned_data
        with refusal_on(form):
            if which == "stock":
                actions.receive_stock(
                    actor=actor,
                    campaign=campaign,
                    item=queries.get_item_for(request.user, data["item"], MANAGE),
                    fund=data["fund"],
                    supplier=data["supplier"],
                    invoice_number=data["invoice_number"],
                    unit_price=data["unit_price"],
                    quantity=data["quantity"],
                    day=data["day"],
                )
                messages.success(request, _("Stock received."))
            elif which == "allocate":
                actions.allocate(
                    actor=actor,
                    campaign=campaign,
                    site=queries.get_site_for(request.user, data["site"], VIEW),
                    item=queries.get_item_for(request.user, data["item"], MANAGE),
                    quantity=data["quantity"],
                )
                messages.success(request, _("Allocation saved."))
            elif which == "ship":
                actions.ship(
                    actor=actor,
                    campaign=campaign,
                    site=queries.get_site_for(request.user, data["site"], VIEW),
                    item=queries.get_item_for(request.user, data["item"], MANAGE),
                    fund=data["fund"],
                    quantity=data["quantity"],
                    day=data["day"],
                )
                messages.success(request, _("Shipment sent: print its delivery note."))
            else:
                _hand_out(request, campaign, form)
            return redirect("care:detail", campaign_id=campaign.pk)
    return _detail(request, campaign, forms_, status=400)


def _hand_out(request: HttpRequest, campaign: Campaign, form: ReliefForm) -> None:
    data = form.cleaned_data
    if data["card"]:
        member, refusal = queries.member_from_card(campaign, data["card"])
        if member is None:
            raise DomainError("invalid_card", refusal, fields={"card": [refusal]})
        method = Relief.Method.CARD
    else:
        member = queries.find_campaign_member_by_number(campaign, data["member_number"])
        method = Relief.Method.LIST
    relief = actions.hand_out(
        actor=staff_user(request),
        campaign=campaign,
        site=queries.get_site_for(request.user, data["site"], VIEW),
        handout=actions.Handout(
            member=member,
            kind=data["kind"],
            fund=data["fund"],
            item=queries.get_item_for(request.user, data["item"], MANAGE) if data["item"] else None,
            quantity=data["quantity"] or 0,
            amount=data["amount"] or 0,
        ),
        method=method,
    )
    messages.success(
        request, _("Relief recorded for %(name)s.") % {"name": mask_name(relief.member.name)}
    )


@staff_required
@require_POST
def disclosure_publish(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.get_campaign_for(request.user, campaign_id, MANAGE)
    with refusal_on(request):
        actions.publish_disclosure(actor=staff_user(request), campaign=campaign)
        messages.success(request, _("The public disclosure is published."))
    return redirect("care:detail", campaign_id=campaign.pk)


@staff_required
@require_POST
def entry_reverse(request: HttpRequest, entry_id: str) -> HttpResponse:
    entry = ledger_queries.get_entry_for(request.user, entry_id, "ledger.correct")
    form = ReverseForm(request.POST)
    if form.is_valid():
        with refusal_on(request):
            ledger_actions.reverse_entry(
                actor=staff_user(request), entry=entry, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("The entry is reversed."))
    else:
        messages.error(request, _("Say why the entry is reversed."))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/staff/care/") else reverse("care:ledger"))


@staff_required
def delivery_note_pdf(request: HttpRequest, campaign_id: int, shipment_id: int) -> HttpResponse:
    campaign = queries.get_campaign_for(request.user, campaign_id, VIEW)
    shipment = queries.get_campaign_shipment(campaign, shipment_id)
    url = request.build_absolute_uri(reverse("care:delivery", args=[shipment.token]))
    return _attachment(
        delivery_note(shipment, url), "application/pdf", f"delivery-{shipment.pk}.pdf"
    )


@staff_required
def campaign_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.get_campaign_for(request.user, campaign_id, VIEW)
    return _attachment(campaign_workbook(campaign), XLSX, f"care-campaign-{campaign.pk}.xlsx")


@staff_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    org = _org(request, VIEW)
    campaigns = list(queries.list_campaigns(request.user, VIEW, org=org)[:50])
    return render(
        request,
        "care/reconciliation.html",
        {"org": org, "campaigns": campaigns, "report": queries.reconcile(campaigns)},
    )


@staff_required
def ledger(request: HttpRequest) -> HttpResponse:
    org = _org(request, VIEW)
    close_form = CloseForm(request.POST or None, user=request.user)
    if request.method == "POST" and close_form.is_valid():
        with refusal_on(close_form):
            ledger_actions.close_period(
                actor=staff_user(request),
                org=close_form.cleaned_data["org"],
                through=close_form.cleaned_data["through"],
            )
            messages.success(request, _("The period is closed."))
            return redirect(f"{reverse('care:ledger')}?org={org.pk}")
    return render(
        request,
        "care/ledger.html",
        {
            "org": org,
            "entries": paginate(request, ledger_queries.list_entries_in(org)),
            "trial_balance": sorted(ledger_queries.trial_balance(org).items()),
            "closed_through": ledger_queries.closed_through_of(org),
            "close_form": close_form,
            "reverse_form": ReverseForm(),
            "can_close": home_org_for(request.user, "ledger.close") is not None,
        },
        status=400 if close_form.errors else 200,
    )


@staff_required
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    org = _org(request, VIEW)
    return _attachment(
        ledger_workbook(ledger_queries.postings_in(org)), XLSX, f"ledger-{org.pk}.xlsx"
    )
