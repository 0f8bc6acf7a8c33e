"""The membership pages: review queue, members, transfers (staff); card, transfer, withdrawal
(the worker); the card verifier and the online card check (anyone)."""

import re
import string
from datetime import timedelta
from html import unescape

import pytest
import segno
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.core.models import AuditEntry
from gonghui.core.personal import mask_id_number, mask_mobile
from gonghui.core.tests.pdf import pdf_fonts
from gonghui.members import actions, cards
from gonghui.members.models import Application, Member, Transfer
from gonghui.members.tests.factories import person

EN = {"Accept-Language": "en"}


@pytest.fixture
def event(tree, operator):
    """A recruitment event of the 回龙观 street union (its sibling is 德胜)."""
    now = timezone.now()
    return actions.create_recruitment_event(
        actor=operator,
        org=tree.hlg,
        enterprise=None,
        title="回龙观快递员入会活动",
        place="龙泽园驿站",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
    )


def submit(event, key, **overrides):
    return actions.submit_application(
        event=event,
        submission_key=key,
        consent=True,
        consent_version=settings.CONSENT_VERSION,
        **person(**overrides),
    ).application


def worker_client(member: Member) -> tuple[User, Client]:
    """The member's own phone: an account for the member's mobile, as SMS sign-in creates."""
    user = User.objects.create_user(None, None, mobile=str(member.mobile))
    client = Client()
    client.force_login(user)
    return user, client


def text_of(response) -> str:
    return unescape(response.content.decode())


# --- the review queue ------------------------------------------------------------------------


def test_the_queue_is_scoped_to_the_reviewers_subtree(event, tree, make_staff, client_for):
    application = submit(event, "k1", name="李快递")
    own = client_for(make_staff(tree.hlg, "reviewer"))
    sibling = client_for(make_staff(tree.desheng, "reviewer"))

    page = text_of(own.get(reverse("members:review"), headers=EN))
    assert "李快递" in page
    assert "1 application" in page
    assert mask_id_number(str(application.id_number)) in page
    assert mask_mobile(str(application.mobile)) in page
    assert str(application.id_number) not in page
    assert str(application.mobile) not in page

    other = text_of(sibling.get(reverse("members:review"), headers=EN))
    assert "李快递" not in other
    assert "0 applications" in other
    detail = reverse("members:application_detail", args=[application.pk])
    assert own.get(detail).status_code == 200
    assert sibling.get(detail).status_code == 404
    approve = reverse("members:approve", args=[application.pk])
    assert sibling.post(approve).status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_the_queue_filters_and_flags_long_waits(event, tree, make_staff, client_for):
    old = submit(event, "k1", name="赵久等", employer_name="顺丰速运")
    submit(event, "k2", name="钱刚到", employer_name="美团外卖")
    Application.objects.filter(pk=old.pk).update(
        submitted_at=timezone.now() - timedelta(days=settings.REVIEW_WAITING_DAYS + 1)
    )
    client = client_for(make_staff(tree.hlg, "reviewer"))

    def names(query: str) -> list[str]:
        page = text_of(client.get(reverse("members:review") + query, headers=EN))
        return [n for n in ("赵久等", "钱刚到") if n in page]

    assert names("") == ["赵久等", "钱刚到"]
    assert names("?waiting=1") == ["赵久等"]
    assert names("?q=美团") == ["钱刚到"]
    assert names(f"?event={event.pk}") == ["赵久等", "钱刚到"]
    assert names("?status=approved") == []
    page = text_of(client.get(reverse("members:review"), headers=EN))
    flagged = re.findall(r'<tr id="application-(\d+)" class="waiting-long">', page)
    assert flagged == [str(old.pk)]


def test_approving_one_makes_a_member(event, tree, make_staff, client_for, sms_outbox):
    application = submit(event, "k1")
    client = client_for(make_staff(tree.hlg, "reviewer"))
    response = client.post(reverse("members:approve", args=[application.pk]), headers=EN)
    assert response.status_code == 302
    assert response["Location"] == reverse("members:review")
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    member = Member.objects.get()
    assert application.member == member
    assert (member.number, member.org) == (f"{tree.hlg.pk:06d}-000001", tree.hlg)
    page = text_of(client.get(reverse("members:review"), headers=EN))
    assert f"{member.name} is now a member, number {member.number}." in page


def test_rejecting_needs_a_reason(event, tree, make_staff, client_for):
    application = submit(event, "k1")
    client = client_for(make_staff(tree.hlg, "reviewer"))
    url = reverse("members:reject", args=[application.pk])

    response = client.post(url, {"reason": "  "}, headers=EN)
    assert response.status_code == 400
    assert "This field is required." in text_of(response)
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING

    response = client.post(url, {"reason": "不在本街道工作"}, headers=EN)
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.reject_reason) == ("rejected", "不在本街道工作")
    assert Member.objects.count() == 0


