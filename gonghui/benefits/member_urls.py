from django.urls import URLPattern, path

from gonghui.benefits import views

urlpatterns: list[URLPattern] = [
    path("services/", views.member_list, name="member_list"),
    path("services/<int:service_id>/", views.member_detail, name="member_detail"),
    path("services/<int:service_id>/photos/<int:photo_id>/", views.photo, name="photo"),
    path("offers/<int:offer_id>/claim/", views.member_claim, name="member_claim"),
    path("me/wallet/", views.wallet, name="wallet"),
    path("me/wallet/<int:claim_id>/", views.wallet_claim, name="wallet_claim"),
]
