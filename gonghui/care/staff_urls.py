from django.urls import URLPattern, path

from gonghui.care import staff_views as views

CAMPAIGN = "staff/care/<int:campaign_id>/"

urlpatterns: list[URLPattern] = [
    path("staff/care/", views.campaign_list, name="list"),
    path("staff/care/new/", views.campaign_create, name="create"),
    path("staff/care/sites/", views.site_list, name="sites"),
    path("staff/care/reconciliation/", views.reconciliation, name="reconciliation"),
    path("staff/care/ledger/", views.ledger, name="ledger"),
    path("staff/care/ledger.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("staff/care/entries/<uuid:entry_id>/reverse/", views.entry_reverse, name="reverse"),
    path(CAMPAIGN, views.campaign_detail, name="detail"),
    path(f"{CAMPAIGN}campaign.xlsx", views.campaign_xlsx, name="xlsx"),
    path(f"{CAMPAIGN}publish/", views.disclosure_publish, name="publish"),
    path(
        f"{CAMPAIGN}<str:which>/",
        views.campaign_post,
        name="post",
    ),
    path(
        f"{CAMPAIGN}shipments/<int:shipment_id>/note.pdf",
        views.delivery_note_pdf,
        name="delivery_note",
    ),
]
