"""A worker's entries, the polls whose electorate they were on and their ballots, for their own
copy of their data (see members/own_data.py). A ballot shows the candidate chosen: it is the
worker's own vote, and the published tally log never names its voter."""

from django.utils.translation import gettext_lazy

from gonghui.members.own_data import Cell, Person, Section, moment, register
from gonghui.reviews.models import Ballot, Elector, Submission


def _entries(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    entries = Submission.objects.filter(author=person.member).select_related("call", "org")
    return [
        (
            entry.call.title,
            entry.org.name,
            entry.category,
            entry.title,
            entry.get_status_display(),
            entry.get_decision_display(),
            entry.award_level,
            moment(entry.submitted_at),
        )
        for entry in entries.order_by("created_at", "pk")
    ]


def _electorates(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    rows = Elector.objects.filter(member=person.member).select_related("poll")
    return [(row.poll.title, moment(row.poll.opens_at), moment(row.poll.closes_at)) for row in rows]


def _ballots(person: Person) -> list[tuple[Cell, ...]]:
    if person.member is None:
        return []
    ballots = Ballot.objects.filter(member=person.member).select_related(
        "poll", "candidate__submission"
    )
    return [
        (
            ballot.poll.title,
            ballot.candidate.submission.title,
            moment(ballot.cast_at),
            ballot.receipt,
            ballot.quarantine_reason,
        )
        for ballot in ballots.order_by("cast_at", "pk")
    ]


register(
    Section(
        key="entries",
        title=gettext_lazy("My entries"),
        columns=(
            gettext_lazy("Call"),
            gettext_lazy("Union"),
            gettext_lazy("Category"),
            gettext_lazy("Title"),
            gettext_lazy("Status"),
            gettext_lazy("Decision"),
            gettext_lazy("award level"),
            gettext_lazy("Submitted at"),
        ),
        rows=_entries,
        covers=("reviews.Submission.author",),
        order=85,
    )
)
register(
    Section(
        key="electorates",
        title=gettext_lazy("Electorates"),
        columns=(gettext_lazy("Poll"), gettext_lazy("opens"), gettext_lazy("closes")),
        rows=_electorates,
        covers=("reviews.Elector.member",),
        order=86,
    )
)
register(
    Section(
        key="ballots",
        title=gettext_lazy("Ballots"),
        columns=(
            gettext_lazy("Poll"),
            gettext_lazy("Candidate"),
            gettext_lazy("Cast at"),
            gettext_lazy("Receipt"),
            gettext_lazy("Reason set aside"),
        ),
        rows=_ballots,
        covers=("reviews.Ballot.member",),
        order=87,
    )
)
