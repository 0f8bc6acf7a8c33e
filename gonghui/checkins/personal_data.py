"""A worker's registrations, check-ins and station visits, for their own copy of their data
(see members/own_data.py)."""

from django.utils.translation import gettext_lazy

from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.members.own_data import Cell, Person, Section, moment, register


def _registrations(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    registrations = (
        Registration.objects.filter(member=person.member)
        .select_related("checkpoint")
        .order_by("created_at", "pk")
    )
    return [
        (
            registration.checkpoint.title,
            registration.checkpoint.get_kind_display(),
            str(registration.places),
            registration.get_status_display(),
            moment(registration.created_at),
        )
        for registration in registrations
    ]


def _check_ins(person: Person, *, stations: bool) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    check_ins = CheckIn.objects.filter(member=person.member).select_related("checkpoint")
    if stations:
        check_ins = check_ins.filter(checkpoint__kind=Checkpoint.Kind.STATION)
    else:
        check_ins = check_ins.exclude(checkpoint__kind=Checkpoint.Kind.STATION)
    return [
        (check_in.checkpoint.title, moment(check_in.checked_in_at), check_in.get_method_display())
        for check_in in check_ins.order_by("checked_in_at", "pk")
    ]


register(
    Section(
        key="registrations",
        title=gettext_lazy("Activity registrations"),
        columns=(
            gettext_lazy("Activity"),
            gettext_lazy("Kind"),
            gettext_lazy("Places"),
            gettext_lazy("Status"),
            gettext_lazy("Registered at"),
        ),
        rows=_registrations,
        covers=("checkins.Registration.member",),
        order=50,
    )
)
register(
    Section(
        key="check_ins",
        title=gettext_lazy("Check-ins at activities"),
        columns=(gettext_lazy("Activity"), gettext_lazy("Time"), gettext_lazy("Way of check-in")),
        rows=lambda person: _check_ins(person, stations=False),
        covers=("checkins.CheckIn.member",),
        order=55,
    )
)
register(
    Section(
        key="station_visits",
        title=gettext_lazy("Visits to stations"),
        columns=(gettext_lazy("Station"), gettext_lazy("Time"), gettext_lazy("Way of check-in")),
        rows=lambda person: _check_ins(person, stations=True),
        covers=("checkins.CheckIn.member",),
        order=70,
    )
)
