"""The groups of a worker's own data that accounts, members and the audit log hold (see
own_data.py); the feature apps declare theirs in their own personal_data.py."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.accounts.models import ApiToken
from gonghui.core.models import AuditEntry
from gonghui.core.personal import mask
from gonghui.members.choices import ETHNICITY_NAMES
from gonghui.members.models import ConsentWithdrawal, Episode, Transfer
from gonghui.members.own_data import (
    Cell,
    Person,
    Personal,
    Section,
    day,
    moment,
    register,
)

Row = tuple[Cell, ...]


def _account(person: Person) -> list[Row]:
    user = person.user
    return [
        (
            user.name,
            Personal("mobile", str(user.mobile)) if user.mobile else "",
            moment(user.date_joined),
            moment(user.last_login),
        )
    ]


def _api_tokens(person: Person) -> list[Row]:
    tokens = ApiToken.objects.filter(user=person.user).order_by("created_at", "pk")
    return [
        (
            token.name,
            token.prefix,
            moment(token.created_at),
            moment(token.last_used_at),
            moment(token.revoked_at),
        )
        for token in tokens
    ]


def _membership(person: Person) -> list[Row]:
    member = person.member
    if member is None:
        return []
    return [
        (
            member.number,
            member.name,
            member.get_gender_display(),
            ETHNICITY_NAMES.get(member.ethnicity, member.ethnicity),
            Personal("id_number", str(member.id_number)) if member.id_number else "",
            Personal("mobile", str(member.mobile)) if member.mobile else "",
            member.employer_name,
            member.get_job_type_display(),
            member.job_type_text,
            member.get_education_display(),
            member.get_political_status_display(),
            member.org.name,
            member.get_status_display(),
            day(member.joined_on),
            day(member.left_on),
            member.leave_reason,
            str(member.card_version),
        )
    ]


def _episodes(person: Person) -> list[Row]:
    if person.member is None:
        return []
    episodes = Episode.objects.filter(member=person.member).select_related("org")
    return [
        (episode.org.name, episode.employer_name, day(episode.started_on), day(episode.ended_on))
        for episode in episodes
    ]


def _applications(person: Person) -> list[Row]:
    return [
        (
            moment(application.submitted_at),
            application.name
            if application.pk in person.proven_application_ids
            # Matched by the mobile number alone: whoever typed it may not be this worker.
            else mask("name", application.name),
            (
                Personal("id_number", str(application.id_number))
                if application.pk in person.proven_application_ids
                else mask("id_number", str(application.id_number))
            )
            if application.id_number
            else "",
            Personal("mobile", str(application.mobile)) if application.mobile else "",
            application.employer_name,
            application.get_job_type_display(),
            application.org.name,
            application.event.title if application.event is not None else "",
            application.get_status_display(),
            application.reject_reason,
            moment(application.reviewed_at),
        )
        for application in person.applications
    ]


def _transfers(person: Person) -> list[Row]:
    if person.member is None:
        return []
    transfers = (
        Transfer.objects.filter(member=person.member)
        .select_related("from_org", "to_org")
        .order_by("requested_at", "pk")
    )
    return [
        (
            moment(transfer.requested_at),
            transfer.from_org.name,
            transfer.to_org.name,
            transfer.new_employer_name,
            transfer.get_status_display(),
            moment(transfer.decided_at),
            transfer.decline_reason,
        )
        for transfer in transfers
    ]


def _consents(person: Person) -> list[Row]:
    given: list[tuple[object, Row]] = [
        (
            application.consented_at,
            (_("Given"), application.consent_version, moment(application.consented_at)),
        )
        for application in person.applications
    ]
    withdrawn: list[tuple[object, Row]] = [
        (withdrawal.withdrawn_at, (_("Withdrawn"), "", moment(withdrawal.withdrawn_at)))
        for withdrawal in ConsentWithdrawal.objects.filter(user=person.user).order_by("pk")
    ]
    return [row for _when, row in sorted(given + withdrawn, key=lambda pair: str(pair[0]))]


ACTION_LABELS = {
    "members.member.personal_data_viewed": gettext_lazy("Staff viewed your full number"),
    "members.application.personal_data_viewed": gettext_lazy(
        "Staff viewed your full number in an application"
    ),
    "accounts.personal_data.viewed": gettext_lazy("Staff viewed your full mobile number"),
    "members.application.approved": gettext_lazy("Application approved"),
    "members.application.rejected": gettext_lazy("Application rejected"),
    "members.member.left": gettext_lazy("Membership ended"),
    "members.member.account_linked": gettext_lazy("Membership linked to your account"),
    "members.card.revoked": gettext_lazy("Card revoked"),
    "members.transfer.requested": gettext_lazy("Transfer requested"),
    "members.transfer.accepted": gettext_lazy("Transfer accepted"),
    "members.transfer.declined": gettext_lazy("Transfer declined"),
    "members.personal_data.downloaded": gettext_lazy("You downloaded your data"),
    "members.consent.withdrawn": gettext_lazy("You withdrew your consent"),
    "accounts.sessions.ended": gettext_lazy("Signed out everywhere"),
}
FIELD_LABELS = {
    "id_number": gettext_lazy("ID number"),
    "mobile": gettext_lazy("mobile number"),
}


def _audit(person: Person) -> list[Row]:
    """Entries about the worker (their membership, applications or account) and what they
    did themselves: who read their personal data, and when."""
    about = AuditEntry.objects.filter(actor=person.user) | AuditEntry.objects.filter(
        target_type="accounts.user", target_id=str(person.user.pk)
    )
    if person.member is not None:
        about |= AuditEntry.objects.filter(
            target_type="members.member", target_id=str(person.member.pk)
        )
    if person.application_ids:
        about |= AuditEntry.objects.filter(
            target_type="members.application",
            target_id__in=[str(pk) for pk in person.application_ids],
        )
    rows: list[Row] = []
    for entry in about.select_related("actor").order_by("created_at", "pk"):
        if entry.actor_id is None:
            who = _("The system")
        elif entry.actor_id == person.user.pk:
            who = _("You")
        else:
            who = str(entry.actor)
        field = entry.changes.get("field") if isinstance(entry.changes, dict) else None
        rows.append(
            (
                moment(entry.created_at),
                who,
                str(ACTION_LABELS.get(entry.action, entry.action)),
                str(FIELD_LABELS.get(field, "")) if isinstance(field, str) else "",
            )
        )
    return rows


register(
    Section(
        key="account",
        title=gettext_lazy("Account"),
        columns=(
            gettext_lazy("Full name"),
            gettext_lazy("Mobile number"),
            gettext_lazy("Account created"),
            gettext_lazy("Last sign-in"),
        ),
        rows=_account,
        covers=("members.Member.user",),
        order=10,
    )
)
register(
    Section(
        key="api_tokens",
        title=gettext_lazy("API tokens"),
        columns=(
            gettext_lazy("Name"),
            gettext_lazy("Prefix"),
            gettext_lazy("Created at"),
            gettext_lazy("Last used"),
            gettext_lazy("Revoked at"),
        ),
        rows=_api_tokens,
        covers=("accounts.ApiToken.user",),
        order=15,
    )
)
register(
    Section(
        key="membership",
        title=gettext_lazy("Member record"),
        columns=(
            gettext_lazy("Member number"),
            gettext_lazy("Full name"),
            gettext_lazy("Gender"),
            gettext_lazy("Ethnicity"),
            gettext_lazy("ID number"),
            gettext_lazy("Mobile number"),
            gettext_lazy("Employer or platform"),
            gettext_lazy("Job type"),
            gettext_lazy("job as written"),
            gettext_lazy("Education"),
            gettext_lazy("Political status"),
            gettext_lazy("Union"),
            gettext_lazy("Status"),
            gettext_lazy("Joined on"),
            gettext_lazy("Left on"),
            gettext_lazy("Reason for leaving"),
            gettext_lazy("Card version"),
        ),
        rows=_membership,
        order=20,
    )
)
register(
    Section(
        key="episodes",
        title=gettext_lazy("Membership history"),
        columns=(
            gettext_lazy("Union"),
            gettext_lazy("Employer or platform"),
            gettext_lazy("From"),
            gettext_lazy("Until"),
        ),
        rows=_episodes,
        covers=("members.Episode.member",),
        order=25,
    )
)
register(
    Section(
        key="applications",
        title=gettext_lazy("Applications"),
        columns=(
            gettext_lazy("Submitted at"),
            gettext_lazy("Full name"),
            gettext_lazy("ID number"),
            gettext_lazy("Mobile number"),
            gettext_lazy("Employer or platform"),
            gettext_lazy("Job type"),
            gettext_lazy("Receiving union"),
            gettext_lazy("Recruitment event"),
            gettext_lazy("Status"),
            gettext_lazy("Reason"),
            gettext_lazy("Decided at"),
        ),
        rows=_applications,
        covers=("members.Application.member",),
        order=30,
    )
)
register(
    Section(
        key="transfers",
        title=gettext_lazy("Transfers"),
        columns=(
            gettext_lazy("Requested at"),
            gettext_lazy("From"),
            gettext_lazy("To"),
            gettext_lazy("New employer or platform"),
            gettext_lazy("Status"),
            gettext_lazy("Decided at"),
            gettext_lazy("Reason"),
        ),
        rows=_transfers,
        covers=("members.Transfer.member",),
        order=40,
    )
)
register(
    Section(
        key="consents",
        title=gettext_lazy("Consents"),
        columns=(gettext_lazy("Consent"), gettext_lazy("Notice version"), gettext_lazy("Time")),
        rows=_consents,
        covers=("members.ConsentWithdrawal.user", "members.ConsentWithdrawal.member"),
        order=90,
    )
)
register(
    Section(
        key="audit",
        title=gettext_lazy("Who saw or changed your data"),
        columns=(
            gettext_lazy("Time"),
            gettext_lazy("By"),
            gettext_lazy("What"),
            gettext_lazy("Field"),
        ),
        rows=_audit,
        covers=("core.AuditEntry.actor",),
        order=95,
    )
)
