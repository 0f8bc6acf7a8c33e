"""Service directory pages: the staff back office, the members' phone pages and the
provider's redemption desk."""

from gonghui.benefits import member_urls, provider_urls, staff_urls

app_name = "benefits"
urlpatterns = [*staff_urls.urlpatterns, *member_urls.urlpatterns, *provider_urls.urlpatterns]
