from django.urls import path

from gonghui.accounts import staff_views, views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.login_request_code, name="login"),
    path("accounts/login/verify/", views.login_verify_code, name="login_verify"),
    path("staff/login/", views.staff_login, name="staff_login"),
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
    path("staff/users/<int:staff_id>/grants/", staff_views.grant_create, name="grant_create"),
    path(
        "staff/users/grants/<int:grant_id>/revoke/", staff_views.grant_revoke, name="grant_revoke"
    ),
    path("staff/roles/", staff_views.roles_table, name="roles"),
    path("staff/tokens/", staff_views.token_list, name="tokens"),
    path("staff/tokens/<int:token_id>/revoke/", staff_views.token_revoke, name="token_revoke"),
]
