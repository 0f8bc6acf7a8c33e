"""What the permission matrix (accounts/tests/test_permission_matrix.py) needs for the
innovation endpoints: a 五小 call run by the target org T with a rubric, an entry by the
matrix's member with a photo, shortlisted, a draft poll and a juror; and a 创新工匠 call for
nominations. Made on first use."""

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from gonghui.accounts.models import User
from gonghui.innovation import kinds
from gonghui.reviews import actions
from gonghui.reviews.models import Assignment, Attachment, Call, Conflict, Poll, Submission

CALL = "被测五小征集"


@dataclass
class Objects:
    call: Call
    nominations: Call
    entry: Submission
    attachment: Attachment
    poll: Poll
    juror: User


def objects_of(ctx: Any) -> Objects:
    found: Objects | None = getattr(ctx, "_innovation", None)
    if found is not None:
        return found
    operator = User.objects.filter(is_superuser=True).earliest("pk")
    now = timezone.now()

    def details(kind: str, title: str, audience: str) -> actions.CallDetails:
        return actions.CallDetails(
            kind=kind,
            title=title,
            description="",
            submissions_open=now - timedelta(days=1),
            submissions_close=now + timedelta(days=5),
            review_closes=now + timedelta(days=10),
            results_on=(now + timedelta(days=12)).date(),
            audience=audience,
            categories=kinds.WUXIAO_CATEGORIES if kind == kinds.WUXIAO else (),
        )

    call = actions.create_call(
        actor=operator, org=ctx.target, details=details(kinds.WUXIAO, CALL, "members")
    )
    actions.set_rubric(
        actor=operator,
        call=call,
        criteria=[actions.CriterionSpec("技术水平", weight=1, max_score=10)],
    )
    nominations = actions.create_call(
        actor=operator, org=ctx.target, details=details(kinds.CRAFTSMAN, "被测工匠评选", "units")
    )
    member = ctx.member
    if member.user is None:
        user = User.objects.create_user(None, None, mobile=str(member.mobile))
        type(member).objects.filter(pk=member.pk).update(user=user)
        member.refresh_from_db()
    entry = actions.save_entry(
        actor=member.user,
        member=member,
        call=call,
        details=actions.EntryDetails(title="被测成果", summary="说明", category="invention"),
        submit=True,
    )
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), "red").save(buffer, format="JPEG")
    attachment = actions.add_attachment(
        actor=member.user,
        entry=entry,
        upload=SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg"),
    )
    actions.decide(actor=operator, entry=entry, decision="shortlisted", reason="入围")
    poll = actions.create_poll(
        actor=operator,
        call=call,
        electorate_org=ctx.target,
        title="被测投票",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=1),
        jury_weight=60,
        vote_weight=40,
    )
    juror = User.objects.create_user("juror-matrix", "pw-juror", name="评委")
    found = Objects(call, nominations, entry, attachment, poll, juror)
    ctx._innovation = found
    return found


def after(ctx: Any, path: str) -> str:
    objects_of(ctx)
    return path


def call_form(ctx: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "kind": kinds.PAPER,
        "org": ctx.target.pk,
        "title": "新建征集",
        "description": "",
        "opens": today.isoformat(),
        "closes": (today + timedelta(days=5)).isoformat(),
        "review_closes": (today + timedelta(days=9)).isoformat(),
        "results_on": (today + timedelta(days=10)).isoformat(),
        "attachment_kinds": ["document"],
        "max_attachments": 3,
        "max_megabytes": 10,
    }


def call_created(ctx: Any) -> bool:
    return Call.objects.filter(title="新建征集").exists()


def rubric_versioned(ctx: Any) -> bool:
    return objects_of(ctx).call.rubrics.count() == 2


def review_started(ctx: Any) -> bool:
    return Call.objects.get(pk=objects_of(ctx).call.pk).review_started_at is not None


def juror_assigned(ctx: Any) -> bool:
    return Assignment.objects.filter(reviewer=objects_of(ctx).juror).exists()


def conflict_declared(ctx: Any) -> bool:
    return Conflict.objects.filter(reviewer=objects_of(ctx).juror).exists()


def nominated(ctx: Any) -> bool:
    return Submission.objects.filter(nominee="王师傅").exists()


def poll_created(ctx: Any) -> bool:
    return Poll.objects.filter(title="新建投票").exists()


def poll_opened(ctx: Any) -> bool:
    return Poll.objects.get(pk=objects_of(ctx).poll.pk).status == Poll.Status.OPEN


def decided(ctx: Any) -> bool:
    return Submission.objects.get(pk=objects_of(ctx).entry.pk).decision == "awarded"


def assignment_of(ctx: Any) -> Assignment:
    """The matrix juror's assignment to the entry (no actor of the matrix holds it)."""
    found = objects_of(ctx)
    operator = User.objects.filter(is_superuser=True).earliest("pk")
    return actions.assign_reviewer(actor=operator, entry=found.entry, reviewer=found.juror)


def open_poll_of(ctx: Any) -> Poll:
    poll = Poll.objects.get(pk=objects_of(ctx).poll.pk)
    if poll.status == Poll.Status.DRAFT:
        operator = User.objects.filter(is_superuser=True).earliest("pk")
        poll = actions.open_poll(actor=operator, poll=poll)
    return poll
