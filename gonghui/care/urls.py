"""Care pages: the staff back office, and the delivery note's and 公示's public pages."""

from gonghui.care import public_urls, staff_urls

app_name = "care"
urlpatterns = [*staff_urls.urlpatterns, *public_urls.urlpatterns]
