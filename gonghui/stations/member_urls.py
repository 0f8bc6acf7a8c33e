from django.urls import URLPattern, path

from gonghui.stations import views

urlpatterns: list[URLPattern] = [
    path("stations/", views.station_list, name="member_list"),
    # The poster's QR holds this address; <str:code> takes the dotted GS1.<id>.<signature>.
    path("stations/v/<str:code>/", views.visit, name="visit"),
    path("stations/<int:station_id>/", views.station_detail, name="member_detail"),
    path("stations/<int:station_id>/photo.jpg", views.photo, name="photo"),
]
