from django.urls import path

from gonghui.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/audit/", views.audit_log, name="audit_log"),
    path("healthz", views.healthz, name="healthz"),
]
