"""Recruitment pages: the staff side under /staff/recruitment/, the public joining link /j/<code>/
(short, as printed under the poster's QR code) and the applicant's status link /r/<receipt>/."""

from django.urls import URLPattern, path

from gonghui.members import recruitment_views as views

urlpatterns: list[URLPattern] = [
    path("staff/recruitment/", views.event_list, name="events"),
    path("staff/recruitment/new/", views.event_create, name="event_create"),
    path("staff/recruitment/<int:event_id>/", views.event_detail, name="event_detail"),
    path("staff/recruitment/<int:event_id>/restock/", views.event_restock, name="event_restock"),
    path("staff/recruitment/<int:event_id>/poster.pdf", views.event_poster, name="event_poster"),
    path("staff/recruitment/<int:event_id>/screen/", views.event_screen, name="event_screen"),
    path("staff/recruitment/<int:event_id>/gifts/", views.event_gifts, name="event_gifts"),
    path(
        "staff/recruitment/<int:event_id>/gifts/<int:application_id>/",
        views.event_give_gift,
        name="event_give_gift",
    ),
    path("join/", views.join_online, name="join_online"),
    path("join/received/", views.join_online_received, name="join_online_received"),
    path("j/<slug:code>/", views.join, name="join"),
    path("j/<slug:code>/received/", views.join_received, name="join_received"),
    path("r/<slug:receipt>/", views.receipt, name="receipt"),
]
