"""The contract's enums as GraphQL enums, registered with strawberry once, here, for both
services (their GraphQL types import this module; neither registers a ``schema`` enum itself,
tests/test_graphql_enums.py). The names and descriptions are what both SDLs show.

A service's own enums (a sort order, a proposal state) are registered beside its types.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.benefits import BenefitComponent, BenefitUnit
from schema.community_reports import REPORT_STATUS_TEXT, ReportKind, ReportStatus
from schema.enums import (
    Asset,
    CookingFuel,
    Disability,
    DrinkingWater,
    Education,
    FloorMaterial,
    HouseholdStatus,
    InactiveReason,
    Lighting,
    MatchStatus,
    Program,
    Relationship,
    RoofMaterial,
    Sex,
    Tenure,
    Toilet,
    WallMaterial,
)
from schema.suspension import SuspensionLevel, SuspensionReason

__all__ = ["REGISTERED"]

#: the household and member fields' enums, under their own names and without description
_PLAIN: tuple[type[Enum], ...] = (
    HouseholdStatus, InactiveReason, Program, Relationship, Sex, Education, Disability,
    FloorMaterial, WallMaterial, RoofMaterial, Tenure, DrinkingWater, Lighting, CookingFuel,
    Toilet, Asset)
_DESCRIBED: dict[type[Enum], str] = {
    MatchStatus: "Outcome of the Dukcapil check",
    SuspensionReason: "Why aid is suspended (ditangguhkan): the person it rests on is not "
                      "padan, or has died",
    SuspensionLevel: "The region suspension counts are grouped by",
    ReportKind: "USUL: propose someone for aid; SANGGAH: object to a recipient",
    ReportStatus: REPORT_STATUS_TEXT,
    BenefitComponent: "A PKH component (komponen)",
    BenefitUnit: "What one catalogue amount pays for",
}

for _enum in _PLAIN:
    strawberry.enum(_enum)
for _enum, _description in _DESCRIBED.items():
    strawberry.enum(_enum, description=_description)

#: every enum of the contract this module registers
REGISTERED = (*_PLAIN, *_DESCRIBED)
