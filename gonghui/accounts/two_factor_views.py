"""A staff member's own sign-in security: two-factor sign-in (set up, new recovery codes,
turn off) and ending every session of their account."""

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gonghui.accounts import actions, queries, sessions, totp, two_factor
from gonghui.accounts.access import staff_required, staff_user
from gonghui.accounts.forms import SecondFactorForm, TwoFactorSetupForm
from gonghui.accounts.models import TotpDevice, User
from gonghui.core.pages import refusal_on


def setup_context(
    user: User, device: TotpDevice, form: TwoFactorSetupForm, *, action: str
) -> dict[str, Any]:
    """The set-up page: the new secret as a QR code for the app, and as text to type."""
    secret = str(device.pending_secret)
    uri = totp.provisioning_uri(
        secret, account=user.username or str(user.pk), issuer=settings.TOTP_ISSUER
    )
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, omitsize=True, light="#fff")
    return {
        "form": form,
        "action": action,
        "secret": totp.grouped(secret),
        # segno draws the matrix as one <path>; nothing of the secret is in the markup as text.
        "qr": mark_safe(svg),  # noqa: S308
        "replacing": device.is_confirmed,
    }


def _security_context(user: User, **forms: Any) -> dict[str, Any]:
    return {
        "device": two_factor.confirmed_device(user),
        "codes_left": two_factor.unused_recovery_codes(user),
        "required": user.requires_two_factor,
        "token_count": queries.list_own_tokens(user).count(),
        "idle_minutes": settings.STAFF_IDLE_SECONDS // 60,
        "session_hours": settings.STAFF_SESSION_MAX_SECONDS // 3600,
        "codes_form": forms.get("codes_form") or SecondFactorForm(prefix="codes"),
        "off_form": forms.get("off_form") or SecondFactorForm(prefix="off"),
    }


@staff_required
@never_cache
def security(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    return render(request, "accounts/security.html", _security_context(user))


@staff_required
@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in on, or move it to a new phone."""
    user = staff_user(request)
    device = two_factor.start_enrolment(actor=user)
    form = TwoFactorSetupForm(request.POST or None, replacing=device.is_confirmed)
    status = 200
    if request.method == "POST" and form.is_valid():
        with refusal_on(form) as refusal:
            codes = two_factor.confirm_enrolment(
                actor=user,
                code=form.cleaned_data["code"],
                current_code=form.cleaned_data.get("current_code", ""),
            )
            sessions.mark_second_factor(request)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": reverse("accounts:security")},
            )
        status = refusal.status
    elif request.method == "POST":
        status = 400
    context = setup_context(user, device, form, action=reverse("accounts:two_factor_setup"))
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@staff_required
@require_POST
@never_cache
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = SecondFactorForm(request.POST, prefix="codes")
    if form.is_valid():
        with refusal_on(form) as refusal:
            codes = two_factor.replace_recovery_codes(actor=user, code=form.cleaned_data["code"])
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": reverse("accounts:security")},
            )
        context = _security_context(user, codes_form=form)
        return render(request, "accounts/security.html", context, status=refusal.status)
    return render(
        request, "accounts/security.html", _security_context(user, codes_form=form), status=400
    )


@staff_required
@require_POST
def two_factor_off(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = SecondFactorForm(request.POST, prefix="off")
    if form.is_valid():
        with refusal_on(form) as refusal:
            two_factor.disable_two_factor(actor=user, code=form.cleaned_data["code"])
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("accounts:security")
        context = _security_context(user, off_form=form)
        return render(request, "accounts/security.html", context, status=refusal.status)
    return render(
        request, "accounts/security.html", _security_context(user, off_form=form), status=400
    )


@staff_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    revoked = actions.sign_out_everywhere(actor=staff_user(request))
    logout(request)
    messages.success(
        request,
        ngettext(
            "Every session of your account has ended, and %(count)d API token was revoked.",
            "Every session of your account has ended, and %(count)d API tokens were revoked.",
            revoked,
        )
        % {"count": revoked},
    )
    return redirect("accounts:staff_login")
