"""Dashboard pages under /staff/dashboard/."""

from django.urls import path

from gonghui.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("staff/dashboard/", views.dashboard, name="home"),
    path("staff/dashboard/activities/", views.activity_list, name="activities"),
    path("staff/dashboard/screen/", views.screen, name="screen"),
    path("staff/dashboard/summary.xlsx", views.summary_xlsx, name="summary_xlsx"),
    path("staff/dashboard/exports/", views.export_start, name="export_start"),
    path("staff/dashboard/exports/<int:job_id>/", views.export_job, name="export_job"),
    path(
        "staff/dashboard/exports/<int:job_id>/download/",
        views.export_download,
        name="export_download",
    ),
]
