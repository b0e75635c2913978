"""NIK and KK validation says why a number is wrong; construction round-trips."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schema.errors import InvalidKk, InvalidNik
from schema.identity_numbers import (
    Sex,
    kk_problem,
    make_kk,
    make_nik,
    mask_number,
    nik_problem,
    parse_kk,
    parse_nik,
)

TODAY = dt.date(2026, 11, 28)


def test_a_womans_nik_carries_day_plus_forty():
    nik = make_nik("32.73.01", dt.date(1990, 5, 17), Sex.FEMALE, 2)
    assert nik == "3273015705900002"
    parts = parse_nik(nik, today=TODAY)
    assert (parts.kecamatan_code, parts.birth_date, parts.sex, parts.serial) == (
        "32.73.01", dt.date(1990, 5, 17), Sex.FEMALE, "0002")
    assert parse_nik("3273011705900002", today=TODAY).sex is Sex.MALE


@pytest.mark.parametrize(("nik", "reason"), [
    ("327301570590000", "length"),
    ("32730157059000021", "length"),
    ("32730157059O0002", "not_digits"),
    ("３２７３０１５７０５９００００２", "not_digits"),  # full-width digits
    ("9973015705900002", "unknown_region"),
    ("3273993105900002", "unknown_region"),
    ("3273013205900002", "invalid_date"),  # day 32, not a woman's 41-71
    ("3273017213900002", "invalid_date"),  # day 72
    ("3273013102900002", "invalid_date"),  # 31 February
    ("3273012902250002", "invalid_date"),  # 29.02 in neither 2025 nor 1925
    ("3273015705900000", "zero_serial"),
])
def test_invalid_nik_says_why(nik, reason):
    with pytest.raises(InvalidNik) as caught:
        parse_nik(nik, today=TODAY)
    assert caught.value.reason == reason
    assert caught.value.code == "INVALID_NIK"


def test_nik_must_be_text():
    with pytest.raises(InvalidNik) as caught:
        parse_nik(3273015705900002)
    assert caught.value.reason == "not_text"


@pytest.mark.parametrize(("kk", "reason"), [
    ("327301040315001", "length"),
    ("3273010403150000", "zero_serial"),
    ("9999010403150001", "unknown_region"),
    ("3273014403150001", "invalid_date"),  # no +40 rule on a KK
])
def test_invalid_kk_says_why(kk, reason):
    with pytest.raises(InvalidKk) as caught:
        parse_kk(kk, today=TODAY)
    assert caught.value.reason == reason


def test_problem_helpers_return_the_sentence_or_none():
    assert nik_problem("3273015705900002") is None
    assert nik_problem("123") == "NIK must have 16 digits, got 3"
    assert kk_problem(make_kk("32.73.01", dt.date(2015, 3, 4), 1)) is None
    assert "KK serial" in kk_problem("3273010403150000")


def test_masking_keeps_region_and_serial_only():
    assert mask_number("3273015705900002") == "3273********0002"


@given(birth=st.dates(dt.date(1900, 1, 1), dt.date(2026, 11, 28)),
       sex=st.sampled_from(Sex), serial=st.integers(1, 9999))
def test_made_niks_parse_back(birth, sex, serial):
    parts = parse_nik(make_nik("53.71.02", birth, sex, serial), today=TODAY)
    assert (parts.born_on(birth), parts.sex, int(parts.serial)) == (True, sex, serial)
    assert parts.birth_date.year % 100 == birth.year % 100 and parts.birth_date <= TODAY


def test_a_centenarians_nik_still_matches_their_birth_date():
    parts = parse_nik(make_nik("32.73.01", dt.date(1926, 1, 1), Sex.MALE, 1), today=TODAY)
    assert parts.birth_date == dt.date(2026, 1, 1)  # the guess
    assert parts.born_on(dt.date(1926, 1, 1)) and not parts.born_on(dt.date(1926, 1, 2))
