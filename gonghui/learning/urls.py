"""Learning pages: the staff back office and the members' phone pages."""

from gonghui.learning import member_urls, staff_urls

app_name = "learning"
urlpatterns = [*staff_urls.urlpatterns, *member_urls.urlpatterns]
