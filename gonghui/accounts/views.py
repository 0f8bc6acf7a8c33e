"""Signing in and out: workers by mobile and SMS code, staff by password."""

from contextlib import suppress

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.accounts import actions, lockout
from gonghui.accounts.forms import CodeRequestForm, CodeVerifyForm, StaffLoginForm
from gonghui.accounts.models import User
from gonghui.core.errors import DomainError
from gonghui.members.actions import link_member_account
from gonghui.members.queries import find_own_member
from gonghui.web.form_errors import add_domain_error

WORKER_BACKEND = "gonghui.accounts.backends.StaffPasswordBackend"


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _link_membership(user: User) -> None:
    """A worker approved before their first sign-in meets their membership here: the SMS code
    just proved they hold the mobile number it was recorded with."""
    member = find_own_member(user)
    if member is not None and member.user_id is None:
        # Linked to another account meanwhile: the card page explains.
        with suppress(DomainError):
            link_member_account(actor=user, member=member)


def login_request_code(request: HttpRequest) -> HttpResponse:
    form = CodeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            actions.request_login_code(mobile=mobile)
        except DomainError as error:
            if error.code != "code_recently_sent":
                add_domain_error(form, error)
                return render(request, "accounts/login.html", {"form": form})
            messages.info(request, str(error.message))
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
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request, "")})


@require_POST
def login_verify_code(request: HttpRequest) -> HttpResponse:
    form = CodeVerifyForm(request.POST)
    mobile = request.POST.get("mobile", "")
    if form.is_valid():
        try:
            user = actions.verify_login_code(
                mobile=form.cleaned_data["mobile"], code=form.cleaned_data["code"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            login(request, user, backend=WORKER_BACKEND)
            _link_membership(user)
            return redirect(_next_url(request, "web:me"))
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "mobile": mobile, "next": _next_url(request, "")},
    )


def staff_login(request: HttpRequest) -> HttpResponse:
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["username"]
        if lockout.is_locked_out(identifier):
            form.add_error(None, _("Too many failed sign-ins. Wait fifteen minutes and try again."))
        else:
            user = authenticate(
                request, username=identifier, password=form.cleaned_data["password"]
            )
            if user is None:
                lockout.record_login_failure(identifier)
                form.add_error(None, _("The username or password is not correct."))
            else:
                lockout.clear_login_failures(identifier)
                login(request, user)
                return redirect(_next_url(request, "web:staff_home"))
    return render(
        request, "accounts/staff_login.html", {"form": form, "next": _next_url(request, "")}
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("web:home")
