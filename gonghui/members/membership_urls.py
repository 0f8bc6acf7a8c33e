"""Membership: the review queue, members, transfers (staff); card, transfer, withdrawal, own
data and consent (the worker); the card verifier (anyone)."""

from django.urls import URLPattern, path

from gonghui.members import membership_views as staff
from gonghui.members import views

urlpatterns: list[URLPattern] = [
    # staff: review
    path("staff/members/applications/", staff.review, name="review"),
    path("staff/members/applications/approve/", staff.bulk_approve, name="bulk_approve"),
    path(
        "staff/members/applications/<int:application_id>/",
        staff.application_detail,
        name="application_detail",
    ),
    path(
        "staff/members/applications/<int:application_id>/approve/",
        staff.approve,
        name="approve",
    ),
    path(
        "staff/members/applications/<int:application_id>/reject/",
        staff.reject,
        name="reject",
    ),
    path(
        "staff/members/applications/<int:application_id>/reveal/<slug:field>/",
        staff.application_reveal,
        name="application_reveal",
    ),
    # staff: members
    path("staff/members/", staff.member_list, name="members"),
    path("staff/members/unions/", staff.union_pick, name="union_pick"),
    path("staff/members/<int:member_id>/", staff.member_detail, name="member_detail"),
    path(
        "staff/members/<int:member_id>/reveal/<slug:field>/",
        staff.member_reveal,
        name="member_reveal",
    ),
    path("staff/members/<int:member_id>/transfer/", staff.member_transfer, name="member_transfer"),
    path("staff/members/<int:member_id>/leave/", staff.member_leave, name="member_leave"),
    path(
        "staff/members/<int:member_id>/revoke-card/",
        staff.member_revoke_card,
        name="revoke_card",
    ),
    # staff: transfers
    path("staff/members/transfers/", staff.transfers, name="transfers"),
    path(
        "staff/members/transfers/<int:transfer_id>/",
        staff.transfer_detail,
        name="transfer_detail",
    ),
    path(
        "staff/members/transfers/<int:transfer_id>/accept/",
        staff.transfer_accept,
        name="transfer_accept",
    ),
    path(
        "staff/members/transfers/<int:transfer_id>/decline/",
        staff.transfer_decline,
        name="transfer_decline",
    ),
    # the worker
    path("me/card/", views.card, name="card"),
    path("me/card.pdf", views.card_pdf, name="card_pdf"),
    path("me/transfer/", views.my_transfer, name="my_transfer"),
    path("me/transfer/unions/", views.union_search, name="union_search"),
    path("me/withdraw/", views.withdraw, name="withdraw"),
    path("me/data/", views.my_data, name="my_data"),
    path("me/data.xlsx", views.my_data_xlsx, name="my_data_xlsx"),
    path("me/data/withdraw-consent/", views.withdraw_consent, name="withdraw_consent"),
    # anyone
    path("verify/", views.verify, name="verify"),
    path("card-check/", views.card_check, name="card_check"),
]
