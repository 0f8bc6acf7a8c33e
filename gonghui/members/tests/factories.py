"""Valid people for tests: ID numbers with a correct check character and a real region."""

from datetime import date, timedelta
from itertools import count
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gonghui.members.models import Member

_serial = count(1)
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(born: date | None = None, serial: int | None = None, region: str = "110108") -> str:
    """An 18-character resident ID number (Haidian by default) that passes GB 11643; unique
    per serial (the birth date moves on every thousand serials)."""
    serial = serial or next(_serial)
    born = born or date(1990, 1, 1) + timedelta(days=serial // 1000)
    body = f"{region}{born:%Y%m%d}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def mobile(serial: int | None = None) -> str:
    return f"139{(serial or next(_serial)):08d}"


def person(**overrides: Any) -> dict[str, Any]:
    n = next(_serial)
    values: dict[str, Any] = {
        "name": f"王{'一二三四五六七八九十'[n % 10]}明",
        "gender": "M",
        "ethnicity": "01",
        "id_number": id_number(serial=n),
        "mobile": mobile(n),
        "employer_name": "美团外卖",
        "has_employer_union": False,
        "job_type": "rider",
        "education": "high_school",
        "political_status": "masses",
    }
    values.update(overrides)
    return values


def member_with_account(*, actor: Any, org: Any, mobile: str, name: str = "周骑手") -> "Member":
    """A member of `org` joined today whose worker account signs in with `mobile` (by SMS, as
    the browser tests do)."""
    from django.utils import timezone

    from gonghui.accounts.models import User
    from gonghui.members import actions
    from gonghui.members.models import Member

    member = actions.import_member(
        actor=actor,
        org=org,
        joined_on=timezone.localdate(),
        **person(name=name, mobile=mobile),
    )
    user = User.objects.create_user(mobile=mobile)
    Member.objects.filter(pk=member.pk).update(user=user)
    member.refresh_from_db()
    return member
