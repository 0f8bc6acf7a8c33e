"""What a reviewer should look at twice before approving (warnings, never refusals): a mobile
number another person uses, an age outside working life, a membership in another union.

`annotate_warnings` adds the facts that need the database as EXISTS subqueries, so a page of
the review queue costs the one query it always did; `warnings_of` turns them, with the age
read from the ID number, into the list shown in the queue and on the application's page.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gonghui.core.personal import birth_date_of
from gonghui.members.models import Application, Member

#: Younger than this may not work (Labour Law art. 15): the application needs a second look.
MINIMUM_AGE = 16
#: The latest statutory retirement ages after the 2025 reform (raised step by step to 63 for
#: men, 55 and 58 for women): at or past them, the applicant is most likely retired.
RETIREMENT_AGE = {"M": 63, "F": 58}


@dataclass(frozen=True)
class ReviewWarning:
    code: str
    label: str | Promise  # the queue's short tag
    message: str | Promise  # the application page's sentence


def annotate_warnings(applications: QuerySet[Application]) -> QuerySet[Application]:
    """The queue with `mobile_of_member`, `mobile_of_applicant` and `member_elsewhere`: other
    people only (the same ID number is flagged as "already a member" / "applied more than
    once")."""
    other_person = ~Q(id_number_hash=OuterRef("id_number_hash"))
    return applications.annotate(
        mobile_of_member=Exists(
            Member.objects.filter(other_person, mobile_hash=OuterRef("mobile_hash"))
        ),
        mobile_of_applicant=Exists(
            Application.objects.filter(
                other_person,
                mobile_hash=OuterRef("mobile_hash"),
                status=Application.Status.PENDING,
            ).exclude(pk=OuterRef("pk"))
        ),
        member_elsewhere=Exists(
            Member.objects.filter(
                id_number_hash=OuterRef("id_number_hash"), status=Member.Status.ACTIVE
            ).exclude(org=OuterRef("org"))
        ),
    )


def age_on(id_number: str, day: date) -> int | None:
    """Whole years from the birth date in the ID number to `day` (None for an anonymised one)."""
    if len(id_number) != 18:
        return None
    born = birth_date_of(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def gender_of(id_number: str) -> str:
    """M or F from the 17th character (odd for men), as GB 11643 assigns it."""
    return "M" if int(id_number[16]) % 2 else "F"


def warnings_of(application: Application) -> list[ReviewWarning]:
    """The warnings of an application from `annotate_warnings`' queryset; no query."""
    found: list[ReviewWarning] = []
    if getattr(application, "mobile_of_member", False):
        found.append(
            ReviewWarning(
                "mobile_of_member",
                _("Mobile number of a member"),
                _("This mobile number is a member's, with another ID number."),
            )
        )
    if getattr(application, "mobile_of_applicant", False):
        found.append(
            ReviewWarning(
                "mobile_of_applicant",
                _("Mobile number in another application"),
                _("Another pending application, with another ID number, gives this mobile number."),
            )
        )
    id_number = str(application.id_number or "")
    age = age_on(id_number, timezone.localdate(application.submitted_at)) if id_number else None
    if age is not None and age < MINIMUM_AGE:
        found.append(
            ReviewWarning(
                "under_age",
                _("Under %(minimum)d") % {"minimum": MINIMUM_AGE},
                _("Aged %(age)d by the ID number: under %(minimum)d.")
                % {"age": age, "minimum": MINIMUM_AGE},
            )
        )
    elif age is not None and age >= RETIREMENT_AGE[gender_of(id_number)]:
        found.append(
            ReviewWarning(
                "past_retirement",
                _("Past retirement age"),
                _("Aged %(age)d by the ID number: past the retirement age (%(limit)d).")
                % {"age": age, "limit": RETIREMENT_AGE[gender_of(id_number)]},
            )
        )
    if getattr(application, "member_elsewhere", False):
        found.append(
            ReviewWarning(
                "member_elsewhere",
                _("Member of another union"),
                _("This person is already an active member of another union."),
            )
        )
    return found


def with_warnings(applications: Iterable[Application]) -> list[Application]:
    """The applications, each with `review_warnings` set (for the templates)."""
    listed = list(applications)
    for application in listed:
        application.review_warnings = warnings_of(application)  # type: ignore[attr-defined]  # a display attribute, set on a page's objects only
    return listed
