from django.urls import URLPattern, path

from gonghui.benefits import provider_views as views

urlpatterns: list[URLPattern] = [
    path("provider/login/", views.provider_login, name="provider_login"),
    path("provider/", views.provider_desk, name="provider_desk"),
    path("provider/scan/", views.provider_scan, name="provider_scan"),
    path("provider/photo/", views.provider_scan_photo, name="provider_scan_photo"),
    path("provider/redeem/", views.provider_redeem, name="provider_redeem"),
    path("provider/batch/upload/", views.provider_batch_upload, name="provider_batch_upload"),
]
