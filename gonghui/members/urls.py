"""The members app's pages, one URL module per area (recruitment, membership, rosters)."""

from gonghui.members import membership_urls, recruitment_urls, roster_urls

app_name = "members"
urlpatterns = [
    *recruitment_urls.urlpatterns,
    *membership_urls.urlpatterns,
    *roster_urls.urlpatterns,
]
