from django.urls import URLPattern, path

from gonghui.events import views

urlpatterns: list[URLPattern] = [
    path("a/", views.member_list, name="member_list"),
    path("a/mine/", views.my_activities, name="my_activities"),
    # The big screen's QR holds this address; <str:code> takes the dotted GC1.<pk>.<window>.<sig>.
    path("a/checkin/<str:code>/", views.member_checkin, name="member_checkin"),
    path("a/<int:activity_id>/", views.member_detail, name="member_detail"),
    path("a/<int:activity_id>/register/", views.member_register, name="member_register"),
    path("a/<int:activity_id>/cancel/", views.member_cancel, name="member_cancel"),
    path("a/<int:activity_id>/confirm/", views.member_confirm_offer, name="member_confirm_offer"),
    path("a/<int:activity_id>/photos/<int:photo_id>/", views.photo, name="photo"),
]
