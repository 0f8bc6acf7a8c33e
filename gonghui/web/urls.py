from django.urls import path

from gonghui.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("text-size/", views.text_size, name="text_size"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/audit/", views.audit_log, name="audit_log"),
    path("staff/imports/<int:job_id>/", views.import_job, name="import_job"),
    path("staff/imports/<int:job_id>/confirm/", views.import_job_confirm, name="import_confirm"),
    path("staff/imports/<int:job_id>/cancel/", views.import_job_cancel, name="import_cancel"),
    path(
        "staff/imports/<int:job_id>/annotated.xlsx",
        views.import_job_annotated,
        name="import_annotated",
    ),
    path("staff/imports/template/<slug:kind>.xlsx", views.import_template, name="import_template"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]
