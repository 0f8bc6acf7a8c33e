from datetime import date

import pytest

from gonghui.core.errors import DomainError
from gonghui.core.personal import (
    PersonalText,
    mask_id_number,
    mask_mobile,
    mask_name,
    normalize_id_number,
    normalize_mobile,
)

TODAY = date(2026, 11, 25)


def test_mobile_normalises_what_people_type():
    assert normalize_mobile("１３８ ００１３-８０００") == "13800138000"
    assert normalize_mobile("+86 138 0013 8000") == "13800138000"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1380013800", "invalid_mobile"),
        ("23800138000", "invalid_mobile"),
        ("1380013800a", "invalid_mobile"),
    ],
)
def test_bad_mobiles_are_refused(typed, code):
    with pytest.raises(DomainError) as caught:
        normalize_mobile(typed)
    assert caught.value.code == code


def test_id_number_with_lowercase_x_and_fullwidth_digits():
    assert (
        normalize_id_number("１１０１０５１９４９１２３１００２x", today=TODAY)
        == "11010519491231002X"
    )


def test_id_number_wrong_check_character(english):
    with pytest.raises(DomainError) as caught:
        normalize_id_number("110105194912310021", today=TODAY)
    assert caught.value.code == "invalid_id_number"
    assert "last character" in str(caught.value.message)


def test_legacy_fifteen_digit_number_is_explained():
    with pytest.raises(DomainError) as caught:
        normalize_id_number("110105491231002", today=TODAY)
    assert caught.value.code == "legacy_id_number"


def _with_check(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return (
        first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
    )


def test_impossible_birth_date(english):
    with pytest.raises(DomainError) as caught:
        normalize_id_number(_with_check("11010519490231002"), today=TODAY)
    assert "does not exist" in str(caught.value.message)


def test_future_birth_date_is_not_plausible(english):
    with pytest.raises(DomainError) as caught:
        normalize_id_number(_with_check("11010520300101002"), today=TODAY)
    assert "not plausible" in str(caught.value.message)


def test_hong_kong_macao_taiwan_residence_permits_are_accepted():
    for prefix in ("810000", "820000", "830000"):
        number = _with_check(prefix + "19900101001")
        assert normalize_id_number(number, today=TODAY) == number


def test_unknown_region_code_is_refused(english):
    with pytest.raises(DomainError) as caught:
        normalize_id_number(_with_check("99999919900101001"), today=TODAY)
    assert "region" in str(caught.value.message)


def test_masks():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_mobile("13800138000") == "138****8000"
    assert mask_name("李师傅") == "李*傅"
    assert mask_name("张三") == "张*"


def test_personal_text_repr_is_masked():
    text = PersonalText("13800138000")
    text.kind = "mobile"
    assert repr(text) == "<mobile 138****8000>"
    assert f"{text!r}" == "<mobile 138****8000>"
    assert str(text) == "13800138000"


def test_messages_are_chinese_by_default():
    with pytest.raises(DomainError) as caught:
        normalize_mobile("1380013800")
    assert str(caught.value.message) == "手机号应为 11 位，当前为 10 位。"


def test_a_region_code_newer_than_the_birth_year_is_accepted():
    # 昌平区 got 110114 in 1999; someone born there in 1990 holds it on a later card.
    number = _with_check("11011419900101001")
    assert normalize_id_number(number, today=TODAY) == number
