"""Rosters: import a 会员信息采集表, export the members in scope (staff)."""

from django.urls import URLPattern, path

from gonghui.members import roster_views

urlpatterns: list[URLPattern] = [
    path("staff/members/import/", roster_views.roster_import, name="roster_import"),
    path("staff/members/export.xlsx", roster_views.roster_export, name="roster_export"),
]
