from django.urls import path

from gonghui.accounts import org_views

app_name = "orgs"
urlpatterns = [
    path("staff/orgs/", org_views.org_tree, name="tree"),
    path("staff/orgs/pick/", org_views.org_pick, name="pick"),
    path("staff/orgs/<int:org_id>/", org_views.org_detail, name="detail"),
    path("staff/orgs/<int:org_id>/children/", org_views.org_children, name="children"),
    path("staff/orgs/<int:org_id>/new/", org_views.org_create, name="create"),
    path("staff/orgs/<int:org_id>/edit/", org_views.org_edit, name="edit"),
    path("staff/orgs/<int:org_id>/move/", org_views.org_move, name="move"),
    path("staff/orgs/<int:org_id>/active/", org_views.org_set_active, name="set_active"),
]
