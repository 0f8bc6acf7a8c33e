from django.urls import URLPattern, path

from gonghui.stations import staff_views as views

STATION = "staff/stations/<int:station_id>/"

urlpatterns: list[URLPattern] = [
    path("staff/stations/", views.station_list, name="staff_list"),
    path("staff/stations/new/", views.station_create, name="staff_create"),
    path("staff/stations/visits.xlsx", views.visits_xlsx, name="visits_xlsx"),
    path(STATION, views.station_detail, name="staff_detail"),
    path(f"{STATION}edit/", views.station_edit, name="staff_edit"),
    path(f"{STATION}deactivate/", views.station_deactivate, name="staff_deactivate"),
    path(f"{STATION}reactivate/", views.station_reactivate, name="staff_reactivate"),
    path(f"{STATION}photo.jpg", views.staff_photo, name="staff_photo"),
    path(f"{STATION}poster.pdf", views.poster, name="poster"),
    path(f"{STATION}poster/replace/", views.poster_replace, name="poster_replace"),
]
