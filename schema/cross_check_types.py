"""The cross-check's GraphQL types (:mod:`schema.cross_check`), one definition for the node
and the gateway, which both answer ``crossCheck`` with them: each builds them from what it
holds."""

from __future__ import annotations

import strawberry

from schema.benefit_overlap_types import RuleScope  # registers the enum too
from schema.cross_check import DesilBand, MembershipLevel
from schema.enums import Program

strawberry.enum(DesilBand, description="Where in the welfare ranking, by pairs of desil (the "
                                       "desil itself is for staff)")
strawberry.enum(MembershipLevel, description="The person's own membership, or their "
                                             "household's")


@strawberry.type(description="A social program a person receives, their own or their "
                             "household's")
class CrossCheckProgram:
    program: Program
    period: str
    level: MembershipLevel


@strawberry.type(description="One NIK of a cross-check: in DTKS or not, a desil band, the "
                             "programs; nothing else of the person")
class CrossCheckResult:
    nik: str = strawberry.field(description="As sent")
    registered: bool | None = strawberry.field(
        description="A living member of an active household; null: unknown (at the gateway: "
                    "a node that may hold it did not answer, errors name it)")
    desil_band: DesilBand | None
    programs: list[CrossCheckProgram]
    in_more_than_one_region: bool | None = strawberry.field(
        default=None,
        description="At the gateway: registered by two or more regions' nodes (a "
                    "cross-region duplicate; which regions is not told). Null at a node, "
                    "which knows only itself, and when it is not registered")


@strawberry.type(description="A double-benefit rule a NIK breaks (docs/partners.md): it "
                             "receives both programs, for the same person or household")
class CrossCheckConflict:
    program: str
    excludes: str
    scope: RuleScope
