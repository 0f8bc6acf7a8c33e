"""Staff pages of activities: the list with per-category figures, create / edit / publish /
cancel, the detail with live counts and attendance, registrations, the report afterwards, and
the three ways in: the big screen's rotating code, the card-scan desk and the offline batch."""

import io
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gonghui.accounts.access import staff_required, staff_user
from gonghui.accounts.models import User
from gonghui.checkins import actions as checkins
from gonghui.checkins import decoding
from gonghui.checkins.models import CheckIn
from gonghui.checkins.scan_answers import ScanAnswer, desk_answer
from gonghui.core.pages import HtmxRequest, paginate, refusal_on
from gonghui.core.personal import mask_name
from gonghui.core.text import spreadsheet_text
from gonghui.core.uploads import naming_the_file
from gonghui.events import actions, queries
from gonghui.events.forms import (
    BATCH_FORMAT,
    REGISTRATION_STATUSES,
    ActivityEditForm,
    ActivityFilterForm,
    ActivityForm,
    CancelForm,
    ReportForm,
    ScanForm,
    registration_status,
)
from gonghui.events.models import Activity, ActivityPhoto, Category
from gonghui.orgs.models import Org
from gonghui.orgs.queries import get_org_for, home_org_for

RECENT_SCANS = 20
SCREEN_REFRESH_SECONDS = 10
COUNTS_REFRESH_SECONDS = 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day_start(day: date | None) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


# --- list, create, edit, publish, cancel -----------------------------------------------------


def _list_org(request: HttpRequest) -> Org:
    """The org chosen with ?org=, or the user's highest one; 404 outside the scope."""
    if request.GET.get("org"):
        return get_org_for(request.user, request.GET["org"], "events.manage")
    org = home_org_for(request.user, "events.manage")
    if org is None:
        raise Http404
    return org


@staff_required
def activity_list(request: HtmxRequest) -> HttpResponse:
    org = _list_org(request)
    form = ActivityFilterForm(request.GET)
    form.is_valid()  # an invalid filter is left out, not refused
    data = form.cleaned_data
    filters = queries.ActivityFilters(
        category=data.get("category") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        search=data.get("q") or "",
    )
    page = paginate(
        request, queries.list_activities(request.user, "events.manage", filters=filters, within=org)
    )
    labels = dict(Category.choices)
    figures = [
        (labels.get(row.category, row.category), row)
        for row in queries.figures_by_category(
            org,
            start=_day_start(filters.date_from),
            end=_day_start(filters.date_to + timedelta(days=1)) if filters.date_to else None,
        )
    ]
    context = {"org": org, "form": form, "page": page, "filters": filters, "figures": figures}
    if request.htmx and request.htmx.target == "results":
        return render(request, "events/staff_list.html#results", context)
    return render(request, "events/staff_list.html", context)


def _orgs_of(data: dict[str, Any]) -> tuple[Org, Org | None]:
    """The organiser and audience orgs picked in the form (the pickers kept to the scope)."""
    return data.pop("org"), data.pop("audience_org", None)


def _add_photos(
    actor: User, activity: Activity, uploads: list[Any], *, use: str, caption: str = ""
) -> None:
    for upload in uploads:
        with naming_the_file(upload, field="photos"):
            actions.add_photo(
                actor=actor, activity=activity, upload=upload, use=use, caption=caption
            )


