"""Signing in and out: workers by mobile and SMS code; staff by password, then their
authenticator's code (or, the first time their role requires it, setting one up)."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gonghui.accounts import actions, sessions, two_factor
from gonghui.accounts.forms import (
    CodeRequestForm,
    CodeVerifyForm,
    SecondFactorForm,
    StaffLoginForm,
    TwoFactorSetupForm,
)
from gonghui.accounts.models import User
from gonghui.accounts.two_factor_views import setup_context
from gonghui.core.pages import refusal_on


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default) if default else ""


# The pages a scanned check-in code opens (an activity's screen code, a station's poster): a
# signed-out scan lands on the sign-in page, which says why and returns there afterwards.
SCAN_VIEWS = frozenset({"events:member_checkin", "stations:visit"})


def _is_scan(next_url: str) -> bool:
    try:
        return resolve(urlsplit(next_url).path).view_name in SCAN_VIEWS
    except Resolver404:
        return False


def login_request_code(request: HttpRequest) -> HttpResponse:
    form = CodeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        with refusal_on(form) as refusal:
            actions.request_login_code(mobile=mobile)
        if refusal.error is not None and refusal.error.code == "code_recently_sent":
            # Not a failure: the code sent a moment ago is still good, so go on to enter it.
            messages.info(request, refusal.message)
        elif refusal.error is not None:
            return render(request, "accounts/login.html", {"form": form}, status=refusal.status)
        verify = CodeVerifyForm(initial={"mobile": mobile})
        return render(
            request,
            "accounts/login_code.html",
            {
                "form": verify,
                "mobile": mobile,
                "next": _next_url(request, ""),
            },
        )
    next_url = _next_url(request, "")
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": next_url, "for_scan": bool(next_url) and _is_scan(next_url)},
    )


@require_POST
def login_verify_code(request: HttpRequest) -> HttpResponse:
    form = CodeVerifyForm(request.POST)
    mobile = request.POST.get("mobile", "")
    status = 200
    if form.is_valid():
        with refusal_on(form) as refusal:
            user = actions.verify_login_code(
                mobile=form.cleaned_data["mobile"], code=form.cleaned_data["code"]
            )
            sessions.complete_sign_in(request, user, kind="sms", second_factor=False)
            return redirect(_next_url(request, "web:me"))
        status = refusal.status
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "mobile": mobile, "next": _next_url(request, "")},
        status=status,
    )


@never_cache
def staff_login(request: HttpRequest) -> HttpResponse:
    form = StaffLoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with refusal_on(form) as refusal:
                checked = actions.sign_in_with_password(
                    identifier=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                )
                next_url = _next_url(request, "web:staff_home")
                return sessions.continue_after_password(request, checked, next_url)
            status = refusal.status
    return render(
        request,
        "accounts/staff_login.html",
        {"form": form, "next": _next_url(request, "")},
        status=status,
    )


def _expired(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Your sign-in took too long. Please enter your password again."))
    return redirect("accounts:staff_login")


@never_cache
def staff_login_code(request: HttpRequest) -> HttpResponse:
    """The second step: the authenticator's six-digit code, or a recovery code."""
    pending = sessions.pending_sign_in(request)
    if pending is None:
        return _expired(request)
    user, next_url = pending
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        with refusal_on(form) as refusal:
            two_factor.verify_second_factor(user=user, code=form.cleaned_data["code"])
            sessions.complete_sign_in(request, user, kind="password", second_factor=True)
            return redirect(next_url)
        status = refusal.status
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/staff_login_code.html", {"form": form}, status=status)


@never_cache
def staff_login_setup(request: HttpRequest) -> HttpResponse:
    """First sign-in of someone whose role requires two-factor sign-in: set the authenticator
    up before anything else. The recovery codes are shown once, on the answer to the code."""
    pending = sessions.pending_sign_in(request)
    if pending is None:
        return _expired(request)
    user, next_url = pending
    device = two_factor.start_enrolment(actor=user)
    form = TwoFactorSetupForm(request.POST or None, replacing=False)
    status = 200
    if request.method == "POST" and form.is_valid():
        with refusal_on(form) as refusal:
            codes = two_factor.confirm_enrolment(actor=user, code=form.cleaned_data["code"])
            sessions.complete_sign_in(request, user, kind="password", second_factor=True)
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url}
            )
        status = refusal.status
    elif request.method == "POST":
        status = 400
    context = setup_context(user, device, form, action=reverse("accounts:staff_login_setup"))
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("web:home")


def admin_login(request: HttpRequest) -> HttpResponse:
    """The Django admin's sign-in page: the staff sign-in, with its lockout and second factor,
    is the only way in (the admin's own password form is never served)."""
    target = _next_url(request, "admin:index")
    user = request.user
    if isinstance(user, User) and user.is_authenticated:
        if user.is_active and user.is_superuser:
            return redirect(target)
        # Signed in but not an operator: sending them back to the admin would loop.
        raise PermissionDenied
    return redirect(f"{reverse('accounts:staff_login')}?{urlencode({'next': target})}")
