from django.urls import URLPattern, path

from gonghui.checkins import views

app_name = "checkins"
urlpatterns: list[URLPattern] = [
    path("verify/photo/", views.verify_photo, name="verify_photo"),
]
