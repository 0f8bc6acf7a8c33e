from django.urls import URLPattern, path

from gonghui.learning import staff_views

urlpatterns: list[URLPattern] = [
    path("staff/learning/", staff_views.home, name="staff_home"),
    path("staff/learning/courses/new/", staff_views.course_create, name="staff_course_create"),
    path("staff/learning/courses/<int:course_id>/", staff_views.course_detail, name="staff_course"),
    path(
        "staff/learning/campaigns/new/", staff_views.campaign_create, name="staff_campaign_create"
    ),
    path(
        "staff/learning/campaigns/<int:campaign_id>/",
        staff_views.campaign_detail,
        name="staff_campaign",
    ),
    path(
        "staff/learning/campaigns/<int:campaign_id>/participation.xlsx",
        staff_views.campaign_xlsx,
        name="staff_campaign_xlsx",
    ),
]
