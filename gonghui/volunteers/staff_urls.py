from django.urls import URLPattern, path

from gonghui.volunteers import staff_views as views

PROJECT = "staff/volunteers/projects/<int:project_id>/"
SHIFT = "staff/volunteers/shifts/<int:shift_id>/"

urlpatterns: list[URLPattern] = [
    path("staff/volunteers/", views.project_list, name="staff_projects"),
    path("staff/volunteers/sites/", views.sites_and_teams, name="staff_sites"),
    path("staff/volunteers/teams/<int:team_id>/", views.team_detail, name="staff_team"),
    path(PROJECT, views.project_detail, name="staff_project"),
    path(f"{PROJECT}publish/", views.project_publish, name="staff_project_publish"),
    path(f"{PROJECT}records.xlsx", views.records_xlsx, name="staff_records_xlsx"),
    path(SHIFT, views.shift_detail, name="staff_shift"),
    path(f"{SHIFT}certify/<int:member_id>/", views.certify, name="staff_certify"),
    path(
        f"{SHIFT}corrections/<int:member_id>/",
        views.correction_request,
        name="staff_correction_request",
    ),
    path(
        f"{SHIFT}corrections/<int:correction_id>/decide/",
        views.correction_decide,
        name="staff_correction_decide",
    ),
    path(f"{SHIFT}scan/", views.card_scan, name="staff_card_scan"),
    path(f"{SHIFT}screen/", views.screen, name="staff_screen"),
    path(f"{SHIFT}screen/code/", views.screen_code, name="staff_screen_code"),
]