@staff_required
def activity_create(request: HttpRequest) -> HttpResponse:
    home = home_org_for(request.user, "events.manage")
    if home is None:
        raise Http404
    initial = {
        "org": request.GET.get("org") or home,
        "audience": "subtree",
        "per_person_limit": 1,
    }
    form = ActivityForm(
        request.POST or None, request.FILES or None, initial=initial, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        values = form.activity_values()
        org, audience_org = _orgs_of(values)
        with refusal_on(form):
            # A refused photo leaves no half-made activity behind.
            with transaction.atomic():
                activity = actions.create_activity(
                    actor=staff_user(request),
                    org=org,
                    audience_org=audience_org,
                    publish="publish" in request.POST,
                    **values,
                )
                _add_photos(
                    staff_user(request), activity, form.cleaned_data["photos"], use="description"
                )
            messages.success(request, _("“%(title)s” is saved.") % {"title": activity.title})
            return redirect("events:staff_detail", activity_id=activity.pk)
    return render(request, "events/staff_form.html", {"form": form, "creating": True})


@staff_required
def activity_edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "events.manage")
    checkpoint = activity.checkpoint
    initial: dict[str, Any] = {
        "org": activity.org_id,
        "title": activity.title,
        "category": activity.category,
        "description": activity.description,
        "audience": activity.audience,
        "audience_org": activity.audience_org_id,
        "place": activity.place,
        "starts_at": timezone.localtime(activity.starts_at),
        "ends_at": timezone.localtime(activity.ends_at),
        "version": activity.version,
        **{
            name: getattr(checkpoint, name)
            for name in ("capacity", "per_person_limit", "approval_required", "allows_walk_ins")
        },
    }
    for name in ("registration_opens_at", "registration_closes_at"):
        value = getattr(checkpoint, name)
        initial[name] = timezone.localtime(value) if value else None
    form = ActivityEditForm(
        request.POST or None, request.FILES or None, initial=initial, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        values = form.activity_values()
        version = values.pop("version")
        org, audience_org = _orgs_of(values)
        with refusal_on(form):
            with transaction.atomic():
                activity = actions.update_activity(
                    actor=staff_user(request),
                    activity=activity,
                    expected_version=version,
                    org=org,
                    audience_org=audience_org,
                    **values,
                )
                _add_photos(
                    staff_user(request), activity, form.cleaned_data["photos"], use="description"
                )
            messages.success(request, _("Changes saved."))
            return redirect("events:staff_detail", activity_id=activity.pk)
    return render(
        request, "events/staff_form.html", {"form": form, "activity": activity, "creating": False}
    )


@staff_required
@require_POST
def activity_publish(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "events.manage")
    with refusal_on(request):
        actions.publish_activity(actor=staff_user(request), activity=activity)
        messages.success(request, _("Published: members can see it and register."))
    return redirect("events:staff_detail", activity_id=activity.pk)


@staff_required
@require_POST
def activity_cancel(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "events.manage")
    form = CancelForm(request.POST)
    if form.is_valid():
        with refusal_on(form):
            actions.cancel_activity(
                actor=staff_user(request), activity=activity, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("The activity is cancelled; those registered are told."))
            return redirect("events:staff_detail", activity_id=activity.pk)
    context = _detail_context(request, activity, cancel_form=form)
    return render(request, "events/staff_detail.html", context, status=400)


# --- detail: live counts, attendance, photos -------------------------------------------------


def _detail_context(request: HttpRequest, activity: Activity, **forms: Any) -> dict[str, Any]:
    photos = list(queries.list_photos(activity))
    return {
        "activity": activity,
        "counts": queries.attendance_of(activity),
        "started": activity.starts_at <= timezone.now(),
        "page": paginate(request, queries.list_attendance_rows(activity)),
        "description_photos": [p for p in photos if p.use == ActivityPhoto.Use.DESCRIPTION],
        "report_photos": [p for p in photos if p.use == ActivityPhoto.Use.REPORT],
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "capabilities": staff_user(request).capabilities_at(activity.org.path),
        "refresh_seconds": COUNTS_REFRESH_SECONDS,
    }


@staff_required
def activity_detail(request: HtmxRequest, activity_id: int) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "events.manage")
    if request.htmx and request.htmx.target == "attendance":
        page = paginate(request, queries.list_attendance_rows(activity))
        return render(
            request, "events/staff_detail.html#attendance", {"activity": activity, "page": page}
        )
    return render(request, "events/staff_detail.html", _detail_context(request, activity))


