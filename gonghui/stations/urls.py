"""Station pages: the staff back office and the members' phone pages."""

from gonghui.stations import member_urls, staff_urls

app_name = "stations"
urlpatterns = [*staff_urls.urlpatterns, *member_urls.urlpatterns]
