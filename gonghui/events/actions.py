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

from gonghui.accounts.models import User
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import Checkpoint, Registration
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError, NotFoundError
from gonghui.core.images import prepare_photo
from gonghui.core.scoping import require
from gonghui.core.sms import send_sms_on_commit
from gonghui.core.text import check_fields
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


def _check_activity(
    actor: User,
    *,
    org: Org,
    title: str,
    place: str,
    description: str,
    category: str,
    audience: str,
    audience_org: Org | None,
    starts_at: datetime,
    ends_at: datetime,
    checkpoint_fields: dict[str, Any],
) -> Org | None:
    """Check what create and update share; returns the audience org (the organiser's own
    for a subtree audience without one, None for the others). events.manage is needed at a
    subtree audience's org too."""
    if category not in Category.values or audience not in Audience.values:
        raise DomainError("invalid_choice", _("Choose one of the options."))
    check_fields(
        {"title": title, "place": place, "description": description},
        lines=("title", "place"),
        texts=("description",),
    )
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
    return audience_org


@transaction.atomic
def create_activity(
    *,
    actor: User,
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
    # Without a stated end, registration closes when the activity ends (latecomers may still
    # register at the door), never after.
    if checkpoint_fields.get("registration_closes_at") is None:
        checkpoint_fields["registration_closes_at"] = ends_at
    audience_org = _check_activity(
        actor,
        org=org,
        title=title,
        place=place,
        description=description,
        category=category,
        audience=audience,
        audience_org=audience_org,
        starts_at=starts_at,
        ends_at=ends_at,
        checkpoint_fields=checkpoint_fields,
    )
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
        actor=actor,
        action="events.activity.created",
        org=org,
        target=activity,
        changes={"title": activity.title, "published": publish},
    )
    return activity


@transaction.atomic
def publish_activity(*, actor: User, activity: Activity) -> Activity:
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
def cancel_activity(*, actor: User, activity: Activity, reason: str) -> Activity:
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
    live = Registration.objects.filter(
        checkpoint_id=activity.checkpoint_id,
        status__in=["confirmed", "offered", "waitlisted", "pending"],
    )
    for registration in live.select_related("member"):
        send_sms_on_commit(
            mobile=str(registration.member.mobile),
            text=_("“%(title)s” is cancelled: %(reason)s")
            % {"title": activity.title, "reason": reason.strip()[:100]},
        )
    live.update(status=Registration.Status.CANCELLED)
    # Closing the checkpoint refuses every way in (screen, card, API, offline batch).
    Checkpoint.objects.filter(pk=activity.checkpoint_id).update(
        confirmed_places=0, closes_at=timezone.now()
    )
    activity.refresh_from_db()
    audit.record(
        actor=actor,
        action="events.activity.cancelled",
        org=activity.org,
        target=activity,
        changes={"reason": reason.strip()[:200]},
    )
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
    *, actor: User, activity: Activity, upload: UploadedFile[Any], use: str, caption: str = ""
) -> ActivityPhoto:
    """Attach a picture to the description or the report (events.manage)."""
    require(actor, "events.manage", activity.org.path)
    if use not in ActivityPhoto.Use.values:
        raise DomainError("invalid_choice", _("Choose one of the options."))
    photo = prepare_photo(upload)
    record = ActivityPhoto(
        activity=activity,
        use=use,
        caption=caption.strip()[:200],
        width=photo.width,
        height=photo.height,
        uploaded_by=actor,
    )
    record.stored_name = f"{timezone.now():%Y%m%d%H%M%S%f}.jpg"
    record.image.save(record.stored_name, ContentFile(photo.content), save=False)
    record.save()
    audit.record(
        actor=actor,
        action="events.photo.added",
        org=activity.org,
        target=activity,
        changes={"use": use},
    )
    return record


@transaction.atomic
def publish_report(*, actor: User, activity: Activity, text: str) -> Activity:
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


def check_in_at_activity(
    *, member: Member | None, activity: Activity, code: str
) -> checkins.ScanResult:
    """A signed-in member checks in with the code the activity's big screen shows (see
    checkins.check_in_by_screen); a draft or cancelled activity checks nobody in."""
    return checkins.check_in_by_screen(
        member=member, checkpoint=activity.checkpoint, code=code, turned_away=_not_running(activity)
    )


# --- staff desk: editing, card scans and offline batches at an activity ------------------------