@staff_required
@never_cache
def activity_counts(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The live counts region, polled by the detail page."""
    activity = queries.get_activity_for(request.user, activity_id, "events.manage")
    context = {
        "activity": activity,
        "counts": queries.attendance_of(activity),
        "started": activity.starts_at <= timezone.now(),
        "refresh_seconds": COUNTS_REFRESH_SECONDS,
    }
    return render(request, "events/staff_detail.html#counts", context)


def _attendance_workbook(activity: Activity) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(_("Attendance"))
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    headers = [
        _("Member number"),
        _("Full name"),
        _("Union"),
        _("Checked in at"),
        _("Method"),
        _("Walk-in"),
    ]
    for column, (header, width) in enumerate(zip(headers, (16, 10, 36, 20, 24, 8), strict=True)):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, header, bold)
    methods = dict(CheckIn.Method.choices)
    yes, no = _("yes"), _("no")
    for row, checkin in enumerate(queries.list_attendance_rows(activity).iterator(2000), 1):
        member = checkin.member
        cells = [
            member.number,
            mask_name(member.name),
            member.org.name,
            timezone.localtime(checkin.checked_in_at).strftime("%Y-%m-%d %H:%M:%S"),
            str(methods.get(checkin.method, checkin.method)),
            yes if checkin.walk_in else no,
        ]
        for column, value in enumerate(cells):
            # write_string: a value is never a formula, whatever it looks like.
            sheet.write_string(row, column, spreadsheet_text(value))
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


@staff_required
def attendance_xlsx(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "events.manage")
    response = HttpResponse(_attendance_workbook(activity), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"attendance-{activity.pk}.xlsx"
    )
    return response


@staff_required
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    picture = queries.get_photo_for(request.user, photo_id, "events.manage")
    response = FileResponse(picture.image.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- registrations ---------------------------------------------------------------------------


@staff_required
def registration_list(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "events.manage")
    status = registration_status(request.GET.get("status", ""))
    page = paginate(request, queries.list_registration_rows(activity, status=status))
    context = {
        "activity": activity,
        "page": page,
        "status": status,
        "statuses": REGISTRATION_STATUSES,
        "counts": queries.attendance_of(activity),
    }
    return render(request, "events/staff_registrations.html", context)


def _back_to_registrations(request: HttpRequest, activity: Activity) -> HttpResponse:
    url = reverse("events:registrations", kwargs={"activity_id": activity.pk})
    status = registration_status(request.POST.get("status", ""))
    return redirect(f"{url}?status={status}" if status else url)


@staff_required
@require_POST
def registration_decide(
    request: HttpRequest, activity_id: int, registration_id: int
) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "events.manage")
    registration = queries.get_registration_of(activity, registration_id)
    decision = request.POST.get("decision")
    if decision not in {"approve", "reject"}:
        messages.error(request, _("Choose to approve or to reject."))
        return _back_to_registrations(request, activity)
    with refusal_on(request):
        decided = checkins.decide_registration(
            actor=staff_user(request), registration=registration, approve=decision == "approve"
        )
        messages.success(
            request,
            _("%(number)s: %(status)s")
            % {"number": registration.member.number, "status": decided.get_status_display()},
        )
    return _back_to_registrations(request, activity)


@staff_required
@require_POST
def registration_cancel(
    request: HttpRequest, activity_id: int, registration_id: int
) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "events.manage")
    registration = queries.get_registration_of(activity, registration_id)
    with refusal_on(request):
        checkins.cancel_registration(actor=staff_user(request), registration=registration)
        messages.success(
            request,
            _("The registration of %(number)s is cancelled.")
            % {"number": registration.member.number},
        )
    return _back_to_registrations(request, activity)


# --- the report after the event --------------------------------------------------------------


@staff_required
def report(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "events.manage")
    form = ReportForm(
        request.POST or None, request.FILES or None, initial={"text": activity.report}
    )
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            with transaction.atomic():
                actions.publish_report(
                    actor=staff_user(request), activity=activity, text=form.cleaned_data["text"]
                )
                _add_photos(
                    staff_user(request),
                    activity,
                    form.cleaned_data["photos"],
                    use="report",
                    caption=form.cleaned_data["caption"],
                )
            messages.success(request, _("The report is published."))
            return redirect("events:staff_detail", activity_id=activity.pk)
    context = {
        "activity": activity,
        "form": form,
        "photos": list(queries.list_photos(activity, use=ActivityPhoto.Use.REPORT)),
        "started": activity.starts_at <= timezone.now(),
    }
    return render(request, "events/staff_report.html", context)


# --- the big screen: a rotating code ---------------------------------------------------------


def member_checkin_path(code: str) -> str:
    """Where a member's phone lands when it scans the screen."""
    try:
        return reverse("events:member_checkin", kwargs={"code": code})
    except NoReverseMatch:
        # The member pages are built alongside these; this is the path agreed with them.
        return f"/a/checkin/{quote(code, safe='')}/"


def _qr_svg(text: str) -> SafeString:
    qr = segno.make(text, error="m")
    # segno draws the matrix as one <path>; nothing from the text itself is in the markup.
    return mark_safe(qr.svg_inline(scale=1, border=2, omitsize=True, light="#fff"))  # noqa: S308


def _screen_context(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    code = checkins.screen_code(activity.checkpoint)
    url = request.build_absolute_uri(member_checkin_path(code))
    return {
        "activity": activity,
        "running": activity.status == Activity.Status.PUBLISHED,
        "code": code,
        "url": url,
        "qr": _qr_svg(url),
        "checked_in": activity.checkpoint.checked_in,
        "refresh_seconds": SCREEN_REFRESH_SECONDS,
    }


@staff_required
@never_cache
def screen(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "checkins.scan")
    return render(request, "events/staff_screen.html", _screen_context(request, activity))


@staff_required
@never_cache
def screen_code(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The code region alone, fetched by the screen every few seconds: codes rotate every 30 s
    and the previous one is still accepted, so the screen never shows a refused code."""
    activity = queries.get_activity_for(request.user, activity_id, "checkins.scan")
    return render(request, "events/staff_screen.html#code", _screen_context(request, activity))


# --- the card-scan desk ----------------------------------------------------------------------


DESK_TITLES = {
    "checked_in": gettext_lazy("Checked in"),
    "already_checked_in": gettext_lazy("Already checked in"),
}


def _answer(entry: dict[str, Any]) -> ScanAnswer:
    """The desk's answer to one scan, in the look of every desk (checkins/scan_result.html)."""
    who = " · ".join(filter(None, [entry.get("member_name"), entry.get("member_number")]))
    if entry.get("walk_in"):
        who = f"{who} · {_('walk-in')}"
    return desk_answer(
        entry["code"],
        entry["message"],
        ok=entry["ok"],
        titles=DESK_TITLES,
        fallback=_("Not checked in"),
        who=who,
        first_at=entry.get("checked_in_at", "") if entry["code"] == "already_checked_in" else "",
    )


def _recent_key(activity: Activity) -> str:
    return f"events.desk.{activity.pk}"


def _remember(request: HttpRequest, activity: Activity, entry: dict[str, Any]) -> list[Any]:
    """The desk's last results live in the session, so the list survives a reload and works
    without JavaScript."""
    recent: list[Any] = [entry, *request.session.get(_recent_key(activity), [])][:RECENT_SCANS]
    request.session[_recent_key(activity)] = recent
    return recent


def _desk_page(
    request: HtmxRequest, activity: Activity, entry: dict[str, Any] | None, *, status: int = 200
) -> HttpResponse:
    context = {
        "activity": activity,
        "form": ScanForm(),
        "result": entry,
        "answer": _answer(entry) if entry else None,
        "recent": request.session.get(_recent_key(activity), []),
    }
    if request.htmx:
        return render(request, "events/staff_desk.html#scan_response", context, status=status)
    return render(request, "events/staff_desk.html", context, status=status)


def _scan(request: HtmxRequest, activity: Activity, card_code: str) -> HttpResponse:
    """One card checked at the desk, typed, scanned or read from a photo: the same action."""
    result = actions.scan_card(actor=staff_user(request), activity=activity, card_code=card_code)
    entry = {
        **result.as_dict(),
        "tone": "ok" if result.ok else "bad",
        "at": timezone.localtime().strftime("%H:%M:%S"),
    }
    _remember(request, activity, entry)
    return _desk_page(request, activity, entry)


@staff_required
def desk(request: HtmxRequest, activity_id: int) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "checkins.scan")
    return _desk_page(request, activity, None)


@staff_required
@require_POST
def scan(request: HtmxRequest, activity_id: int) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "checkins.scan")
    form = ScanForm(request.POST)
    if form.is_valid():
        return _scan(request, activity, form.cleaned_data["card_code"])
    entry = {"ok": False, "code": "empty", "message": _("Scan a member card."), "tone": "bad"}
    return _desk_page(request, activity, entry)


@staff_required
@require_POST
def scan_photo(request: HtmxRequest, activity_id: int) -> HttpResponse:
    """A photo of a member card's QR code (the desk's camera fallback): decoded here, then
    checked in exactly as if the code had been typed."""
    activity = queries.get_activity_for(request.user, activity_id, "checkins.scan")
    with refusal_on(None) as refusal:
        code = decoding.decode_photo(
            upload=request.FILES.get("photo"), limit_key=f"user:{request.user.pk}"
        )
        return _scan(request, activity, code)
    entry = {"ok": False, "code": refusal.code, "message": refusal.message, "tone": "bad"}
    return _desk_page(request, activity, entry, status=refusal.status)


# --- offline batches -------------------------------------------------------------------------


@staff_required
def batch(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = queries.get_activity_for(request.user, activity_id, "checkins.scan")
    return render(request, "events/staff_batch.html", {"activity": activity, "form": ScanForm()})


@staff_required
@require_POST
def batch_upload(request: HttpRequest, activity_id: int) -> JsonResponse:
    """The offline page's upload (JSON, session and CSRF like any staff form). Each item answers
    on its own; the same nonces sent again replay the first answers and change nothing."""
    activity = queries.get_activity_for(request.user, activity_id, "checkins.scan")
    try:
        uploaded = BATCH_FORMAT.parse(request.body)
    except ValidationError as error:
        return JsonResponse({"code": error.code, "message": error.messages[0]}, status=400)
    # A refused upload (too many items, a bad device name) answers as JSON (web/errors.py).
    answers = actions.upload_scans(
        actor=staff_user(request),
        activity=activity,
        device=uploaded.device,
        items=uploaded.items,
    )
    return JsonResponse({"results": answers})
