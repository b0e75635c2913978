"""Verivali periods: every active household must be verified in the field once per period.

A period has a code (``2026-S1``), an optional name and an inclusive date range. The default
calendar is two periods a year, ``YYYY-S1`` (1 January – 30 June) and ``YYYY-S2``
(1 July – 31 December); they are created on demand. Dinas Sosial may define other periods
(``2027-Q1``, ``2026-KHUSUS``) as long as they do not overlap an existing one.

Pure: no database, no clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from schema.errors import InvalidInput

CODE_PATTERN = re.compile(r"^(\d{4})-([A-Z0-9]{1,12})$")
DEFAULT_CODE_PATTERN = re.compile(r"^(\d{4})-S([12])$")
MAX_NAME_LENGTH = 120
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True, slots=True)
class Period:
    code: str
    starts_on: dt.date
    ends_on: dt.date  # inclusive
    name: str | None = None

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def overlaps(self, other: Period) -> bool:
        return self.starts_on <= other.ends_on and other.starts_on <= self.ends_on


def check_code(code: str) -> str:
    text = code.strip().upper()
    if not CODE_PATTERN.match(text):
        raise InvalidInput(f"{code!r} is not a period code (YEAR-NAME, e.g. 2026-S2)",
                           reason="malformed", field="code")
    return text


def default_period(code: str) -> Period | None:
    """The default half-year period a code names (``2026-S2``), or None for any other code."""
    found = DEFAULT_CODE_PATTERN.match(code)
    if found is None:
        return None
    year, half = int(found.group(1)), int(found.group(2))
    if half == 1:
        return Period(code, dt.date(year, 1, 1), dt.date(year, 6, 30))
    return Period(code, dt.date(year, 7, 1), dt.date(year, 12, 31))


def default_period_for(day: dt.date) -> Period:
    period = default_period(f"{day.year:04d}-S{1 if day.month <= 6 else 2}")
    assert period is not None
    return period


def new_period(code: str, starts_on: dt.date, ends_on: dt.date, name: str | None,
               existing: Iterable[Period]) -> Period:
    """A period Dinas Sosial defines, checked against the ones already stored."""
    clean = check_code(code)
    if ends_on < starts_on:
        raise InvalidInput("the period ends before it starts", reason="out_of_range",
                           field="endsOn")
    if (ends_on - starts_on).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(f"a period lasts at most {MAX_PERIOD_DAYS} days",
                           reason="out_of_range", field="endsOn")
    if str(starts_on.year) != clean[:4]:
        raise InvalidInput(f"period {clean} must start in {clean[:4]}", reason="year_mismatch",
                           field="startsOn")
    label = (name or "").strip() or None
    if label is not None and len(label) > MAX_NAME_LENGTH:
        raise InvalidInput(f"the name is longer than {MAX_NAME_LENGTH} characters",
                           reason="too_long", field="name")
    period = Period(clean, starts_on, ends_on, label)
    for other in existing:
        if other.code == clean:
            raise InvalidInput(f"period {clean} already exists", reason="duplicate",
                               field="code")
        if period.overlaps(other):
            raise InvalidInput(f"period {clean} overlaps period {other.code} "
                               f"({other.starts_on} – {other.ends_on})", reason="overlap",
                               field="startsOn")
    return period


class NoPeriod(LookupError):
    """No stored period covers a day and the default one cannot be created there."""


def period_for(day: dt.date, existing: Iterable[Period]) -> Period:
    """The stored period containing ``day``; else the default half-year to create, shortened
    to the gap between the stored periods around ``day`` when they cover part of it.

    Raises :class:`NoPeriod` when the default code is taken by a period elsewhere.
    """
    stored = list(existing)
    for period in stored:
        if period.contains(day):
            return period
    default = default_period_for(day)
    if any(period.code == default.code for period in stored):
        raise NoPeriod(f"no verivali period covers {day} and {default.code} is defined for "
                       "other dates: Dinas Sosial must define a period for it")
    starts_on, ends_on = default.starts_on, default.ends_on
    for period in stored:
        if period.overlaps(default):
            if period.ends_on < day:
                starts_on = max(starts_on, period.ends_on + dt.timedelta(days=1))
            else:
                ends_on = min(ends_on, period.starts_on - dt.timedelta(days=1))
    return Period(default.code, starts_on, ends_on)


def percent(verified: int, active: int) -> float:
    """Coverage in percent, one decimal; 0 households to verify count as fully covered."""
    if active == 0:
        return 100.0
    return round(100.0 * verified / active, 1)
