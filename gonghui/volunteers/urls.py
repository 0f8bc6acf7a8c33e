"""Volunteer service pages: the staff back office and the volunteers' phone pages."""

from gonghui.volunteers import member_urls, staff_urls

app_name = "volunteers"
urlpatterns = [*staff_urls.urlpatterns, *member_urls.urlpatterns]
