from django.urls import path

from gonghui.orgs import staff_views

app_name = "orgs"
urlpatterns = [
    path("staff/orgs/", staff_views.org_tree, name="tree"),
    path("staff/orgs/<int:org_id>/", staff_views.org_detail, name="detail"),
    path("staff/orgs/<int:org_id>/children/", staff_views.org_children, name="children"),
    path("staff/orgs/<int:org_id>/new/", staff_views.org_create, name="create"),
    path("staff/orgs/<int:org_id>/edit/", staff_views.org_edit, name="edit"),
    path("staff/orgs/<int:org_id>/move/", staff_views.org_move, name="move"),
    path("staff/orgs/<int:org_id>/active/", staff_views.org_set_active, name="set_active"),
]
