"""Rosters: import a 会员信息采集表, export the members in scope (staff)."""

from django.urls import URLPattern, path

from gonghui.members import roster_views

urlpatterns: list[URLPattern] = [
    path("staff/members/import/", roster_views.roster_import, name="roster_import"),
    path("staff/members/export.xlsx", roster_views.roster_export, name="roster_export"),
    path("staff/members/exports/", roster_views.roster_export_start, name="roster_export_start"),
    path(
        "staff/members/exports/<int:export_id>/",
        roster_views.roster_export_job,
        name="roster_export_job",
    ),
    path(
        "staff/members/exports/<int:export_id>/file.xlsx",
        roster_views.roster_export_file,
        name="roster_export_file",
    ),
]
