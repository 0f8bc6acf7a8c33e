"""Members' activity pages on the phone: browse what is open to them, register (capacity and
waiting list), see their own registrations, and check in with the big screen's rotating code."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.accounts.models import User
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import Checkpoint, Registration
from gonghui.checkins.scan_answers import ScanAnswer, answered, scan_answer
from gonghui.checkins.verdict import ScanResult
from gonghui.core.pages import paginate, refusal_on
from gonghui.events import actions, queries
from gonghui.events.models import Activity, Category
from gonghui.members.members_only import members_only_page
from gonghui.members.models import Member
from gonghui.members.queries import get_own_member

PAGE_SIZE = 20
# The answer to a check-in, carried across the redirect after the POST (shown once).
CHECKIN_RESULT_KEY = "events.checkin_result"


class ActivityFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        required=False,
        choices=[("", gettext_lazy("All categories")), *Category.choices],
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


FILTER_FIELDS = ("category", "date_from", "date_to")


def _filter_data(query: QueryDict) -> QueryDict:
    # Without a "from" in the address the list starts today: what is coming up, not years of
    # past activities. An emptied "from" field (present but blank) shows everything.
    data = query.copy()
    if "date_from" not in data:
        data["date_from"] = timezone.localdate().isoformat()
    return data


def _filters(form: ActivityFilterForm) -> queries.ActivityFilters:
    # A malformed field is dropped (is_valid leaves it out of cleaned_data), never a 500.
    form.is_valid()
    data = form.cleaned_data
    return queries.ActivityFilters(
        category=data.get("category") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


def _places_left(checkpoint: Checkpoint) -> int | None:
    """None when the activity has no capacity limit."""
    if checkpoint.capacity is None:
        return None
    return max(checkpoint.capacity - checkpoint.confirmed_places, 0)


@dataclass(frozen=True)
class ActivityRow:
    activity: Activity
    places_left: int | None


def member_list(request: HttpRequest) -> HttpResponse:
    member = get_own_member(request.user)
    form = ActivityFilterForm(_filter_data(request.GET))
    activities = queries.list_open_activities(member, filters=_filters(form))
    page = paginate(request, activities, per_page=PAGE_SIZE)
    rows = [ActivityRow(a, _places_left(a.checkpoint)) for a in page.object_list]
    return render(
        request,
        "events/member_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "member": member,
            # What the member chose (not the list's own start at today): an empty list says
            # "nothing open now" unless the member narrowed it.
            "filtered": any(request.GET.get(name) for name in FILTER_FIELDS),
        },
    )


def member_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    member = get_own_member(request.user)
    if (member is None or not member.is_active) and queries.is_for_members_only(activity_id):
        return members_only_page(request)
    activity = queries.get_open_activity(member, activity_id)
    registration = queries.get_own_registration(member, activity) if member else None
    check_in = queries.get_own_check_in(member, activity) if member else None
    photos = queries.list_shown_photos(activity)
    context: dict[str, Any] = {
        "activity": activity,
        "checkpoint": activity.checkpoint,
        "member": member,
        "is_member": member is not None and member.is_active,
        "registration": registration,
        "check_in": check_in,
        "places_left": _places_left(activity.checkpoint),
        "place_choices": range(1, activity.checkpoint.per_person_limit + 1),
        "state": queries.registration_state(activity, timezone.now()),
        "description_photos": [p for p in photos if p.use == p.Use.DESCRIPTION],
        "report_photos": [p for p in photos if p.use == p.Use.REPORT],
    }
    return render(request, "events/member_detail.html", context)


def _detail(activity: Activity) -> HttpResponse:
    return redirect("events:member_detail", activity_id=activity.pk)


def _participant(
    request: HttpRequest, activity_id: int
) -> tuple[Member | None, Activity] | HttpResponse:
    """The signed-in member and an activity open to them, for the POST buttons; a visitor who
    is not signed in goes to sign in and comes back to the activity page."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("events:member_detail", args=[activity_id]))
    member = get_own_member(request.user)
    return member, queries.get_open_activity(member, activity_id)


def _join_first(request: HttpRequest, activity: Activity) -> HttpResponse:
    messages.error(request, _("Only union members can register: join the union first."))
    return _detail(activity)


@require_POST
def member_register(request: HttpRequest, activity_id: int) -> HttpResponse:
    found = _participant(request, activity_id)
    if isinstance(found, HttpResponse):
        return found
    member, activity = found
    if member is None:
        return _join_first(request, activity)
    try:
        places = int(request.POST.get("places", "1"))
    except ValueError:
        places = 0  # refused by the action with its own message
    with refusal_on(request):
        registration = actions.register_for_activity(
            member=member, activity=activity, places=places
        )
        if registration.status == Registration.Status.CONFIRMED:
            messages.success(request, _("You are registered."))
        elif registration.status == Registration.Status.WAITLISTED:
            messages.info(
                request,
                _(
                    "The activity is full: you are on the waiting list. If a place comes free "
                    "we will text you."
                ),
            )
        else:
            messages.info(request, _("Registered: the organiser will approve it."))
    return _detail(activity)


