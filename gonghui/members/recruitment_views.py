"""Recruitment (双沟通) pages: staff run events, print the poster, watch the big screen and hand
out welcome gifts; workers join from their phones through the poster's link."""

import re
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.core.pages import HtmxRequest, paginate, refusal_on
from gonghui.core.personal import mask_mobile
from gonghui.members import actions, poster, queries
from gonghui.members.forms import PLATFORMS, EventForm, JoinForm, OnlineJoinForm, RestockForm
from gonghui.members.models import Application, RecruitmentEvent

# The big screen asks for fresh figures this often (seconds).
SCREEN_REFRESH = 5


def _join_url(request: HttpRequest, event: RecruitmentEvent) -> str:
    return request.build_absolute_uri(reverse("members:join", args=[event.code]))


def _short_url(request: HttpRequest, event: RecruitmentEvent) -> str:
    """The fallback printed under the QR code: no trailing slash, easy to type."""
    return _join_url(request, event).rstrip("/")


# --- staff: events ---------------------------------------------------------------------------


@staff_required
def event_list(request: HttpRequest) -> HttpResponse:
    events = queries.list_events(request.user, "members.view").order_by("-starts_at", "-pk")
    page = paginate(request, events)
    return render(
        request,
        "members/event_list.html",
        {"page": page, "may_create": queries.home_recruiting_union(request.user) is not None},
    )


