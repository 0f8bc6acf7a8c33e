from django.urls import URLPattern, path

from gonghui.events import staff_views as views

ACTIVITY = "staff/activities/<int:activity_id>/"

urlpatterns: list[URLPattern] = [
    path("staff/activities/", views.activity_list, name="staff_list"),
    path("staff/activities/new/", views.activity_create, name="staff_create"),
    path("staff/activities/photos/<int:photo_id>/", views.photo, name="staff_photo"),
    path(ACTIVITY, views.activity_detail, name="staff_detail"),
    path(f"{ACTIVITY}edit/", views.activity_edit, name="staff_edit"),
    path(f"{ACTIVITY}publish/", views.activity_publish, name="staff_publish"),
    path(f"{ACTIVITY}cancel/", views.activity_cancel, name="staff_cancel"),
    path(f"{ACTIVITY}counts/", views.activity_counts, name="staff_counts"),
    path(f"{ACTIVITY}attendance.xlsx", views.attendance_xlsx, name="attendance_xlsx"),
    path(f"{ACTIVITY}registrations/", views.registration_list, name="registrations"),
    path(
        f"{ACTIVITY}registrations/<int:registration_id>/decide/",
        views.registration_decide,
        name="registration_decide",
    ),
    path(
        f"{ACTIVITY}registrations/<int:registration_id>/cancel/",
        views.registration_cancel,
        name="registration_cancel",
    ),
    path(f"{ACTIVITY}report/", views.report, name="report"),
    path(f"{ACTIVITY}screen/", views.screen, name="screen"),
    path(f"{ACTIVITY}screen/code/", views.screen_code, name="screen_code"),
    path(f"{ACTIVITY}desk/", views.desk, name="desk"),
    path(f"{ACTIVITY}desk/scan/", views.scan, name="scan"),
    path(f"{ACTIVITY}desk/photo/", views.scan_photo, name="scan_photo"),
    path(f"{ACTIVITY}batch/", views.batch, name="batch"),
    path(f"{ACTIVITY}batch/upload/", views.batch_upload, name="batch_upload"),
]
