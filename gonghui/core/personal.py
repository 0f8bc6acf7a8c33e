"""Normalising and masking personal identifiers (ID numbers, mobile numbers)."""

import re
import unicodedata
from datetime import date
from functools import cache

from django.utils.translation import gettext as _
from stdnum import numdb

from gonghui.core.errors import DomainError


class PersonalText(str):
    """A decrypted personal value. Its repr is masked so it never lands in a log or a traceback."""

    kind = "text"

    def __repr__(self) -> str:
        return f"<{self.kind} {mask(self.kind, self)}>"


def _clean(value: str) -> str:
    # NFKC turns full-width digits and letters (１３８…, Ｘ) into ASCII.
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value))


MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str:
    """A mainland mobile number as 11 digits, or a DomainError saying what is wrong."""
    cleaned = _clean(value)
    if cleaned.startswith("+86"):
        cleaned = cleaned[3:]
    elif cleaned.startswith("0086"):
        cleaned = cleaned[4:]
    if not cleaned.isdigit():
        raise DomainError("invalid_mobile", _("A mobile number contains only digits."))
    if len(cleaned) != 11:
        raise DomainError(
            "invalid_mobile",
            _("A mobile number has 11 digits; this one has %(count)d.") % {"count": len(cleaned)},
        )
    if not MOBILE_RE.match(cleaned):
        raise DomainError(
            "invalid_mobile",
            _("This is not a mainland China mobile number (it starts with 13–19)."),
        )
    return cleaned


# Residence permits for Hong Kong, Macao (81, 82) and Taiwan (83) residents use the same
# 18-character layout and check character as resident identity cards, with these prefixes
# in place of a region code. python-stdnum rejects them because 81–83 are not regions.
PERMIT_PREFIXES = {"810000", "820000", "830000"}


def id_number_check_character(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


def normalize_id_number(value: str, *, today: date | None = None) -> str:
    """An 18-character resident ID or residence-permit number, checked by GB 11643."""
    cleaned = _clean(value).upper()
    if len(cleaned) == 15 and cleaned.isdigit():
        raise DomainError(
            "legacy_id_number",
            _(
                "This is a 15-digit first-generation ID number, which is no longer valid. "
                "Please enter the 18-character number on your current ID card."
            ),
        )
    if len(cleaned) != 18:
        raise DomainError(
            "invalid_id_number",
            _("An ID number has 18 characters; this one has %(count)d.") % {"count": len(cleaned)},
        )
    if not (cleaned[:17].isdigit() and (cleaned[17].isdigit() or cleaned[17] == "X")):
        raise DomainError(
            "invalid_id_number",
            _("An ID number is 17 digits followed by a digit or the letter X."),
        )
    if id_number_check_character(cleaned[:17]) != cleaned[17]:
        raise DomainError(
            "invalid_id_number",
            _("The last character does not match the rest of the number; please check for a typo."),
        )
    try:
        birth = date(int(cleaned[6:10]), int(cleaned[10:12]), int(cleaned[12:14]))
    except ValueError:
        raise DomainError(
            "invalid_id_number", _("The birth date inside this ID number does not exist.")
        ) from None
    today = today or date.today()  # noqa: DTZ011 — a birth date is a calendar date
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if birth > today or age > 120:
        raise DomainError(
            "invalid_id_number", _("The birth date inside this ID number is not plausible.")
        )
    if cleaned[:6] not in PERMIT_PREFIXES and not _known_region(cleaned[:6]):
        raise DomainError(
            "invalid_id_number", _("The first six digits are not a valid region code.")
        )
    return cleaned


@cache
def _known_region(code: str) -> bool:
    """Whether the code was ever a county in GB/T 2260 (python-stdnum's table).

    Unlike stdnum's own check this ignores the years a code was in use: people born before
    their district got its current code carry it on a card issued later, and are real.
    """
    parts = numdb.get("cn/loc").info(code)
    return any("county" in properties for _part, properties in parts)


def birth_date_of(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def mask_id_number(value: str) -> str:
    """110***********1234: region prefix and last four stay, the birth date never shows."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_mobile(value: str) -> str:
    """138****5678."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张*三 style: the first character and, for long names, the last one."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


MASKERS = {"id_number": mask_id_number, "mobile": mask_mobile, "name": mask_name}


def mask(kind: str, value: str) -> str:
    masker = MASKERS.get(kind)
    return masker(value) if masker else "*" * len(value)
