from django.urls import URLPattern, path

from gonghui.care import views

urlpatterns: list[URLPattern] = [
    path("care/d/<str:token>/", views.delivery, name="delivery"),
    path("care/d/<str:token>/upload/", views.delivery_upload, name="delivery_upload"),
    path("care/disclosure/<int:campaign_id>/", views.disclosure, name="disclosure"),
    path("care/disclosure/<int:campaign_id>.pdf", views.disclosure_file, name="disclosure_pdf"),
    path("care/disclosure/<int:campaign_id>.json", views.disclosure_json, name="disclosure_json"),
]
