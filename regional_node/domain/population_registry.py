"""The population registry (Dukcapil) as the node sees it: a port and the matching rules.

A node asks the registry about people by NIK and compares what it holds (name, birth date,
optionally the KK number) with the registry's record. The registry answers one of:

- ``MATCH`` (padan): found, alive, and every compared field agrees;
- ``MISMATCH`` (tidak padan): found, but a field differs; :attr:`MatchResult.mismatched`
  names which (``name``, ``birth_date``, ``kk_number``);
- ``NOT_FOUND``: the registry has no person with that NIK;
- ``DECEASED``: the registry records the person's death;
- ``REJECTED``: the registry refused that one item as a definitive answer (for example a
  malformed query). Nothing is learnt about the person; the node leaves it unchecked.

``DUPLICATE`` (data ganda) is not the registry's to say: the node's service layer decides it
from its own data (:mod:`regional_node.service_layer.nik_matching`).

Pure domain: no I/O. Adapters implement :class:`PopulationRegistry`; the default one speaks
the DCI registry API (:mod:`regional_node.adapters.dukcapil_dci`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from schema.enums import MatchStatus


class RegistryOutcome(StrEnum):
    MATCH = "MATCH"
    MISMATCH = "MISMATCH"
    NOT_FOUND = "NOT_FOUND"
    DECEASED = "DECEASED"
    REJECTED = "REJECTED"


MATCH_STATUS: dict[RegistryOutcome, MatchStatus | None] = {
    RegistryOutcome.MATCH: MatchStatus.MATCH,
    RegistryOutcome.MISMATCH: MatchStatus.MISMATCH,
    RegistryOutcome.NOT_FOUND: MatchStatus.NOT_FOUND,
    RegistryOutcome.DECEASED: MatchStatus.DECEASED,
    RegistryOutcome.REJECTED: None,  # nothing learnt: the member stays as it was
}


@dataclass(frozen=True, slots=True)
class IdentityQuery:
    """What the node holds about a person and asks the registry to confirm."""

    nik: str
    name: str
    birth_date: dt.date
    kk_number: str | None = None  # compared only when given
    sex: str | None = None  # MALE / FEMALE: a difference is reported, never a mismatch


@dataclass(frozen=True, slots=True)
class Resident:
    """The registry's record of a person, as far as matching needs it."""

    nik: str
    name: str
    birth_date: dt.date | None
    kk_number: str | None = None
    sex: str | None = None
    death_date: dt.date | None = None
    deceased: bool = False


@dataclass(frozen=True, slots=True)
class MatchResult:
    query: IdentityQuery
    outcome: RegistryOutcome
    mismatched: tuple[str, ...] = ()  # which fields differ: name, birth_date, kk_number
    death_date: dt.date | None = None
    detail: str = ""
    # the registry's value of each field that differs (mismatched ones, and ``sex``), and
    # its ``death_date``: what the operator needs to put the record right
    registry_values: tuple[tuple[str, str], ...] = ()

    @property
    def match_status(self) -> MatchStatus | None:
        """The member status this outcome sets, or None when it sets nothing (REJECTED)."""
        return MATCH_STATUS[self.outcome]


class PopulationRegistry(Protocol):
    """A population registry. ``check`` answers every request, in order, or raises
    :class:`~regional_node.errors.RegistryError` (``RegistryUnavailable`` when it could not be
    reached)."""

    async def check(self, requests: list[IdentityQuery]) -> list[MatchResult]: ...


class NikDirectory(Protocol):
    """Where else NIKs are registered (e.g. the gateway's national NIK directory)."""

    async def registered_elsewhere(self, niks: Collection[str]) -> set[str]: ...


_NOT_LETTERS = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Names compare by letters only: case, accents, punctuation and spacing do not count.
    ``"Siti  Aminah, "`` and ``"SITI AMINAH"`` are the same name; ``"Siti Aminah"`` and
    ``"Siti Aminnah"`` are not (a misspelling is tidak padan for an operator to fix)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    folded = _NOT_LETTERS.sub(" ", folded.replace("'", ""))
    return _SPACES.sub(" ", folded).strip()


def compare(query: IdentityQuery, resident: Resident | None) -> MatchResult:
    """The outcome of matching ``query`` against the registry's record (None: not found).

    Only what both sides know is compared: a registry record without a birth date or a KK
    number is not a mismatch on it. A death outranks a field mismatch (the differing fields
    are still reported)."""
    if resident is None:
        return MatchResult(query, RegistryOutcome.NOT_FOUND,
                           detail="NIK not found in the population registry")
    mismatched = []
    if normalise_name(query.name) != normalise_name(resident.name):
        mismatched.append("name")
    # a field the registry leaves empty is unknown there, not different (issue 15)
    if resident.birth_date is not None and resident.birth_date != query.birth_date:
        mismatched.append("birth_date")
    if None not in (query.kk_number, resident.kk_number) and \
            resident.kk_number != query.kk_number:
        mismatched.append("kk_number")
    fields = tuple(mismatched)
    values = _registry_values(query, resident, fields)
    if resident.deceased or resident.death_date is not None:
        when = f" on {resident.death_date.isoformat()}" if resident.death_date else ""
        return MatchResult(query, RegistryOutcome.DECEASED, fields, resident.death_date,
                           f"recorded as deceased{when}", values)
    if fields:
        return MatchResult(query, RegistryOutcome.MISMATCH, fields,
                           detail="tidak padan: " + ", ".join(_labels(fields)) + " differ",
                           registry_values=values)
    return MatchResult(query, RegistryOutcome.MATCH, detail="padan", registry_values=values)


def _registry_values(query: IdentityQuery, resident: Resident,
                     fields: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    known = {"name": resident.name, "kk_number": resident.kk_number or "",
             "birth_date": resident.birth_date.isoformat() if resident.birth_date else ""}
    values = [(name, known[name]) for name in fields]
    sex = (resident.sex or "").upper()
    if query.sex is not None and sex in ("MALE", "FEMALE") and sex != query.sex.upper():
        values.append(("sex", sex))
    if resident.death_date is not None:
        values.append(("death_date", resident.death_date.isoformat()))
    return tuple(values)


def rejected(query: IdentityQuery, reason: str) -> MatchResult:
    return MatchResult(query, RegistryOutcome.REJECTED, detail=f"registry refused: {reason}")


def _labels(fields: tuple[str, ...]) -> list[str]:
    names = {"name": "name", "birth_date": "birth date", "kk_number": "KK number"}
    return [names[f] for f in fields]
