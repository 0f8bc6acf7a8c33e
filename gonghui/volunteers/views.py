"""The volunteer's phone pages: shifts to sign up for (by project, day and time slot), reporting
for duty and departure with the shift's rotating code, their own record with certificates, and
the public page that verifies a certificate's QR code."""

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.accounts.models import User
from gonghui.checkins import actions as checkins
from gonghui.checkins.scan_answers import ScanAnswer, answered, scan_answer
from gonghui.checkins.verdict import ScanResult
from gonghui.core.pages import refusal_on
from gonghui.members.members_only import members_only_page
from gonghui.members.models import Member
from gonghui.members.queries import get_own_member
from gonghui.volunteers import actions, certificates, queries
from gonghui.volunteers.models import Shift

# The answer to a duty scan, carried across the redirect after the POST (shown once).
DUTY_RESULT_KEY = "volunteers.duty_result"
# A leader's list shows the latest shifts of their teams.
LED_SHIFTS = 100


def _active_member(request: HttpRequest) -> Member | None:
    member = get_own_member(request.user)
    return member if member is not None and member.is_active else None


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # behind login_required
    return request.user


@login_required
@require_GET
def shift_list(request: HttpRequest) -> HttpResponse:
    """Coming shifts of published projects, by project, then day and time slot."""
    member = _active_member(request)
    if member is None:
        return members_only_page(request)
    mine = queries.my_shift_ids(member)
    grouped: dict[Any, dict[Any, list[Shift]]] = defaultdict(lambda: defaultdict(list))
    for shift in queries.list_open_shifts(on_or_after=timezone.localdate()):
        grouped[shift.project][timezone.localdate(shift.starts_at)].append(shift)
    projects = [
        (project, sorted(days.items(), key=lambda item: item[0]))
        for project, days in grouped.items()
    ]
    return render(
        request,
        "volunteers/member_shifts.html",
        {"projects": projects, "mine": mine, "member": member},
    )


def _shift_post(request: HttpRequest, shift_id: int) -> tuple[Member, Shift] | HttpResponse:
    member = _active_member(request)
    if member is None:
        return members_only_page(request)
    return member, queries.get_open_shift(shift_id)


@login_required
@require_POST
def sign_up(request: HttpRequest, shift_id: int) -> HttpResponse:
    found = _shift_post(request, shift_id)
    if isinstance(found, HttpResponse):
        return found
    member, shift = found
    with refusal_on(request):
        actions.sign_up(member=member, shift=shift)
        messages.success(
            request,
            _("You are signed up: %(site)s, %(time)s.")
            % {
                "site": shift.site.name,
                "time": timezone.localtime(shift.starts_at).strftime("%m-%d %H:%M"),
            },
        )
    return redirect("volunteers:shifts")


@login_required
@require_POST
def cancel(request: HttpRequest, shift_id: int) -> HttpResponse:
    found = _shift_post(request, shift_id)
    if isinstance(found, HttpResponse):
        return found
    member, shift = found
    with refusal_on(request):
        actions.cancel_sign_up(actor=_user(request), member=member, shift=shift)
        messages.success(request, _("Your place is given back."))
    return redirect("volunteers:shifts")


# --- reporting for duty with the shift's rotating code ---


