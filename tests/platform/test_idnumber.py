import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from civilaffairs.lib.idnumber import make_id_number, parse_id_number

VALID = "11010519491231002X"  # the GB 11643 example number


def test_it_accepts_a_valid_number_and_derives_birth_date_and_gender():
    rid = parse_id_number(VALID)
    assert rid.birth_date == dt.date(1949, 12, 31)
    assert rid.gender == "F"


def test_it_accepts_a_lowercase_x_and_spaces():
    assert parse_id_number(" 11010519491231002x ").number == VALID


def test_it_rejects_a_bad_check_digit_and_says_which_digit_is_expected():
    with pytest.raises(ValidationError) as exc:
        parse_id_number("110105194912310021")
    assert exc.value.code == "id_check_digit"
    assert "X" in str(exc.value.messages)


def test_it_rejects_a_birth_date_in_the_future():
    future = make_id_number("330203", dt.date.today() + dt.timedelta(days=1), 7, female=False)
    with pytest.raises(ValidationError) as exc:
        parse_id_number(future)
    assert exc.value.code == "id_birth_future"


def test_it_rejects_an_impossible_date():
    body = "33020319900230001"
    with pytest.raises(ValidationError) as exc:
        parse_id_number(body + "0")
    assert exc.value.code == "id_birth_invalid"


@pytest.mark.parametrize("value,code", [("1234", "id_length"), ("3302031990010100A1", "id_chars")])
def test_it_rejects_malformed_numbers_with_a_clear_code(value, code):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(value)
    assert exc.value.code == code


def test_it_accepts_a_county_code_newer_than_the_birth_year():
    # 330213 (奉化区) was created in 2016; people born before keep such numbers after re-registration.
    number = make_id_number("330213", dt.date(1950, 3, 3), 1, female=True)
    assert parse_id_number(number).gender == "F"
