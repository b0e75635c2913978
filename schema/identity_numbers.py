"""NIK and KK numbers: parsing, validation that says why, and construction.

NIK (16 digits): ``PPKKCC DDMMYY SSSS`` — the kecamatan of first registration, the birth date
(day + 40 for women) and a serial that is never ``0000``. KK (16 digits): ``PPKKCC DDMMYY SSSS``
— the kecamatan that issued it, the issue date and a serial.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import StrEnum

from schema.errors import InvalidKk, InvalidNik
from schema.regions import RegionDirectory, expand_kecamatan, regions


class Sex(StrEnum):
    MALE = "MALE"
    FEMALE = "FEMALE"


@dataclass(frozen=True, slots=True)
class NikParts:
    kecamatan_code: str
    birth_date: dt.date  # the century is a guess: the most recent one not in the future
    sex: Sex
    serial: str

    def born_on(self, date: dt.date) -> bool:
        """Whether ``date`` fits the NIK, which only carries a two-digit year."""
        return same_birthday(date, self.birth_date)


@dataclass(frozen=True, slots=True)
class KkParts:
    kecamatan_code: str
    issue_date: dt.date
    serial: str


def _check_digits(value: object, label: str, error: type[InvalidNik] | type[InvalidKk]) -> str:
    if not isinstance(value, str):
        raise error(f"{label} must be text of 16 digits", reason="not_text")
    if len(value) != 16:
        raise error(f"{label} must have 16 digits, got {len(value)}", reason="length")
    if not value.isascii() or not value.isdigit():
        raise error(f"{label} must contain digits only", reason="not_digits")
    return value


def _check_kecamatan(digits: str, label: str, error: type[InvalidNik] | type[InvalidKk],
                     directory: RegionDirectory | None) -> str:
    if directory is None:  # the shipped directory: a few hundred prefixes, looked up once each
        found = _shipped_kecamatan(digits[:6])
        if found is not None:
            return found
    code = expand_kecamatan(digits[:6])
    if directory is None or code not in directory:
        raise error(f"{label} region prefix {code} is not a Kemendagri kecamatan",
                    reason="unknown_region")
    return code


@functools.lru_cache(maxsize=16_384)
def _shipped_kecamatan(prefix: str) -> str | None:
    code = expand_kecamatan(prefix)
    return code if code in regions() else None


def _date_from(digits: str, label: str, error: type[InvalidNik] | type[InvalidKk],
               today: dt.date) -> dt.date:
    """DDMMYY in the most recent century that makes it a real date not after today."""
    value = _recent_date(digits, today)
    if value is None:
        raise error(f"{label} date part {digits} is not a valid date", reason="invalid_date")
    return value


@functools.lru_cache(maxsize=65_536)  # birth and issue dates repeat across a large import
def _recent_date(digits: str, today: dt.date) -> dt.date | None:
    day, month, year = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    for century in (2000, 1900):
        try:
            value = dt.date(century + year, month, day)
        except ValueError:
            continue
        if value <= today:
            return value
    return None


def valid_nik_birth(nik: object, today: dt.date) -> tuple[dt.date, Sex] | None:
    """A NIK's birth date and sex when it is valid by the shipped directory, else None
    (:func:`parse_nik` says why): :func:`parse_nik`'s usual case without its parts."""
    if isinstance(nik, str) and len(nik) == 16 and nik.isascii() and nik.isdigit() \
            and nik[12:] != "0000" and _shipped_kecamatan(nik[:6]) is not None:
        return _nik_birth(nik[6:12], today)
    return None


def same_birthday(date: dt.date, birth_date: dt.date) -> bool:
    """Whether ``date`` fits a NIK's ``birth_date``: the NIK only carries a two-digit year."""
    return (date.day, date.month, date.year % 100) == (
        birth_date.day, birth_date.month, birth_date.year % 100)


def parse_nik(nik: object, *, directory: RegionDirectory | None = None,
              today: dt.date | None = None) -> NikParts:
    """Split a NIK into its parts or raise :class:`InvalidNik` with the reason."""
    if directory is None and isinstance(nik, str) and len(nik) == 16 and nik.isascii() \
            and nik.isdigit():  # the usual case, a valid NIK: two cached look-ups
        kecamatan = _shipped_kecamatan(nik[:6])
        born = _nik_birth(nik[6:12], today or dt.date.today())
        if kecamatan is not None and born is not None and nik[12:] != "0000":
            return NikParts(kecamatan, born[0], born[1], nik[12:])
    value = _check_digits(nik, "NIK", InvalidNik)
    kecamatan = _check_kecamatan(value, "NIK", InvalidNik, directory or None)
    day = int(value[6:8])
    sex = Sex.FEMALE if day > 40 else Sex.MALE
    date_digits = f"{day - 40 if sex is Sex.FEMALE else day:02d}{value[8:12]}"
    birth = _date_from(date_digits, "NIK", InvalidNik, today or dt.date.today())
    if value[12:] == "0000":
        raise InvalidNik("NIK serial must not be 0000", reason="zero_serial")
    return NikParts(kecamatan, birth, sex, value[12:])


@functools.lru_cache(maxsize=65_536)
def _nik_birth(digits: str, today: dt.date) -> tuple[dt.date, Sex] | None:
    """A NIK's DDMMYY (day + 40 for women): the birth date and sex, None if not a date."""
    day = int(digits[0:2])
    sex = Sex.FEMALE if day > 40 else Sex.MALE
    born = _recent_date(f"{day - 40 if sex is Sex.FEMALE else day:02d}{digits[2:]}", today)
    return None if born is None else (born, sex)


def parse_kk(kk: object, *, directory: RegionDirectory | None = None,
             today: dt.date | None = None) -> KkParts:
    """Split a KK number into its parts or raise :class:`InvalidKk` with the reason."""
    value = _check_digits(kk, "KK", InvalidKk)
    kecamatan = _check_kecamatan(value, "KK", InvalidKk, directory or None)
    issued = _date_from(value[6:12], "KK", InvalidKk, today or dt.date.today())
    if value[12:] == "0000":
        raise InvalidKk("KK serial must not be 0000", reason="zero_serial")
    return KkParts(kecamatan, issued, value[12:])


def nik_problem(nik: object) -> str | None:
    """Why ``nik`` is invalid, or None when it is valid."""
    try:
        parse_nik(nik)
    except InvalidNik as exc:
        return exc.message
    return None


def kk_problem(kk: object) -> str | None:
    """Why ``kk`` is invalid, or None when it is valid."""
    try:
        parse_kk(kk)
    except InvalidKk as exc:
        return exc.message
    return None


def make_nik(kecamatan_code: str, birth_date: dt.date, sex: Sex, serial: int) -> str:
    if not 1 <= serial <= 9999:
        raise ValueError("serial must be 1..9999")
    day = birth_date.day + (40 if sex is Sex.FEMALE else 0)
    return (f"{kecamatan_code.replace('.', '')}{day:02d}{birth_date:%m%y}{serial:04d}")


def make_kk(kecamatan_code: str, issue_date: dt.date, serial: int) -> str:
    if not 1 <= serial <= 9999:
        raise ValueError("serial must be 1..9999")
    return f"{kecamatan_code.replace('.', '')}{issue_date:%d%m%y}{serial:04d}"


def mask_number(value: str) -> str:
    """``3273012345670002`` → ``3273********0002``."""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)
