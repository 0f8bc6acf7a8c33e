"""Running stations (stations.manage at the operating union) and members' visits to them.

A visit is a check-in at the station's checkpoint through gonghui.checkins, the one check-in
mechanism: once per member, station and day (Checkpoint.once_a_day), counted by its counters.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.checkins import actions as checkins
from gonghui.checkins.models import Checkpoint, new_secret
from gonghui.checkins.verdict import refused
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError
from gonghui.core.images import prepare_photo
from gonghui.core.scoping import require
from gonghui.core.text import check_fields
from gonghui.members.models import Member
from gonghui.orgs.models import Org
from gonghui.stations import codes
from gonghui.stations.models import Amenity, Station

DETAIL_FIELDS = (
    "name",
    "district",
    "street",
    "address",
    "weekdays",
    "all_day",
    "opens",
    "closes",
    "hours_note",
    "amenities",
    "phone",
    "description",
)


@dataclass(frozen=True)
class StationDetails:
    """What staff enter about a station; checked by `_clean` before anything is written."""

    name: str
    district: str
    street: str
    address: str
    weekdays: str = "1234567"
    all_day: bool = False
    opens: time | None = None
    closes: time | None = None
    hours_note: str = ""
    amenities: Iterable[str] = ()
    phone: str = ""
    description: str = ""


def _refuse(field: str, code: str, message: str) -> DomainError:
    return DomainError(code, message, fields={field: [message]})


def _clean(details: StationDetails) -> dict[str, Any]:
    """The model's values, or a DomainError naming the field at fault."""
    values: dict[str, Any] = {}
    for field, limit in (("name", 120), ("district", 40), ("street", 40), ("address", 200)):
        text = " ".join(str(getattr(details, field)).split())
        if not text:
            raise _refuse(field, "required", _("This field is required."))
        if len(text) > limit:
            raise _refuse(field, "too_long", _("At most %(n)d characters.") % {"n": limit})
        values[field] = text
    check_fields(values, names=("name", "district", "street"), lines=("address",))
    days = "".join(sorted(set(details.weekdays)))
    if not days or any(d not in "1234567" for d in days):
        raise _refuse("weekdays", "weekdays_invalid", _("Choose the days it opens."))
    values["weekdays"] = days
    values["all_day"] = bool(details.all_day)
    if details.all_day:
        values["opens"] = values["closes"] = None
    else:
        if details.opens is None or details.closes is None:
            field = "opens" if details.opens is None else "closes"
            raise _refuse(
                field,
                "hours_incomplete",
                _("Give the opening and closing times, or tick “open around the clock”."),
            )
        if details.opens == details.closes:
            raise _refuse(
                "closes",
                "hours_invalid",
                _(
                    "Closing time equals opening time: for a station that never closes, tick "
                    "“open around the clock”."
                ),
            )
        values["opens"] = details.opens.replace(second=0, microsecond=0)
        values["closes"] = details.closes.replace(second=0, microsecond=0)
    chosen = set(details.amenities)
    if chosen - set(Amenity.values):
        raise _refuse("amenities", "invalid_choice", _("Choose amenities from the list."))
    amenities = [code for code in Amenity.values if code in chosen]  # in the list's order
    values["amenities"] = f",{','.join(amenities)}," if amenities else ""
    for field, limit in (("hours_note", 200), ("phone", 40)):
        text = str(getattr(details, field)).strip()
        if len(text) > limit:
            raise _refuse(field, "too_long", _("At most %(n)d characters.") % {"n": limit})
        values[field] = text
    values["description"] = details.description.strip()
    return values


def _check_operator(actor: User, org: Org) -> None:
    require(actor, "stations.manage", org.path)
    if not org.is_active:
        raise _refuse("org", "org_inactive", _("This organisation is deactivated."))


@transaction.atomic
def create_station(*, actor: User, org: Org, details: StationDetails) -> Station:
    """A new station run by `org` (stations.manage there), with its checkpoint: no window, no
    registration, one visit per member a day."""
    _check_operator(actor, org)
    values = _clean(details)
    checkpoint = Checkpoint.objects.create(
        org=org,
        kind=Checkpoint.Kind.STATION,
        title=values["name"],
        requires_registration=False,
        allows_walk_ins=True,
        once_a_day=True,
    )
    station = Station.objects.create(org=org, checkpoint=checkpoint, created_by=actor, **values)
    audit.record(
        actor=actor,
        action="stations.station.created",
        org=org,
        target=station,
        changes={"name": station.name, "address": station.address},
    )
    return station


