"""``dipa`` and ``benefitCatalogue``: the DIPA of a period and the amounts it is priced with
(Kemensos only, by the field policy). Thin: ``service_layer.dipa`` does the work."""

from __future__ import annotations

import datetime as dt
from typing import NewType

import strawberry
from strawberry.types import Info

import service_kit.graphql_enums  # noqa: F401  (the contract's enums, registered once)
from gateway.adapters.catalogue_store import CatalogueStore
from gateway.entrypoints.graphql.context import GatewayContext
from gateway.service_layer import dipa as service
from gateway.service_layer.catalogue import BenefitRate as DomainRate
from schema.benefits import BenefitComponent, BenefitUnit
from schema.enums import Program

Rupiah = NewType("Rupiah", int)
#: in the schema's ``scalar_map`` (schema.py)
RUPIAH = strawberry.scalar(name="Rupiah", serialize=int, parse_value=int,
                           description="Whole rupiah, as a JSON integer (beyond GraphQL's "
                                       "32-bit Int)")


@strawberry.type(description="One amount of the catalogue: a program (and PKH component) in "
                             "a year (both semesters) or a semester, per unit")
class BenefitRate:
    program: Program
    component: BenefitComponent | None
    period: str
    unit: BenefitUnit
    amount: Rupiah
    legal_basis: str = strawberry.field(description="Dasar hukum")
    source: str | None

    @classmethod
    def of(cls, rate: DomainRate) -> BenefitRate:
        return cls(program=Program(rate.program),
                   component=BenefitComponent(rate.component) if rate.component else None,
                   period=rate.period, unit=rate.unit, amount=Rupiah(rate.amount),
                   legal_basis=rate.legal_basis, source=rate.source)


@strawberry.type(description="A program (or one PKH component) in one kab/kota")
class DipaRow:
    program: Program
    component: BenefitComponent | None = strawberry.field(
        description="Null: the program as a whole (its amount includes its components')")
    province_code: str
    province_name: str
    kabkota_code: str
    kabkota_name: str
    kpm: int = strawberry.field(description="Keluarga penerima manfaat (distinct households)")
    persons: int = strawberry.field(description="Jiwa: enrolled members, or the living "
                                                "members of KPM households")
    unit: BenefitUnit | None
    rate: Rupiah | None
    amount: Rupiah | None = strawberry.field(
        description="For the period; null when the catalogue has no amount for it")
    legal_basis: str | None


@strawberry.type(description="A program nationally (over the regions that answered)")
class DipaTotal:
    program: Program
    kpm: int
    persons: int
    amount: Rupiah | None


@strawberry.type(description="A kab/kota whose node did not answer: not in the rows")
class DipaMissingRegion:
    region: str
    region_name: str
    code: str
    message: str


@strawberry.type(description="Determined, unsuspended memberships priced with the catalogue")
class Dipa:
    period: str
    generated_at: dt.datetime
    rows: list[DipaRow]
    totals: list[DipaTotal]
    missing_regions: list[DipaMissingRegion] = strawberry.field(
        description="Regions left out because their node did not answer (also in errors)")
    catalogue: list[BenefitRate] = strawberry.field(description="The amounts used")


def _rupiah(value: int | None) -> Rupiah | None:
    return Rupiah(value) if value is not None else None


def to_graphql(found: service.Dipa) -> Dipa:
    return Dipa(
        period=found.period.code, generated_at=found.generated_at,
        rows=[DipaRow(
            program=Program(r.program),
            component=BenefitComponent(r.component) if r.component else None,
            province_code=r.province, province_name=service.region_label(r.province),
            kabkota_code=r.kabkota, kabkota_name=service.region_label(r.kabkota),
            kpm=r.kpm, persons=r.persons, unit=r.rate.unit if r.rate else None,
            rate=_rupiah(r.rate.amount if r.rate else None), amount=_rupiah(r.amount),
            legal_basis=r.rate.legal_basis if r.rate else None) for r in found.rows],
        totals=[DipaTotal(program=Program(t.program), kpm=t.kpm, persons=t.persons,
                          amount=_rupiah(t.amount)) for t in found.totals],
        missing_regions=[DipaMissingRegion(region=m.region,
                                           region_name=service.region_label(m.region),
                                           code=m.code, message=m.message)
                         for m in found.missing],
        catalogue=[BenefitRate.of(r) for r in found.rates])


async def dipa(info: Info[GatewayContext, None], period: str,
               programs: list[Program] | None = None,
               regions: list[str] | None = None) -> Dipa | None:
    found = await service.compute_dipa(
        info.context.services, info.context.scope, period,
        programs=[p.value for p in programs] if programs is not None else None,
        regions=regions, path=info.path.as_list())
    return to_graphql(found)


async def benefit_catalogue(info: Info[GatewayContext, None]) -> list[BenefitRate] | None:
    return [BenefitRate.of(r) for r in await CatalogueStore(info.context.services.database).all()]
