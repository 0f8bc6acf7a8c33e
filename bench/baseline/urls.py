from django.urls import path

from bench.baseline import views

urlpatterns = [
    path("scan/<str:secret>", views.scan),
    path("healthz", views.healthz),
]