def test_bulk_approval_reports_the_refused_duplicate(
    event, tree, make_staff, client_for, operator, english
):
    duplicate = submit(event, "k1", name="孙重复")
    fresh = [submit(event, f"k{n}") for n in (2, 3)]
    # The same person became a member meanwhile (e.g. through a roster import).
    actions.import_member(
        actor=operator,
        org=tree.desheng,
        joined_on=timezone.localdate(),
        **{
            **person(),
            "name": "孙重复",
            "id_number": str(duplicate.id_number),
            "mobile": str(duplicate.mobile),
        },
    )
    client = client_for(make_staff(tree.hlg, "reviewer"))
    queue = text_of(client.get(reverse("members:review"), headers=EN))
    row = re.search(rf'<tr id="application-{duplicate.pk}".*?</tr>', queue, re.S)
    assert row is not None
    assert "Already a member" in row.group(0)

    ids = [duplicate.pk, *(a.pk for a in fresh)]
    response = client.post(reverse("members:bulk_approve"), {"ids": ids}, headers=EN)
    assert response.status_code == 200
    page = text_of(response)
    refused = re.search(r'<section class="panel" id="refused">.*?</section>', page, re.S)
    assert refused is not None
    assert re.findall(r'<td class="reason">(.*?)</td>', refused.group(0)) == [
        "孙重复 is already a member (same ID number); reject this application."
    ]
    assert "2 approved" in page
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses == {duplicate.pk: "pending", fresh[0].pk: "approved", fresh[1].pk: "approved"}
    assert Member.objects.filter(org=tree.hlg).count() == 2


def test_reviewers_see_duplicates_and_how_to_reject_them_without_telling_a_stranger(
    event, tree, make_staff, client_for, operator
):
    """Joining answers everyone alike (ADR 0013), so the review queue carries the duplicates."""
    member = actions.import_member(
        actor=operator, org=tree.desheng, joined_on=timezone.localdate(), **person()
    )
    own_number = submit(event, "k1", id_number=str(member.id_number), mobile=str(member.mobile))
    stranger = submit(event, "k2", id_number=str(member.id_number), mobile="13900004321")
    twice = [submit(event, f"k{n}", id_number="11010819950615019X") for n in (3, 4)]
    client = client_for(make_staff(tree.hlg, "reviewer"))
    queue = text_of(client.get(reverse("members:review"), headers=EN))

    def flags(application: Application) -> list[str]:
        row = re.search(rf'<tr id="application-{application.pk}".*?</tr>', queue, re.S)
        assert row is not None
        return re.findall(r'<span class="tag warn duplicate">([^<]+)</span>', row.group(0))

    assert flags(own_number) == flags(stranger) == ["Already a member", "Applied more than once"]
    assert flags(twice[0]) == flags(twice[1]) == ["Applied more than once"]

    def notice(application: Application) -> str:
        url = reverse("members:application_detail", args=[application.pk])
        page = text_of(client.get(url, headers=EN))
        found = re.findall(r'<p class="notice duplicate" role="alert">([^<]+)</p>', page)
        return " | ".join(found)

    assert notice(own_number).startswith(
        "Someone with this ID number is already a union member. Approving is refused; reject "
        "this application and tell the applicant to sign in to see their card."
    )
    assert notice(stranger).startswith(
        "Someone with this ID number is already a union member, with another mobile number. "
        "Approving is refused. Reject it without saying why"
    )
    assert notice(twice[0]) == (
        "This person (same ID number) has 1 other application waiting for review. Approve "
        "one; reject the others as duplicates."
    )


def test_bulk_approval_skips_rows_outside_the_scope(event, tree, make_staff, client_for):
    application = submit(event, "k1")
    client = client_for(make_staff(tree.desheng, "reviewer"))
    response = client.post(reverse("members:bulk_approve"), {"ids": [application.pk]})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


