"""Activity pages: the staff back office and the members' phone pages."""

from gonghui.events import member_urls, staff_urls

app_name = "events"
urlpatterns = [*staff_urls.urlpatterns, *member_urls.urlpatterns]
