from django.urls import path

from gonghui.accounts import staff_views, two_factor_views, views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.login_request_code, name="login"),
    path("accounts/login/verify/", views.login_verify_code, name="login_verify"),
    path("staff/login/", views.staff_login, name="staff_login"),
    path("staff/login/code/", views.staff_login_code, name="staff_login_code"),
    path("staff/login/setup/", views.staff_login_setup, name="staff_login_setup"),
    path("staff/account/", two_factor_views.security, name="security"),
    path("staff/account/two-factor/", two_factor_views.two_factor_setup, name="two_factor_setup"),
    path("staff/account/two-factor/off/", two_factor_views.two_factor_off, name="two_factor_off"),
    path(
        "staff/account/recovery-codes/",
        two_factor_views.recovery_codes_new,
        name="recovery_codes_new",
    ),
    path(
        "staff/account/sign-out-everywhere/",
        two_factor_views.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("staff/users/", staff_views.staff_list, name="staff_list"),
    path("staff/users/new/<int:org_id>/", staff_views.staff_create, name="staff_create"),
    path("staff/users/<int:staff_id>/", staff_views.staff_detail, name="staff_detail"),
    path(
        "staff/users/<int:staff_id>/mobile/",
        staff_views.staff_reveal_mobile,
        name="staff_reveal_mobile",
    ),
    path(
        "staff/users/<int:staff_id>/active/", staff_views.staff_set_active, name="staff_set_active"
    ),
    path(
        "staff/users/<int:staff_id>/two-factor/reset/",
        staff_views.staff_reset_two_factor,
        name="staff_reset_two_factor",
    ),
    path("staff/users/<int:staff_id>/grants/", staff_views.grant_create, name="grant_create"),
    path(
        "staff/users/grants/<int:grant_id>/revoke/", staff_views.grant_revoke, name="grant_revoke"
    ),
    path("staff/roles/", staff_views.roles_table, name="roles"),
    path("staff/tokens/", staff_views.token_list, name="tokens"),
    path("staff/tokens/<int:token_id>/revoke/", staff_views.token_revoke, name="token_revoke"),
]