@require_POST
def member_cancel(request: HttpRequest, activity_id: int) -> HttpResponse:
    found = _participant(request, activity_id)
    if isinstance(found, HttpResponse):
        return found
    member, activity = found
    registration = queries.get_own_registration(member, activity) if member else None
    if registration is None:
        messages.error(request, _("You are not registered for this activity."))
        return _detail(activity)
    assert isinstance(request.user, User)  # the member found is the signed-in account's
    with refusal_on(request):
        checkins.cancel_registration(actor=request.user, registration=registration)
        messages.success(request, _("Your registration is cancelled."))
    return _detail(activity)


@require_POST
def member_confirm_offer(request: HttpRequest, activity_id: int) -> HttpResponse:
    found = _participant(request, activity_id)
    if isinstance(found, HttpResponse):
        return found
    member, activity = found
    registration = queries.get_own_registration(member, activity) if member else None
    if member is None or registration is None:
        messages.error(request, _("There is no place waiting for you."))
        return _detail(activity)
    with refusal_on(request):
        checkins.confirm_offer(member=member, registration=registration)
        messages.success(request, _("The place is yours: you are registered."))
    return _detail(activity)


@login_required
def my_activities(request: HttpRequest) -> HttpResponse:
    member = get_own_member(request.user)
    registrations = (
        list(queries.list_own_activity_registrations(member)) if member is not None else []
    )
    return render(
        request,
        "events/member_mine.html",
        {"member": member, "registrations": registrations},
    )


# --- check-in by the big screen's rotating code ----------------------------------------------


def _answer(code: str, message: str, checked_in_at: str = "") -> ScanAnswer:
    titles = {
        "checked_in": ("ok", _("Checked in")),
        "already_checked_in": ("warn", _("Already checked in")),
        "code_expired": ("bad", _("Code expired")),
        "code_invalid": ("bad", _("Not a valid code")),
        "code_other_checkpoint": ("bad", _("Code of another activity")),
        "not_registered": ("bad", _("Not registered")),
        "not_a_member": ("bad", _("Not a member")),
        "not_open": ("bad", _("Check-in is not open yet")),
        "closed": ("bad", _("Check-in has closed")),
        "activity_cancelled": ("bad", _("Activity cancelled")),
    }
    return scan_answer(
        code,
        message,
        titles=titles,
        fallback=_("Not checked in"),
        done=_("Checked in at %(time)s."),
        checked_in_at=checked_in_at,
    )


def _checkin_page(
    request: HttpRequest,
    *,
    code: str,
    activity: Activity | None,
    answer: ScanAnswer | None,
    status: int = 200,
) -> HttpResponse:
    context = {"code": code, "activity": activity, "answer": answer}
    return render(request, "events/member_checkin.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def member_checkin(request: HttpRequest, code: str) -> HttpResponse:
    """GET shows the activity and a button; only the POST checks in, so a link preview or a
    browser's prefetch of the scanned address checks nobody in."""
    parsed = answered(lambda: checkins.parse_screen_code(code))
    if isinstance(parsed, ScanResult):
        invalid = _answer(parsed.code, parsed.message)
        return _checkin_page(request, code=code, activity=None, answer=invalid, status=400)
    checkpoint_id, _window, _signature = parsed
    member = get_own_member(request.user)
    if member is None or not member.is_active:
        outsider = _answer(
            "not_a_member", _("Only active union members can check in: join the union first.")
        )
        return _checkin_page(request, code=code, activity=None, answer=outsider, status=403)
    activity = queries.get_open_activity_by_checkpoint(member, checkpoint_id)
    if request.method == "POST":
        result = answered(
            lambda: actions.check_in_at_activity(member=member, activity=activity, code=code)
        )
        request.session[CHECKIN_RESULT_KEY] = {
            "checkpoint": activity.checkpoint_id,
            "code": result.code,
            "message": result.message,
            "checked_in_at": result.checked_in_at,
        }
        # Post/redirect/get: a reload shows the button again instead of re-sending the form.
        return redirect("events:member_checkin", code=code)
    shown = request.session.pop(CHECKIN_RESULT_KEY, None)
    answer: ScanAnswer | None = None
    if isinstance(shown, dict) and shown.get("checkpoint") == activity.checkpoint_id:
        answer = _answer(
            str(shown.get("code", "")),
            str(shown.get("message", "")),
            str(shown.get("checked_in_at", "")),
        )
    elif activity.status == Activity.Status.CANCELLED:
        answer = _answer("activity_cancelled", _("This activity is cancelled."))
    return _checkin_page(request, code=code, activity=activity, answer=answer)


# --- photos ----------------------------------------------------------------------------------


@require_GET
@cache_control(private=True, max_age=3600)
def photo(request: HttpRequest, activity_id: int, photo_id: int) -> FileResponse:
    """An activity's photo, for anyone who may see the activity (the audience decides)."""
    member = get_own_member(request.user)
    activity = queries.get_open_activity(member, activity_id)
    picture = queries.get_shown_photo(activity, photo_id)
    try:
        handle = picture.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, content_type="image/jpeg")
