"""A volunteer's teams, service record (hours, certifications, corrections) and certificates,
for their own copy of their data (see members/own_data.py)."""

from django.utils.translation import gettext_lazy

from gonghui.members.own_data import Cell, Person, Section, moment, register
from gonghui.volunteers.models import Certificate, Correction, TeamMember
from gonghui.volunteers.records import record_rows


def _teams(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    rows = TeamMember.objects.filter(member=person.member).select_related("team__org")
    return [
        (
            row.team.name,
            row.team.org.name,
            str(gettext_lazy("Leader") if row.is_leader else gettext_lazy("Member")),
            moment(row.joined_at),
        )
        for row in rows.order_by("joined_at", "pk")
    ]


def _service(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    corrections = {
        (c.shift_id): c.get_status_display()
        for c in Correction.objects.filter(member=person.member).order_by("requested_at", "pk")
    }
    return [
        (
            f"{row.shift.project.title} · {row.shift.group}",
            row.shift.project.org.name,
            row.day.isoformat(),
            moment(row.arrived_at),
            moment(row.left_at),
            str(row.minutes),
            row.certifier,
            str(corrections.get(row.shift.pk, "")),
        )
        for row in record_rows(person.member)
    ]


def _certificates(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    certificates = Certificate.objects.filter(member=person.member).order_by("issued_at", "pk")
    return [
        (c.serial, str(c.year), str(c.minutes), str(c.shifts), moment(c.issued_at))
        for c in certificates
    ]


register(
    Section(
        key="volunteer_teams",
        title=gettext_lazy("Volunteer teams"),
        columns=(
            gettext_lazy("Team"),
            gettext_lazy("Organisation"),
            gettext_lazy("Role"),
            gettext_lazy("Joined"),
        ),
        rows=_teams,
        covers=("volunteers.TeamMember.member",),
        order=75,
    )
)
register(
    Section(
        key="volunteer_service",
        title=gettext_lazy("Volunteer service"),
        columns=(
            gettext_lazy("Shift"),
            gettext_lazy("Organiser"),
            gettext_lazy("Date"),
            gettext_lazy("Arrived"),
            gettext_lazy("Left"),
            gettext_lazy("Minutes"),
            gettext_lazy("Certified by"),
            gettext_lazy("Correction"),
        ),
        rows=_service,
        # Reminders texted for a shift are the same shifts (a row per shift and person).
        covers=(
            "volunteers.Certification.member",
            "volunteers.Correction.member",
            "volunteers.Reminder.member",
        ),
        order=76,
    )
)
register(
    Section(
        key="volunteer_certificates",
        title=gettext_lazy("Volunteer certificates"),
        columns=(
            gettext_lazy("Serial"),
            gettext_lazy("Year"),
            gettext_lazy("Minutes"),
            gettext_lazy("Shifts"),
            gettext_lazy("Issued"),
        ),
        rows=_certificates,
        covers=("volunteers.Certificate.member",),
        order=77,
    )
)
