from django.urls import URLPattern, path

from gonghui.volunteers import views

urlpatterns: list[URLPattern] = [
    path("volunteer/", views.shift_list, name="shifts"),
    path("volunteer/shifts/<int:shift_id>/sign-up/", views.sign_up, name="sign_up"),
    path("volunteer/shifts/<int:shift_id>/cancel/", views.cancel, name="cancel"),
    # The shift's QR holds this address; <str:code> takes the dotted GC1.<pk>.<window>.<sig>.
    path("volunteer/duty/<str:code>/", views.duty, name="duty"),
    path("volunteer/verify/<str:code>/", views.verify, name="verify"),
    path("volunteer/lead/", views.lead, name="lead"),
    path("volunteer/lead/shifts/<int:shift_id>/", views.lead_shift, name="lead_shift"),
    path(
        "volunteer/lead/shifts/<int:shift_id>/certify/<int:member_id>/",
        views.lead_certify,
        name="lead_certify",
    ),
    path("me/volunteering/", views.record, name="record"),
    path("me/volunteering/certificate/", views.issue_certificate, name="issue_certificate"),
    path(
        "me/volunteering/certificates/<str:serial>.pdf",
        views.certificate_pdf,
        name="certificate_pdf",
    ),
]