def _answer(code: str, message: str, checked_in_at: str = "") -> ScanAnswer:
    titles = {
        "checked_in": ("ok", _("Reported for duty")),
        "left": ("ok", _("Departure recorded")),
        "already_checked_in": ("warn", _("Already reported")),
        "already_left": ("warn", _("Departure already recorded")),
        "code_expired": ("bad", _("Code expired")),
        "code_invalid": ("bad", _("Not a valid code")),
        "code_other_checkpoint": ("bad", _("Code of another shift")),
        "not_registered": ("bad", _("Not signed up for this shift")),
        "wrong_site": ("bad", _("Wrong site")),
        "not_a_member": ("bad", _("Not a member")),
        "not_open": ("bad", _("Not open yet")),
        "closed": ("bad", _("Closed")),
        "shift_over": ("bad", _("Shift over")),
        "not_arrived": ("bad", _("No arrival recorded")),
        "left_before_arrival": ("bad", _("Departure before arrival")),
        "not_published": ("bad", _("Not published")),
    }
    return scan_answer(
        code,
        message,
        titles=titles,
        fallback=_("Not recorded"),
        done=_("Reported for duty at %(time)s."),
        checked_in_at=checked_in_at,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def duty(request: HttpRequest, code: str) -> HttpResponse:
    """Where the shift's QR code lands. GET shows the shift and one button — report for duty,
    or, once arrived, report departure; only the POST records it (a link preview records
    nothing)."""
    parsed = answered(lambda: checkins.parse_screen_code(code))
    if isinstance(parsed, ScanResult):
        invalid = _answer(parsed.code, parsed.message)
        context: dict[str, Any] = {"code": code, "shift": None, "answer": invalid}
        return render(request, "volunteers/member_duty.html", context, status=400)
    checkpoint_id, _window, _signature = parsed
    member = _active_member(request)
    if member is None:
        return members_only_page(request)
    shift = queries.get_shift_by_checkpoint(checkpoint_id)
    if request.method == "POST":
        departure = request.POST.get("direction") == "leave"
        result = answered(
            lambda: actions.report_by_code(
                member=member, shift=shift, code=code, departure=departure
            )
        )
        request.session[DUTY_RESULT_KEY] = {
            "shift": shift.pk,
            "code": result.code,
            "message": result.message,
            "checked_in_at": result.checked_in_at if result.code == "checked_in" else "",
        }
        return redirect("volunteers:duty", code=code)
    shown = request.session.pop(DUTY_RESULT_KEY, None)
    answer: ScanAnswer | None = None
    if isinstance(shown, dict) and shown.get("shift") == shift.pk:
        answer = _answer(
            str(shown.get("code", "")),
            str(shown.get("message", "")),
            str(shown.get("checked_in_at", "")),
        )
    stay = queries.stay_of(shift, member)
    context = {
        "code": code,
        "shift": shift,
        "answer": answer,
        "arrived_at": stay[0] if stay else None,
        "left_at": stay[1] if stay else None,
    }
    return render(request, "volunteers/member_duty.html", context)


# --- the volunteer's record and certificates ---


@login_required
@require_GET
def record(request: HttpRequest) -> HttpResponse:
    """The volunteer's record: certified hours by year, every shift with its times, and the
    certificates issued. It is kept by the person, whatever union they belong to now."""
    member = get_own_member(request.user)
    if member is None:
        return members_only_page(request)
    rows, years = queries.record_of(member)
    context = {
        "member": member,
        "rows": rows,
        "years": years,
        "certificates": queries.my_certificates(member),
    }
    return render(request, "volunteers/member_record.html", context)


@login_required
@require_POST
def issue_certificate(request: HttpRequest) -> HttpResponse:
    member = get_own_member(request.user)
    if member is None:
        return members_only_page(request)
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        raise Http404 from None
    with refusal_on(request):
        certificate = actions.issue_certificate(actor=_user(request), member=member, year=year)
        return redirect("volunteers:certificate_pdf", serial=certificate.serial)
    return redirect("volunteers:record")


def _verify_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("volunteers:verify", kwargs={"code": code}))


@login_required
@require_GET
def certificate_pdf(request: HttpRequest, serial: str) -> HttpResponse:
    member = get_own_member(request.user)
    if member is None:
        raise Http404
    certificate = queries.get_own_certificate(member, serial)
    pdf = certificates.render_pdf(
        certificate,
        name=member.name,
        organisers=queries.organisers_of(member, certificate.year),
        verify_url=_verify_url(request, certificates.code_of(certificate)),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = content_disposition_header(
        False, f"volunteer-hours-{certificate.year}-{certificate.serial}.pdf"
    )
    if disposition:
        response["Content-Disposition"] = disposition
    return response


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone may check a certificate: a genuine code whose certificate says the same is shown
    with the name masked; anything else is "not genuine"."""
    claims = certificates.read_code(code)
    certificate = None
    if claims is not None:
        try:
            found = queries.get_certificate(claims.serial)
        except Http404:
            found = None
        if found is not None and certificates.matches(found, claims):
            certificate = found
    context = {
        "certificate": certificate,
        "hours": certificates.hours_text(certificate.minutes) if certificate else "",
    }
    return render(request, "volunteers/verify.html", context, status=200 if certificate else 404)


# --- a team leader's pages: coverage and gaps, attendance, certifying ---


@login_required
@require_GET
def lead(request: HttpRequest) -> HttpResponse:
    """The shifts of the teams the volunteer leads: places, taken, the gap, reported."""
    member = _active_member(request)
    if member is None:
        return members_only_page(request)
    shifts = list(queries.list_led_shifts(member)[:LED_SHIFTS])
    return render(request, "volunteers/member_lead.html", {"shifts": shifts})


@login_required
@require_GET
def lead_shift(request: HttpRequest, shift_id: int) -> HttpResponse:
    member = _active_member(request)
    if member is None:
        return members_only_page(request)
    shift = queries.get_led_shift(member, shift_id)
    context = {"shift": shift, "rows": queries.attendance_of(shift), "me": member}
    return render(request, "volunteers/member_lead_shift.html", context)


@login_required
@require_POST
def lead_certify(request: HttpRequest, shift_id: int, member_id: int) -> HttpResponse:
    leader = _active_member(request)
    if leader is None:
        return members_only_page(request)
    shift = queries.get_led_shift(leader, shift_id)
    volunteer = queries.get_member_on_shift(shift, member_id)
    with refusal_on(request):
        certification = actions.certify_hours(actor=_user(request), shift=shift, member=volunteer)
        messages.success(
            request, _("Certified: %(minutes)d minutes.") % {"minutes": certification.minutes}
        )
    return redirect("volunteers:lead_shift", shift_id=shift.pk)
