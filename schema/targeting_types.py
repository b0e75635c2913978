"""The targeting indicators' GraphQL types (:mod:`schema.targeting`), one definition for the
node and the gateway. A count or rate is null where it is withheld (the public: a count of
fewer than ``SMALL_CELL_HOUSEHOLDS`` households, and every rate computed from one) or where a
rate has no denominator."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.enums import Program
from schema.regions import regions
from schema.targeting import (
    ProgramTargeting,
    RegionTargeting,
    published_count,
    published_rate,
    rate,
)


@strawberry.enum(description="The region targeting indicators are computed by")
class TargetingLevel(Enum):
    NATIONAL = "NATIONAL"
    PROVINCE = "PROVINCE"
    KABKOTA = "KABKOTA"
    KECAMATAN = "KECAMATAN"
    DESA = "DESA"


@strawberry.type(description="Households of one desil (null: households without a desil)")
class DesilCount:
    desil: int | None
    households: int | None


@strawberry.type(description="One program's targeting in a region")
class ProgramTargetingRow:
    program: Program
    eligible_up_to: int = strawberry.field(description="The highest eligible desil (data: "
                                                       "schema/data/program_eligibility.json)")
    recipients: int | None = strawberry.field(
        description="Households with an active, determined, unsuspended membership")
    inclusion_errors: int | None = strawberry.field(
        description="Recipients whose desil is above eligibleUpTo")
    inclusion_rate: float | None = strawberry.field(
        description="inclusionErrors / recipients with a desil")
    recipients_no_desil: int | None = strawberry.field(description="Recipients without a desil")
    eligible_households: int | None = strawberry.field(
        description="Households in desil 1..eligibleUpTo")
    eligible_recipients: int | None
    coverage: float | None = strawberry.field(
        description="eligibleRecipients / eligibleHouseholds")
    inclusion_rate_change: float | None = strawberry.field(
        default=None, description="inclusionRate minus that of `comparedTo` (gateway)")
    coverage_change: float | None = strawberry.field(
        default=None, description="coverage minus that of `comparedTo` (gateway)")

    @classmethod
    def of(cls, p: ProgramTargeting, withheld: bool) -> ProgramTargetingRow:
        count = published_count if withheld else _same
        ratio = published_rate if withheld else rate
        return cls(program=Program(p.program), eligible_up_to=p.eligible_up_to,
                   recipients=count(p.recipients), inclusion_errors=count(p.inclusion_errors),
                   inclusion_rate=ratio(p.inclusion_errors,
                                        p.recipients - p.recipients_no_desil),
                   recipients_no_desil=count(p.recipients_no_desil),
                   eligible_households=count(p.eligible_households),
                   eligible_recipients=count(p.eligible_recipients),
                   coverage=ratio(p.eligible_recipients, p.eligible_households))


@strawberry.type(description="Targeting error indicators of one region in one period "
                             "(docs/targeting.md)")
class TargetingIndicators:
    region_code: str | None = strawberry.field(description="Null at the NATIONAL level")
    period: str
    households: int | None = strawberry.field(description="ACTIVE households")
    households_no_desil: int | None = strawberry.field(
        description="ACTIVE households without a desil (counted apart, in no rate)")
    desil_distribution: list[DesilCount]
    poorest_households: int | None = strawberry.field(description="Households in desil 1–2")
    exclusion_errors: int | None = strawberry.field(
        description="Households in desil 1–2 in no program")
    exclusion_rate: float | None = strawberry.field(
        description="exclusionErrors / poorestHouseholds")
    exclusion_rate_change: float | None = strawberry.field(
        default=None, description="exclusionRate minus that of `comparedTo` (gateway)")
    programs: list[ProgramTargetingRow]

    @strawberry.field
    def region_name(self) -> str | None:
        if self.region_code is None:
            return None
        region = regions().get(self.region_code)
        return region.name if region is not None else ""

    @classmethod
    def of(cls, row: RegionTargeting, period: str, *, withheld: bool = False
           ) -> TargetingIndicators:
        count = published_count if withheld else _same
        ratio = published_rate if withheld else rate
        distribution = [DesilCount(desil=d, households=count(row.by_desil.get(d, 0)))
                        for d in range(1, 11)]
        distribution.append(DesilCount(desil=None, households=count(row.no_desil)))
        return cls(region_code=row.region, period=period, households=count(row.households),
                   households_no_desil=count(row.no_desil), desil_distribution=distribution,
                   poorest_households=count(row.poorest), exclusion_errors=count(row.unserved),
                   exclusion_rate=ratio(row.unserved, row.poorest),
                   programs=[ProgramTargetingRow.of(p, withheld)
                             for _, p in sorted(row.programs.items())])


def _same(count: int) -> int | None:
    return count