@transaction.atomic
def update_station(
    *, actor: User, station: Station, expected_version: int, org: Org, details: StationDetails
) -> Station:
    """Edit a station (stations.manage at its operator, and at the new one if it changes
    hands). A form read before someone else's edit is refused, not applied over it."""
    current = (
        Station.objects.select_for_update().select_related("org", "checkpoint").get(pk=station.pk)
    )
    require(actor, "stations.manage", current.org.path)
    if org.pk != current.org_id:
        _check_operator(actor, org)
    if current.version != expected_version:
        raise ConflictError(
            "stale", _("Someone else changed this station meanwhile; reload it and try again.")
        )
    values = _clean(details)
    before = {name: getattr(current, name) for name in DETAIL_FIELDS} | {"org": current.org_id}
    Station.objects.filter(pk=current.pk).update(org=org, version=F("version") + 1, **values)
    # Counters are never written from an instance (see Checkpoint): update() only.
    Checkpoint.objects.filter(pk=current.checkpoint_id).update(title=values["name"])
    # Its visits so far go along in the tallies.
    checkins.move_checkpoint(checkpoint=current.checkpoint, to_org=org)
    current.refresh_from_db()
    audit.record(
        actor=actor,
        action="stations.station.updated",
        org=current.org,
        target=current,
        changes=audit.diff(before, {**values, "org": org.pk}),
    )
    return current


@transaction.atomic
def set_station_active(*, actor: User, station: Station, active: bool) -> Station:
    """Deactivate (members no longer see it; its poster records no visits) or reactivate."""
    require(actor, "stations.manage", station.org.path)
    updated = (
        Station.objects.filter(pk=station.pk)
        .exclude(is_active=active)
        .update(is_active=active, version=F("version") + 1)
    )
    if not updated:
        if active:
            raise ConflictError("already_active", _("The station is already active."))
        raise ConflictError("already_inactive", _("The station is already deactivated."))
    station.refresh_from_db()
    audit.record(
        actor=actor,
        action="stations.station.reactivated" if active else "stations.station.deactivated",
        org=station.org,
        target=station,
    )
    return station


@transaction.atomic
def set_station_photo(*, actor: User, station: Station, upload: UploadedFile[Any]) -> Station:
    """Put up the station's photo (checked, resized, stripped of EXIF location), replacing any
    earlier one."""
    require(actor, "stations.manage", station.org.path)
    photo = prepare_photo(upload)
    current = Station.objects.select_for_update().get(pk=station.pk)
    old = current.photo.name if current.photo else ""
    current.stored_name = f"{timezone.now():%Y%m%d%H%M%S%f}.jpg"
    current.photo.save(current.stored_name, ContentFile(photo.content), save=False)
    Station.objects.filter(pk=current.pk).update(photo=current.photo.name)
    if old:
        storage = current.photo.storage
        transaction.on_commit(lambda: storage.delete(old))
    audit.record(
        actor=actor, action="stations.station.photo_changed", org=station.org, target=current
    )
    current.refresh_from_db()
    return current


@transaction.atomic
def replace_poster_code(*, actor: User, station: Station) -> Station:
    """A new code for the station's poster: every poster printed before stops recording
    visits (e.g. after a photo of it went round a chat group). Print the new one."""
    require(actor, "stations.manage", station.org.path)
    Checkpoint.objects.filter(pk=station.checkpoint_id).update(code_secret=new_secret())
    audit.record(actor=actor, action="stations.poster.replaced", org=station.org, target=station)
    return Station.objects.select_related("org", "checkpoint").get(pk=station.pk)


def record_visit(
    *,
    member: Member | None,
    code: str,
    station_id: int | None = None,
    at: datetime | None = None,
) -> checkins.ScanResult:
    """A signed-in member scanned a station's poster. The code must be genuine and current;
    with `station_id` (the API names the station it shows) it must also be that station's.
    The visit counts once a day: a second scan answers `already_checked_in` with the time."""
    try:
        code_station, signature = codes.read_poster_code(code)
    except DomainError as error:
        return refused(error.code, str(error.message), member)
    if station_id is not None and code_station != station_id:
        return refused("wrong_station", _("This code belongs to another station."), member)
    station = Station.objects.select_related("checkpoint").filter(pk=code_station).first()
    if station is None or not codes.signature_matches(station, signature):
        return refused(
            "code_invalid",
            _(
                "This code is not valid: the poster may have been replaced. Scan the poster at "
                "the station."
            ),
            member,
        )
    if not station.is_active:
        return refused("station_closed", _("This station is no longer in service."), member)
    return checkins.check_in_by_poster(member=member, checkpoint=station.checkpoint, at=at)
