"""Publishing activities and taking part in them; registration and check-in are the checkpoint's
(gonghui.checkins), called from here."""

from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.checkins import actions as checkins
from gonghui.checkins.models import Checkpoint, Registration
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError, NotFoundError
from gonghui.core.images import prepare_photo
from gonghui.core.scoping import require
from gonghui.core.sms import send_sms_on_commit
from gonghui.events.models import Activity, ActivityPhoto, Audience, Category
from gonghui.members.models import Member
from gonghui.orgs.models import Org

CHECKPOINT_FIELDS = (
    "registration_opens_at",
    "registration_closes_at",
    "requires_registration",
    "allows_walk_ins",
    "capacity",
    "per_person_limit",
    "approval_required",
)


def _check_times(
    starts_at: datetime, ends_at: datetime, opens: datetime | None, closes: datetime | None
) -> None:
    if ends_at <= starts_at:
        message = _("The activity must end after it starts.")
        raise DomainError("ends_before_start", message, fields={"ends_at": [message]})
    if opens and closes and closes <= opens:
        message = _("Registration must close after it opens.")
        raise DomainError(
            "registration_window", message, fields={"registration_closes_at": [message]}
        )
    if closes and closes > ends_at:
        message = _("Registration cannot close after the activity ends.")
        raise DomainError(
            "registration_window", message, fields={"registration_closes_at": [message]}
        )


@transaction.atomic
def create_activity(
    *,
    actor: Any,
    org: Org,
    title: str,
    category: str,
    description: str,
    audience: str,
    audience_org: Org | None,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    publish: bool = False,
    **checkpoint_fields: Any,
) -> Activity:
    """Create an activity organised by `org` (events.manage there), as a draft or published."""
    require(actor, "events.manage", org.path)
    if category not in Category.values or audience not in Audience.values:
        raise DomainError("invalid_choice", _("Choose one of the options."))
    if audience == Audience.SUBTREE:
        audience_org = audience_org or org
        require(actor, "events.manage", audience_org.path)
    else:
        audience_org = None
    unknown = set(checkpoint_fields) - set(CHECKPOINT_FIELDS)
    if unknown:
        raise ValueError(f"unknown checkpoint fields: {sorted(unknown)}")
    _check_times(
        starts_at,
        ends_at,
        checkpoint_fields.get("registration_opens_at"),
        checkpoint_fields.get("registration_closes_at"),
    )
    if (checkpoint_fields.get("per_person_limit") or 1) < 1:
        raise DomainError("invalid_limit", _("At least one place per person."))
    checkpoint = Checkpoint.objects.create(
        org=org,
        kind=Checkpoint.Kind.ACTIVITY,
        title=title.strip(),
        # Check-in opens an hour before the start and closes at the end.
        opens_at=starts_at - timedelta(hours=1),
        closes_at=ends_at,
        **checkpoint_fields,
    )
    activity = Activity.objects.create(
        org=org,
        checkpoint=checkpoint,
        title=title.strip(),
        category=category,
        description=description.strip(),
        audience=audience,
        audience_org=audience_org,
        place=place.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        status=Activity.Status.PUBLISHED if publish else Activity.Status.DRAFT,
        published_at=timezone.now() if publish else None,
        created_by=actor,
    )
    audit.record(
        actor=actor, action="events.activity.created", org=org, target=activity,
        changes={"title": activity.title, "published": publish},
    )  # fmt: skip
    return activity


@transaction.atomic
def publish_activity(*, actor: Any, activity: Activity) -> Activity:
    require(actor, "events.manage", activity.org.path)
    updated = Activity.objects.filter(pk=activity.pk, status=Activity.Status.DRAFT).update(
        status=Activity.Status.PUBLISHED, published_at=timezone.now(), version=F("version") + 1
    )
    if not updated:
        raise ConflictError("not_draft", _("Only a draft can be published."))
    activity.refresh_from_db()
    audit.record(actor=actor, action="events.activity.published", org=activity.org, target=activity)
    return activity


@transaction.atomic
def cancel_activity(*, actor: Any, activity: Activity, reason: str) -> Activity:
    """Cancel; registered members are told by SMS."""
    require(actor, "events.manage", activity.org.path)
    if not reason.strip():
        message = _("Say why, so the registered members know.")
        raise DomainError("reason_required", message, fields={"reason": [message]})
    updated = (
        Activity.objects.filter(pk=activity.pk)
        .exclude(status=Activity.Status.CANCELLED)
        .update(status=Activity.Status.CANCELLED, version=F("version") + 1)
    )
    if not updated:
        raise ConflictError("already_cancelled", _("The activity is already cancelled."))
    for registration in Registration.objects.filter(
        checkpoint_id=activity.checkpoint_id,
        status__in=["confirmed", "offered", "waitlisted", "pending"],
    ).select_related("member"):
        send_sms_on_commit(
            mobile=str(registration.member.mobile),
            text=_("“%(title)s” is cancelled: %(reason)s")
            % {"title": activity.title, "reason": reason.strip()[:100]},
        )
    activity.refresh_from_db()
    audit.record(
        actor=actor, action="events.activity.cancelled", org=activity.org, target=activity,
        changes={"reason": reason.strip()[:200]},
    )  # fmt: skip
    return activity


def may_take_part(member: Member, activity: Activity) -> bool:
    """Whether the activity is open to this member (its audience)."""
    if activity.audience in {Audience.PUBLIC, Audience.MEMBERS}:
        return True
    assert activity.audience_org is not None
    return member.org.path.startswith(activity.audience_org.path)


def register_for_activity(*, member: Member, activity: Activity, places: int = 1) -> Registration:
    """A member registers for a published activity open to them."""
    if activity.status != Activity.Status.PUBLISHED:
        raise DomainError("not_published", _("This activity is not open for registration."))
    if not may_take_part(member, activity):
        raise NotFoundError("not_found", _("Not found."))
    return checkins.register(member=member, checkpoint=activity.checkpoint, places=places)


@transaction.atomic
def add_photo(
    *, actor: Any, activity: Activity, upload: UploadedFile[Any], use: str, caption: str = ""
) -> ActivityPhoto:
    """Attach a picture to the description or the report (events.manage)."""
    require(actor, "events.manage", activity.org.path)
    if use not in ActivityPhoto.Use.values:
        raise DomainError("invalid_choice", _("Choose one of the options."))
    photo = prepare_photo(upload)
    record = ActivityPhoto(
        activity=activity, use=use, caption=caption.strip()[:200], width=photo.width,
        height=photo.height, uploaded_by=actor,
    )  # fmt: skip
    record.stored_name = f"{timezone.now():%Y%m%d%H%M%S%f}.jpg"
    record.image.save(record.stored_name, ContentFile(photo.content), save=False)
    record.save()
    audit.record(
        actor=actor, action="events.photo.added", org=activity.org, target=activity,
        changes={"use": use},
    )  # fmt: skip
    return record


@transaction.atomic
def publish_report(*, actor: Any, activity: Activity, text: str) -> Activity:
    """The short report with photos shown on the activity page after the event."""
    require(actor, "events.manage", activity.org.path)
    if not text.strip():
        message = _("Write a few lines about how it went.")
        raise DomainError("report_required", message, fields={"text": [message]})
    if activity.starts_at > timezone.now():
        raise DomainError("not_started", _("A report comes after the activity has started."))
    Activity.objects.filter(pk=activity.pk).update(
        report=text.strip(), report_published_at=timezone.now(), version=F("version") + 1
    )
    activity.refresh_from_db()
    audit.record(actor=actor, action="events.report.published", org=activity.org, target=activity)
    return activity