@transaction.atomic
def update_activity(
    *,
    actor: User,
    activity: Activity,
    expected_version: int,
    org: Org,
    title: str,
    category: str,
    description: str,
    audience: str,
    audience_org: Org | None,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    **checkpoint_fields: Any,
) -> Activity:
    """Edit an activity (events.manage at its organiser, and at the new one if it moves). A
    stale form is refused; capacity never drops below the places already held, and places a
    larger capacity frees go to the waiting list."""
    require(actor, "events.manage", activity.org.path)
    require(actor, "events.manage", org.path)
    audience_org = _check_activity(
        actor,
        org=org,
        title=title,
        place=place,
        description=description,
        category=category,
        audience=audience,
        audience_org=audience_org,
        starts_at=starts_at,
        ends_at=ends_at,
        checkpoint_fields=checkpoint_fields,
    )
    # Locked so that no registration takes a place between the capacity check and the update.
    checkpoint = Checkpoint.objects.select_for_update().get(pk=activity.checkpoint_id)
    capacity = checkpoint_fields.get("capacity", checkpoint.capacity)
    if capacity is not None and capacity < checkpoint.confirmed_places:
        message = _("%(n)d places are already taken; the capacity cannot be lower.") % {
            "n": checkpoint.confirmed_places
        }
        raise DomainError("capacity_below_taken", message, fields={"capacity": [message]})
    before = {
        "org": activity.org_id,
        "title": activity.title,
        "category": activity.category,
        "description": activity.description,
        "audience": activity.audience,
        "audience_org": activity.audience_org_id,
        "place": activity.place,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        **{name: getattr(checkpoint, name) for name in checkpoint_fields},
    }
    values = {
        "org": org,
        "title": title.strip(),
        "category": category,
        "description": description.strip(),
        "audience": audience,
        "audience_org": audience_org,
        "place": place.strip(),
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
    updated = (
        Activity.objects.filter(pk=activity.pk, version=expected_version)
        .exclude(status=Activity.Status.CANCELLED)
        .update(**values, version=F("version") + 1)
    )
    if not updated:
        current = Activity.objects.only("status").get(pk=activity.pk)
        if current.status == Activity.Status.CANCELLED:
            raise ConflictError("cancelled", _("A cancelled activity cannot be changed."))
        raise ConflictError(
            "stale", _("Someone else changed this activity meanwhile; reload it and try again.")
        )
    # Counters are never written from an instance (see Checkpoint): update() only.
    Checkpoint.objects.filter(pk=checkpoint.pk).update(
        title=values["title"],
        opens_at=starts_at - timedelta(hours=1),
        closes_at=ends_at,
        **checkpoint_fields,
    )
    # Its registrations and check-ins so far go along in the tallies.
    checkins.move_checkpoint(checkpoint=checkpoint, to_org=org)
    if checkpoint.capacity is not None and (capacity is None or capacity > checkpoint.capacity):
        checkins.offer_freed_places(checkpoint)
    activity.refresh_from_db()
    after = {
        **{name: values[name] for name in values if name not in {"org", "audience_org"}},
        "org": org.pk,
        "audience_org": audience_org.pk if audience_org else None,
        **checkpoint_fields,
    }
    audit.record(
        actor=actor,
        action="events.activity.updated",
        org=activity.org,
        target=activity,
        changes=audit.diff(before, after),
    )
    return activity


def _not_running(activity: Activity) -> checkins.ScanResult | None:
    if activity.status == Activity.Status.CANCELLED:
        return checkins.ScanResult(
            ok=False, code="activity_cancelled", message=_("This activity is cancelled.")
        )
    if activity.status != Activity.Status.PUBLISHED:
        return checkins.ScanResult(
            ok=False, code="not_published", message=_("This activity is not published yet.")
        )
    return None


def scan_card(*, actor: User, activity: Activity, card_code: str) -> checkins.ScanResult:
    """Staff (checkins.scan) scanned a member card at the activity's desk; a draft or cancelled
    activity checks nobody in."""
    return checkins.check_in_by_card(
        actor=actor,
        checkpoint=activity.checkpoint,
        card_code=card_code,
        turned_away=_not_running(activity),
    )


def upload_scans(
    *, actor: User, activity: Activity, device: str, items: list[checkins.BatchItem]
) -> list[dict[str, Any]]:
    """A staff device's offline scans for the activity (checkins.scan), one answer per item;
    a repeated upload replays the stored answers (see checkins.upload_batch)."""
    return checkins.upload_batch(
        actor=actor,
        checkpoint=activity.checkpoint,
        device=device,
        items=items,
        turned_away=_not_running(activity),
    )


def scan_card_once(
    *, actor: User, activity: Activity, card_code: str, nonce: str
) -> tuple[dict[str, Any], bool]:
    """scan_card with the scanning client's nonce (checkins.scan): the answer is kept, and the
    same nonce sent again, a retry after a timeout, gets it back (True) and changes nothing.
    Nonces count per staff account and activity."""
    return checkins.check_in_by_card_once(
        actor=actor,
        checkpoint=activity.checkpoint,
        card_code=card_code,
        device=f"scan:{actor.pk}:{activity.pk}",
        nonce=nonce,
        turned_away=_not_running(activity),
    )