@pytest.mark.parametrize("rows", [1, 3])
def test_review_list_query_count_does_not_grow_with_rows(rows, event, tree, make_staff, client_for):
    for n in range(rows):
        submit(event, f"k{n}")
    client = client_for(make_staff(tree.hlg, "reviewer"))
    client.get(reverse("members:review"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("members:review"))
    assert response.status_code == 200
    assert len(queries) == 6


def test_the_application_page_reveals_the_id_number_with_an_audit_entry(
    event, tree, make_staff, client_for
):
    application = submit(event, "k1")
    reviewer = make_staff(tree.hlg, "reviewer")
    client = client_for(reviewer)
    page = text_of(client.get(reverse("members:application_detail", args=[application.pk])))
    assert str(application.id_number) not in page
    url = reverse("members:application_reveal", args=[application.pk, "id_number"])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert str(application.id_number) in response.content.decode()
    entry = AuditEntry.objects.get(action="members.application.personal_data_viewed")
    assert (entry.actor, entry.target_id, entry.changes) == (
        reviewer,
        str(application.pk),
        {"field": "id_number"},
    )


# --- members ---------------------------------------------------------------------------------


@pytest.fixture
def member(event, tree, operator):
    return actions.approve_application(
        actor=operator, application=submit(event, "m1", name="周骑手", employer_name="美团外卖")
    )


@pytest.mark.parametrize("rows", [1, 3])
def test_members_list_query_count_does_not_grow_with_rows(
    rows, event, tree, make_staff, client_for, operator
):
    for n in range(rows):
        actions.approve_application(actor=operator, application=submit(event, f"k{n}"))
    client = client_for(make_staff(tree.hlg, "viewer"))
    client.get(reverse("members:members"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("members:members"))
    assert response.status_code == 200
    assert len(queries) == 5
    assert response.content.decode().count('<tr id="member-') == rows


def test_members_list_filters_and_stays_in_scope(
    member, event, tree, make_staff, client_for, operator
):
    other = actions.approve_application(
        actor=operator, application=submit(event, "k2", name="吴司机", job_type="ride_hailing")
    )
    actions.record_leaving(actor=operator, member=other, status="lapsed", reason="长期未缴会费")
    client = client_for(make_staff(tree.hlg, "viewer"))

    def names(query: str) -> list[str]:
        page = text_of(client.get(reverse("members:members") + query))
        return [n for n in ("周骑手", "吴司机") if n in page]

    assert names("") == ["周骑手"]
    assert names("?status=") == ["周骑手", "吴司机"]
    assert names("?status=lapsed") == ["吴司机"]
    assert names(f"?status=&q={member.number}") == ["周骑手"]
    assert names("?status=&job_type=ride_hailing") == ["吴司机"]
    assert names("?q=美团") == ["周骑手"]
    outsider = client_for(make_staff(tree.desheng, "viewer"))
    assert "周骑手" not in text_of(outsider.get(reverse("members:members")))
    detail = reverse("members:member_detail", args=[member.pk])
    assert outsider.get(detail).status_code == 404


def test_member_page_masks_personal_data_and_audits_a_reveal(member, tree, make_staff, client_for):
    reviewer = make_staff(tree.hlg, "reviewer")
    client = client_for(reviewer)
    page = text_of(client.get(reverse("members:member_detail", args=[member.pk]), headers=EN))
    assert mask_id_number(str(member.id_number)) in page
    assert mask_mobile(str(member.mobile)) in page
    assert str(member.id_number) not in page
    assert str(member.mobile) not in page
    assert AuditEntry.objects.filter(action="members.member.personal_data_viewed").count() == 0

    url = reverse("members:member_reveal", args=[member.pk, "mobile"])
    response = client.post(url, headers={"HX-Request": "true", **EN})
    assert response.status_code == 200
    shown = text_of(response)
    assert f"<code>{member.mobile}</code>" in shown
    assert "(this view was logged)" in shown
    entry = AuditEntry.objects.get(action="members.member.personal_data_viewed")
    assert (entry.actor, entry.org, entry.changes) == (reviewer, tree.hlg, {"field": "mobile"})

    # A viewer has no personal_data.view: no reveal, and no entry.
    viewer = client_for(make_staff(tree.hlg, "viewer"))
    assert viewer.post(url).status_code == 404
    bad_field = reverse("members:member_reveal", args=[member.pk, "name"])
    assert client.post(bad_field).status_code == 404
    assert AuditEntry.objects.filter(action="members.member.personal_data_viewed").count() == 1


def test_staff_record_leaving_and_revoke_the_card(member, tree, make_staff, client_for):
    client = client_for(make_staff(tree.hlg, "org_admin"))
    revoke = reverse("members:revoke_card", args=[member.pk])
    assert client.post(revoke, {"reason": ""}).status_code == 400
    assert client.post(revoke, {"reason": "手机丢失"}).status_code == 302
    member.refresh_from_db()
    assert member.card_version == 2

    leave = reverse("members:member_leave", args=[member.pk])
    response = client.post(leave, {"status": "deceased", "reason": "家属告知"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.status, member.leave_reason) == ("deceased", "家属告知")

    # A reviewer may not end memberships.
    other_client = client_for(make_staff(tree.hlg, "reviewer"))
    assert other_client.post(revoke, {"reason": "x"}).status_code == 404


# --- transfers -------------------------------------------------------------------------------


def test_a_transfer_moves_the_member_and_both_unions_see_the_history(
    member, tree, make_staff, client_for
):
    sending = client_for(make_staff(tree.hlg, "org_admin"))
    receiving = client_for(make_staff(tree.desheng, "reviewer"))

    search = sending.get(reverse("members:union_search") + "?q=德胜")
    assert re.findall(r'name="to_org" value="(\d+)"', search.content.decode()) == [
        str(tree.desheng.pk)
    ]
    response = sending.post(
        reverse("members:member_transfer", args=[member.pk]),
        {"to_org": tree.desheng.pk, "new_employer_name": "顺丰速运德胜门网点"},
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert (transfer.from_org, transfer.to_org, transfer.status) == (
        tree.hlg,
        tree.desheng,
        "pending",
    )

    inbox = text_of(receiving.get(reverse("members:transfers")))
    incoming = re.search(r'<section class="panel" id="incoming">.*?</section>', inbox, re.S)
    assert incoming is not None
    assert "周骑手" in incoming.group(0)
    # The sending union cannot accept its own request.
    accept = reverse("members:transfer_accept", args=[transfer.pk])
    assert sending.post(accept).status_code == 404

    assert receiving.post(accept).status_code == 302
    member.refresh_from_db()
    assert (member.org, member.number, member.employer_name) == (
        tree.desheng,
        f"{tree.hlg.pk:06d}-000001",
        "顺丰速运德胜门网点",
    )

    history = r'<table class="table" id="episodes">.*?</table>'
    detail = text_of(receiving.get(reverse("members:member_detail", args=[member.pk])))
    episodes = re.search(history, detail, re.S)
    assert episodes is not None
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", episodes.group(0))
    assert rows == [("回龙观街道总工会", "美团外卖"), ("德胜街道总工会", "顺丰速运德胜门网点")]

    # The sending union no longer holds the member, but keeps the transfer and its history.
    assert sending.get(reverse("members:member_detail", args=[member.pk])).status_code == 404
    outbox = text_of(sending.get(reverse("members:transfers"), headers=EN))
    outgoing = re.search(r'<section class="panel" id="outgoing">.*?</section>', outbox, re.S)
    assert outgoing is not None
    assert "周骑手" in outgoing.group(0)
    assert "Accepted" in outgoing.group(0)
    page = text_of(sending.get(reverse("members:transfer_detail", args=[transfer.pk])))
    episodes = re.search(history, page, re.S)
    assert episodes is not None
    assert re.findall(r"<tr><td>(.*?)</td>", episodes.group(0)) == [
        "回龙观街道总工会",
        "德胜街道总工会",
    ]


def test_declining_needs_a_reason(member, tree, make_staff, client_for, operator):
    transfer = actions.start_transfer(
        actor=operator, member=member, to_org=tree.desheng, new_employer_name="京东物流"
    )
    receiving = client_for(make_staff(tree.desheng, "reviewer"))
    url = reverse("members:transfer_decline", args=[transfer.pk])
    receiving.post(url, {"reason": ""})
    transfer.refresh_from_db()
    assert transfer.status == "pending"
    receiving.post(url, {"reason": "该网点不在本街道"})
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decline_reason) == ("declined", "该网点不在本街道")
    member.refresh_from_db()
    assert member.org == tree.hlg


# --- the worker's pages ----------------------------------------------------------------------


def test_the_card_page_shows_a_qr_code_that_verifies(member, tree):
    user, client = worker_client(member)
    response = client.get(reverse("members:card"), headers=EN)
    assert response.status_code == 200
    page = text_of(response)
    found = re.search(r'<figure class="qr" id="card-qr" data-code="([^"]+)"', page)
    assert found is not None
    code = found.group(1)
    claims = cards.verify_card(code)
    assert claims == cards.CardClaims(
        number=member.number,
        name="周骑手",
        union="回龙观街道总工会",
        joined_on=member.joined_on,
        version=1,
    )
    qr = segno.make(code, error="m").svg_inline(scale=1, border=2, omitsize=True, light="#fff")
    assert qr in page
    assert f'<code class="token" id="card-code">{code}</code>' in page
    # The first visit linked the membership to the account that signed in with its number.
    member.refresh_from_db()
    assert member.user == user
    assert AuditEntry.objects.filter(action="members.member.account_linked").count() == 1
    assert str(member.id_number) not in page


def test_the_card_pdf_is_a_pdf(member):
    _user, client = worker_client(member)
    response = client.get(reverse("members:card_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="member-card-{member.number}.pdf"'
    )
    content = response.content
    assert content.startswith(b"%PDF-1.")
    assert content.rstrip().endswith(b"%%EOF")
    assert pdf_fonts(content) == [("AAAAAA+WenQuanYiMicroHei-0", True)]
    assert len(content) > 2_000


def test_without_a_membership_the_card_page_says_so(db):
    user = User.objects.create_user(None, None, mobile="13800138000")
    client = Client()
    client.force_login(user)
    page = text_of(client.get(reverse("members:card"), headers=EN))
    assert "You are not a union member yet" in page
    assert 'id="card-qr"' not in page
    assert client.get(reverse("members:card_pdf")).status_code == 404
    assert client.get(reverse("members:my_transfer")).status_code == 404
    assert 'id="my-card"' not in text_of(client.get(reverse("web:me")))


def test_the_card_page_needs_a_sign_in(db):
    response = Client().get(reverse("members:card"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=/me/card/"


def test_the_account_page_links_to_the_card(member):
    _user, client = worker_client(member)
    page = text_of(client.get(reverse("web:me"), headers=EN))
    assert '<a class="button block" id="my-card" href="/me/card/">My union card</a>' in page


def test_the_worker_asks_to_move_and_then_withdraws(member, tree):
    user, client = worker_client(member)
    url = reverse("members:my_transfer")
    response = client.post(url, {"to_org": tree.desheng.pk, "new_employer_name": ""}, headers=EN)
    assert response.status_code == 400
    assert "This field is required." in text_of(response)
    response = client.post(url, {"to_org": tree.station.pk, "new_employer_name": "京东"})
    assert response.status_code == 400  # a station receives no members
    response = client.post(url, {"to_org": tree.desheng.pk, "new_employer_name": "京东物流"})
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert (transfer.requested_by, transfer.to_org, transfer.status) == (
        user,
        tree.desheng,
        "pending",
    )
    assert 'id="pending-transfer"' in text_of(client.get(url))

    withdraw = reverse("members:withdraw")
    assert client.post(withdraw, {"reason": "个人原因"}).status_code == 400  # not confirmed
    response = client.post(withdraw, {"reason": "个人原因", "confirm": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    transfer.refresh_from_db()
    assert (member.status, member.leave_reason, transfer.status) == (
        "withdrawn",
        "个人原因",
        "cancelled",
    )
    page = text_of(client.get(reverse("members:card"), headers=EN))
    assert "Your membership has ended" in page
    assert 'id="card-qr"' not in page


# --- the verifier and the online check -------------------------------------------------------


def _code_of(member: Member) -> str:
    member.refresh_from_db()
    return cards.sign_card(
        cards.CardClaims(
            member.number, member.name, member.org.name, member.joined_on, member.card_version
        )
    )


def test_card_check_says_revoked_after_a_revocation(member, operator):
    code = _code_of(member)
    check = Client()
    url = reverse("members:card_check")
    assert check.get(url, {"code": code}).json() == {"status": "valid", "number": member.number}
    actions.revoke_card(actor=operator, member=member, reason="手机丢失")
    assert check.get(url, {"code": code}).json() == {"status": "revoked", "number": member.number}
    assert check.get(url, {"code": _code_of(member)}).json()["status"] == "valid"
    tampered = code[:10] + ("A" if code[10] != "A" else "B") + code[11:]
    assert check.get(url, {"code": tampered}).json() == {"status": "not_genuine"}
    # The same bytes spelled differently (unused bits of the last character) are refused too.
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    respelled = code[:-1] + alphabet[alphabet.index(code[-1]) ^ 1]
    assert check.get(url, {"code": respelled}).json() == {"status": "not_genuine"}
    actions.record_leaving(actor=operator, member=member, status="lapsed", reason="未缴会费")
    assert check.get(url, {"code": _code_of(member)}).json()["status"] == "left"


def test_card_check_of_an_unknown_number(db):
    code = cards.sign_card(
        cards.CardClaims("999999-000001", "某人", "某工会", timezone.localdate(), 1)
    )
    response = Client().get(reverse("members:card_check"), {"code": code})
    assert response.json() == {"status": "unknown", "number": "999999-000001"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_verifier_page_embeds_the_key_and_loads_nothing_from_elsewhere(db):
    page = Client().get(reverse("members:verify")).content.decode()
    assert f'data-key="{cards.public_key_b64()}"' in page
    assert '<script src="/static/members/verify.js" defer></script>' in page
    assert re.findall(r'(?:src|href)="(https?:)?//', page) == []
