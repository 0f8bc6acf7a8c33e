"""Staff accounts, role grants and one's own API tokens."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.accounts import actions, queries, two_factor
from gonghui.accounts.access import staff_required, staff_user
from gonghui.accounts.forms import ApiTokenForm, GrantForm, StaffCreateForm
from gonghui.accounts.roles import CAPABILITY_LABELS, ROLE_CAPABILITIES, Role
from gonghui.core.pages import HtmxRequest, paginate, refusal_on
from gonghui.orgs.queries import get_org_for


@staff_required
def staff_list(request: HtmxRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    page = paginate(request, queries.list_staff(request.user, search=search))
    context = {"page": page, "search": search}
    if request.htmx:
        return render(request, "accounts/staff_list.html#results", context)
    return render(request, "accounts/staff_list.html", context)


@staff_required
def staff_create(request: HttpRequest, org_id: int) -> HttpResponse:
    org = get_org_for(request.user, org_id, "accounts.manage")
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            staff = actions.create_staff_user(
                actor=staff_user(request), org=org, **form.cleaned_data
            )
            messages.success(request, _("Account %(name)s created.") % {"name": staff})
            return redirect("accounts:staff_detail", staff_id=staff.pk)
    return render(request, "accounts/staff_form.html", {"form": form, "org": org})


@staff_required
def staff_detail(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff, org = queries.get_staff_for(request.user, staff_id, "accounts.view")
    grant_form = GrantForm(initial={"org": org}, user=request.user)
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "staff": staff,
            "org": org,
            "grants": queries.list_grants_of(staff),
            "grant_form": grant_form,
            "capabilities": staff_user(request).capabilities_at(org.path),
            "two_factor": two_factor.confirmed_device(staff),
        },
    )


@staff_required
@require_POST
def staff_reveal_mobile(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff, org = queries.get_staff_for(request.user, staff_id, "personal_data.view")
    mobile = actions.reveal_mobile(actor=staff_user(request), user=staff, org=org)
    return render(request, "accounts/staff_detail.html#mobile", {"staff": staff, "mobile": mobile})


@staff_required
@require_POST
def staff_set_active(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff, org = queries.get_staff_for(request.user, staff_id, "accounts.manage")
    with refusal_on(request):
        actions.set_user_active(
            actor=staff_user(request), user=staff, org=org, active=request.POST.get("active") == "1"
        )
    return redirect("accounts:staff_detail", staff_id=staff.pk)


@staff_required
@require_POST
def staff_reset_two_factor(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff, org = queries.get_staff_for(request.user, staff_id, "accounts.manage")
    with refusal_on(request):
        two_factor.reset_two_factor(actor=staff_user(request), user=staff, org=org)
        messages.success(
            request,
            _("Two-factor sign-in of %(name)s was reset and their sessions ended.")
            % {"name": staff},
        )
    return redirect("accounts:staff_detail", staff_id=staff.pk)


@staff_required
@require_POST
def grant_create(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff, _org = queries.get_staff_for(request.user, staff_id, "accounts.manage")
    form = GrantForm(request.POST, user=request.user)
    if form.is_valid():
        with refusal_on(request):
            actions.grant_role(
                actor=staff_user(request),
                user=staff,
                org=form.cleaned_data["org"],
                role=form.cleaned_data["role"],
            )
            messages.success(request, _("Role granted."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("accounts:staff_detail", staff_id=staff.pk)


@staff_required
@require_POST
def grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = queries.get_grant_for(request.user, grant_id, "accounts.manage")
    staff_id = grant.user_id
    with refusal_on(request):
        actions.revoke_grant(actor=staff_user(request), grant=grant)
        messages.success(request, _("Role removed."))
    return redirect("accounts:staff_detail", staff_id=staff_id)


@staff_required
def roles_table(request: HttpRequest) -> HttpResponse:
    rows = [
        (label, [cap in ROLE_CAPABILITIES[role] for role in Role.values])
        for cap, label in CAPABILITY_LABELS.items()
    ]
    return render(request, "accounts/roles.html", {"roles": Role.choices, "rows": rows})


@staff_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        with refusal_on(form):
            _token, new_token = actions.create_api_token(
                actor=staff_user(request), name=form.cleaned_data["name"]
            )
            form = ApiTokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": queries.list_own_tokens(staff_user(request)),
            "form": form,
            "new_token": new_token,
        },
    )


@staff_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = queries.get_own_token(staff_user(request), token_id)
    actions.revoke_api_token(actor=staff_user(request), token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")
