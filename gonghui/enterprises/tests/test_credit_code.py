import pytest

from gonghui.core.errors import DomainError
from gonghui.enterprises.credit_code import normalize_credit_code


def test_a_real_code_passes_and_is_normalised():
    assert normalize_credit_code(" 91110000802100433b ") == "91110000802100433B"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("91110000802100433C", "The check character (the last one) does not match"),
        ("9111000080210043", "has 18 characters; this one has 16"),
        ("91110000802100433I", "cannot contain I"),
        ("911A0000802100433B", "administrative division"),
    ],
)
def test_bad_codes_say_what_is_wrong(typed, expected, english):
    with pytest.raises(DomainError) as caught:
        normalize_credit_code(typed)
    assert caught.value.code == "invalid_credit_code"
    assert expected in str(caught.value.message)
