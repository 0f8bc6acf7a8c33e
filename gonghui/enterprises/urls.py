from django.urls import path

from gonghui.enterprises import staff_views

app_name = "enterprises"
urlpatterns = [
    path("staff/enterprises/", staff_views.enterprise_list, name="list"),
    path("staff/enterprises/pick/", staff_views.enterprise_pick, name="pick"),
    path("staff/enterprises/new/", staff_views.enterprise_create, name="create"),
    path("staff/enterprises/import/", staff_views.enterprise_import, name="import"),
    path("staff/enterprises/<int:enterprise_id>/", staff_views.enterprise_detail, name="detail"),
    path("staff/enterprises/<int:enterprise_id>/edit/", staff_views.enterprise_edit, name="edit"),
    path(
        "staff/enterprises/<int:enterprise_id>/contact/",
        staff_views.enterprise_reveal_contact,
        name="reveal_contact",
    ),
    path(
        "staff/enterprises/<int:enterprise_id>/founding/", staff_views.case_open, name="case_open"
    ),
    path("staff/founding/", staff_views.founding_board, name="board"),
    path("staff/founding/<int:case_id>/advance/", staff_views.case_advance, name="case_advance"),
    path(
        "staff/founding/<int:case_id>/step-back/", staff_views.case_step_back, name="case_step_back"
    ),
    path("staff/founding/<int:case_id>/documents/", staff_views.case_attach, name="case_attach"),
    path(
        "staff/founding/documents/<int:document_id>/",
        staff_views.document_download,
        name="document",
    ),
    path("staff/coverage/", staff_views.coverage, name="coverage"),
]
