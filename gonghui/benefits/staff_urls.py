from django.urls import URLPattern, path

from gonghui.benefits import staff_views as views

BASE = "staff/benefits/"

urlpatterns: list[URLPattern] = [
    path(BASE, views.service_list, name="staff_services"),
    path(f"{BASE}services/new/", views.service_create, name="staff_service_create"),
    path(f"{BASE}services/<int:service_id>/", views.service_detail, name="staff_service"),
    path(f"{BASE}services/<int:service_id>/edit/", views.service_edit, name="staff_service_edit"),
    path(
        f"{BASE}services/<int:service_id>/status/",
        views.service_status,
        name="staff_service_status",
    ),
    path(
        f"{BASE}services/<int:service_id>/offers/new/",
        views.offer_create,
        name="staff_offer_create",
    ),
    path(f"{BASE}photos/<int:photo_id>/", views.photo, name="staff_photo"),
    path(f"{BASE}offers/<int:offer_id>/", views.offer_detail, name="staff_offer"),
    path(f"{BASE}offers/<int:offer_id>/edit/", views.offer_edit, name="staff_offer_edit"),
    path(f"{BASE}offers/<int:offer_id>/status/", views.offer_status, name="staff_offer_status"),
    path(f"{BASE}providers/", views.provider_list, name="staff_providers"),
    path(f"{BASE}providers/new/", views.provider_create, name="staff_provider_create"),
    path(f"{BASE}providers/<int:provider_id>/", views.provider_detail, name="staff_provider"),
    path(
        f"{BASE}providers/<int:provider_id>/edit/",
        views.provider_edit,
        name="staff_provider_edit",
    ),
    path(
        f"{BASE}providers/<int:provider_id>/accounts/",
        views.account_create,
        name="staff_account_create",
    ),
    path(
        f"{BASE}accounts/<int:account_id>/active/",
        views.account_active,
        name="staff_account_active",
    ),
    path(f"{BASE}categories/", views.categories, name="staff_categories"),
    path(f"{BASE}usage/", views.usage, name="staff_usage"),
    path(f"{BASE}usage.xlsx", views.usage_xlsx, name="staff_usage_xlsx"),
]
