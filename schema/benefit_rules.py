"""Double-benefit rules (issue 19): "program A excludes program B for the same person (or
household)". A rule table kept as data (the gateway's ``benefit_rule``, imported from a
file: docs/partners.md); the cross-check lists a NIK's conflicts with it, and the overlap
report counts, per region, who holds both programs of a Kemensos rule.

A program is a Kemensos one (:class:`schema.enums.Program`) or a partner ministry's, named
``MINISTRY_PROGRAM`` (e.g. ``KEMENAG_PIP``): nodes hold only Kemensos programs, so a partner
program is known only from the job (the partner says which program its list is for).

**Scope**. ``PERSON``: the same person receives both, as their own membership or as a member
of a household that receives it. ``HOUSEHOLD``: the same household receives both, whoever in
it holds them. A cross-check sees a person's own memberships and their household's, not
another member's own (say a sibling's PIP): a ``HOUSEHOLD`` rule on a person-level program is
counted in the overlap report but not seen by a cross-check of a different member.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from schema.enums import Program

PROGRAM_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")


class RuleScope(StrEnum):
    PERSON = "PERSON"
    HOUSEHOLD = "HOUSEHOLD"


@dataclass(frozen=True, slots=True)
class ExclusionRule:
    program: str  # A
    excludes: str  # B
    scope: RuleScope
    legal_basis: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.program, self.excludes)

    @property
    def kemensos_only(self) -> bool:
        """Both programs are Kemensos' (nodes can count who holds both)."""
        return is_kemensos(self.program) and is_kemensos(self.excludes)

    def label(self) -> str:
        return f"{self.program} x {self.excludes} ({self.scope.value})"


def is_kemensos(program: str) -> bool:
    return program in Program.__members__


@dataclass(frozen=True, slots=True)
class Conflict:
    program: str
    excludes: str
    scope: RuleScope


def conflicts_of(rules: Iterable[ExclusionRule], held: Sequence[str],
                 partner_program: str | None = None) -> list[Conflict]:
    """The rules broken by a person who receives ``held`` (their own programs and their
    household's, as a cross-check sees them) and, when given, the partner's
    ``partner_program`` (the program the partner's list is for)."""
    receives = set(held) | ({partner_program} if partner_program else set())
    return [Conflict(rule.program, rule.excludes, rule.scope) for rule in rules
            if rule.program in receives and rule.excludes in receives
            and rule.program != rule.excludes]