@staff_required
def event_create(request: HttpRequest) -> HttpResponse:
    home = queries.home_recruiting_union(request.user)
    if home is None:
        raise Http404
    form = EventForm(
        request.POST or None,
        initial={"org": request.GET.get("org") or home},
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        with refusal_on(form):
            event = actions.create_recruitment_event(
                actor=staff_user(request),
                org=data.pop("org"),
                enterprise=data.pop("enterprise"),
                **data,
            )
            messages.success(request, _("The event is set up. Print its poster."))
            return redirect("members:event_detail", event_id=event.pk)
    return render(request, "members/event_form.html", {"form": form})


def _detail_context(request: HttpRequest, event: RecruitmentEvent, **extra: Any) -> dict[str, Any]:
    capabilities = staff_user(request).capabilities_at(event.org.path)
    context: dict[str, Any] = {
        "event": event,
        "figures": queries.event_figures(event),
        "join_url": _join_url(request, event),
        "short_url": _short_url(request, event),
        "capabilities": capabilities,
    }
    if "members.recruit" in capabilities:
        context["restock_form"] = extra.get("restock_form") or RestockForm()
    return context


@staff_required
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = queries.get_event_for(request.user, event_id, "members.view")
    return render(request, "members/event_detail.html", _detail_context(request, event))


@staff_required
@require_POST
def event_restock(request: HttpRequest, event_id: int) -> HttpResponse:
    event = queries.get_event_for(request.user, event_id, "members.recruit")
    form = RestockForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            event = actions.restock_gifts(
                actor=staff_user(request), event=event, added=form.cleaned_data["added"]
            )
            messages.success(
                request,
                _("%(added)d gifts added; %(left)d left.")
                % {
                    "added": form.cleaned_data["added"],
                    "left": event.gift_stock - event.gifts_given,
                },
            )
            return redirect("members:event_detail", event_id=event.pk)
    context = _detail_context(request, event, restock_form=form)
    return render(request, "members/event_detail.html", context, status=400)


@staff_required
def event_poster(request: HttpRequest, event_id: int) -> HttpResponse:
    event = queries.get_event_for(request.user, event_id, "members.view")
    pdf = poster.render_poster(
        event, join_url=_join_url(request, event), short_url=_short_url(request, event)
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="poster-{event.code}.pdf"'
    return response


@staff_required
def event_screen(request: HtmxRequest, event_id: int) -> HttpResponse:
    event = queries.get_event_for(request.user, event_id, "members.view")
    context = {
        "event": event,
        "figures": queries.event_figures(event),
        "refresh": SCREEN_REFRESH,
        "updated_at": timezone.localtime(),
    }
    if request.htmx:
        return render(request, "members/event_screen.html#figures", context)
    context["qr_svg"] = poster.qr_svg(_join_url(request, event))
    context["short_url"] = _short_url(request, event)
    return render(request, "members/event_screen.html", context)


# --- staff: the gift desk --------------------------------------------------------------------


@staff_required
def event_gifts(request: HtmxRequest, event_id: int) -> HttpResponse:
    event = queries.get_event_for(request.user, event_id, "members.recruit")
    search = request.GET.get("q", "").strip()
    context = {
        "event": event,
        "search": search,
        "applications": queries.search_event_applications(
            request.user, "members.recruit", event=event, search=search
        ),
        "gifts_left": max(event.gift_stock - event.gifts_given, 0),
    }
    if request.htmx:
        return render(request, "members/event_gifts.html#results", context)
    return render(request, "members/event_gifts.html", context)


@staff_required
@require_POST
def event_give_gift(request: HtmxRequest, event_id: int, application_id: int) -> HttpResponse:
    event = queries.get_event_for(request.user, event_id, "members.recruit")
    application = queries.get_application_for(request.user, application_id, "members.recruit")
    if application.event_id != event.pk:
        raise Http404
    # An htmx request shows the refusal in the row itself, a full page as a flash message.
    with refusal_on(None if request.htmx else request) as refusal:
        application = actions.give_welcome_gift(actor=staff_user(request), application=application)
    error = refusal.message
    if request.htmx:
        event = queries.get_event_for(request.user, event_id, "members.recruit")
        context = {
            "event": event,
            "application": application,
            "error": error,
            "given_now": not error,
            "gifts_left": max(event.gift_stock - event.gifts_given, 0),
        }
        # 200 even when refused: htmx swaps only successful responses, and the row shows why.
        return render(request, "members/event_gifts.html#row", context)
    if not error:
        messages.success(request, _("Gift handed out to %(name)s.") % {"name": application.name})
    url = reverse("members:event_gifts", args=[event.pk])
    search = request.POST.get("q", "")
    return redirect(f"{url}?{urlencode({'q': search})}" if search else url)


# --- workers: joining and the receipt --------------------------------------------------------


def _join_page(
    request: HttpRequest, event: RecruitmentEvent, form: JoinForm, *, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    is_open = event.starts_at <= now <= event.ends_at + actions.EVENT_GRACE
    return render(
        request,
        "members/join.html",
        {
            "event": event,
            "form": form,
            "platforms": PLATFORMS,
            "is_open": is_open,
            "receiving_union": actions.route(event, None, None),
            "consent_version": settings.CONSENT_VERSION,
            "form_action": reverse("members:join", args=[event.code]),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def join(request: HttpRequest, code: str) -> HttpResponse:
    """The phone form behind a poster's QR code; no sign-in needed."""
    event = queries.get_event_by_code(code)
    if request.method != "POST":
        if request.method == "GET":
            actions.count_scan(event)
        # A fresh one-time token per page: it becomes the application's submission key.
        return _join_page(request, event, JoinForm(initial={"token": uuid.uuid4().hex}))
    form = JoinForm(request.POST)
    if form.is_valid():
        token = form.cleaned_data["token"]
        status_url = request.build_absolute_uri(reverse("members:receipt", args=["RECEIPT"]))
        with refusal_on(form) as refusal:
            submitted = actions.submit_application(
                event=event,
                submission_key=token,
                consent=form.cleaned_data["consent"],
                consent_version=form.cleaned_data["consent_version"],
                status_url=status_url,
                **form.person(),
            )
            # The same answer for everyone: the status link goes to the phone, not this page.
            masked = mask_mobile(str(submitted.application.mobile))
            url = reverse("members:join_received", args=[event.code])
            return redirect(f"{url}?{urlencode({'to': masked})}")
        return _join_page(request, event, form, status=refusal.status)
    return _join_page(request, event, form, status=400)


def _online_page(request: HttpRequest, form: OnlineJoinForm, *, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "platforms": PLATFORMS,
        "is_open": True,
        "consent_version": settings.CONSENT_VERSION,
        "form_action": reverse("members:join_online"),
    }
    return render(request, "members/join.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def join_online(request: HttpRequest) -> HttpResponse:
    """Joining without an event (from the home page or a station poster); no sign-in needed.
    Routed like an event's applications: the employer's union when the enterprise register
    knows it has one, else the street or industry union the worker chooses."""
    unions = queries.list_joinable_unions()
    if request.method != "POST":
        form = OnlineJoinForm(initial={"token": uuid.uuid4().hex}, union_choices=unions)
        return _online_page(request, form)
    form = OnlineJoinForm(request.POST, union_choices=unions)
    if not form.is_valid():
        return _online_page(request, form, status=400)
    data = form.cleaned_data
    org = queries.get_joinable_union(data["union"])
    enterprise = queries.find_employer(data["employer_name"], data["credit_code"])
    status_url = request.build_absolute_uri(reverse("members:receipt", args=["RECEIPT"]))
    with refusal_on(form) as refusal:
        submitted = actions.submit_application(
            event=None,
            org=org,
            enterprise=enterprise,
            submission_key=data["token"],
            consent=data["consent"],
            consent_version=data["consent_version"],
            channel=Application.ONLINE,
            status_url=status_url,
            **form.person(),
        )
        masked = mask_mobile(str(submitted.application.mobile))
        url = reverse("members:join_online_received")
        return redirect(f"{url}?{urlencode({'to': masked})}")
    return _online_page(request, form, status=refusal.status)


# The only thing the "received" page takes from its address: a masked number, as it shows it.
MASKED_MOBILE = re.compile(r"^1\d{2}\*{4}\d{4}$")


@never_cache
def join_received(request: HttpRequest, code: str) -> HttpResponse:
    """After a submission: where the status link went. Whoever applied, and whether or not
    they are already a member or applied before, sees this same page."""
    event = queries.get_event_by_code(code)
    masked = request.GET.get("to", "")
    return render(
        request,
        "members/join_received.html",
        {
            "event": event,
            "mobile_masked": masked if MASKED_MOBILE.match(masked) else "",
            "message": actions.received_message(),
        },
    )


@never_cache
def join_online_received(request: HttpRequest) -> HttpResponse:
    """After an online submission: the same page for everyone, as after an event's."""
    masked = request.GET.get("to", "")
    return render(
        request,
        "members/join_received.html",
        {
            "event": None,
            "mobile_masked": masked if MASKED_MOBILE.match(masked) else "",
            "message": actions.received_message(),
        },
    )


@never_cache
def receipt(request: HttpRequest, receipt: str) -> HttpResponse:
    """The applicant's status page; its address is the secret sent to them by SMS."""
    application = queries.get_application_by_receipt(receipt)
    response = render(
        request,
        "members/receipt.html",
        {"application": application, "Status": Application.Status},
    )
    response["X-Robots-Tag"] = "noindex"
    return response
