"""The unified social credit code (统一社会信用代码, GB 32100-2015).

18 characters: registration authority (1), organisation category (1), administrative
division (6 digits), organisation code (9), and a check character over the first 17. The
alphabet leaves out I, O, S, V and Z so that they are not confused with digits.
"""

import re
import unicodedata

from django.utils.translation import gettext as _

from gonghui.core.errors import DomainError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    """The code in upper case without spaces, or a DomainError saying exactly what is wrong."""
    code = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value)).upper()
    if len(code) != 18:
        raise DomainError(
            "invalid_credit_code",
            _("A unified social credit code has 18 characters; this one has %(count)d.")
            % {"count": len(code)},
        )
    wrong = sorted({c for c in code if c not in ALPHABET})
    if wrong:
        raise DomainError(
            "invalid_credit_code",
            _("A unified social credit code cannot contain %(chars)s.")
            % {"chars": "、".join(wrong)},
        )
    if not code[2:8].isdigit():
        raise DomainError(
            "invalid_credit_code",
            _("Characters 3 to 8 of the code are the administrative division and must be digits."),
        )
    if check_character(code[:17]) != code[17]:
        raise DomainError(
            "invalid_credit_code",
            _("The check character (the last one) does not match; please check for a typo."),
        )
    return code
