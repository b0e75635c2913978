"""GraphQL types of field verification (geotagged house photos) and verivali coverage."""

from __future__ import annotations

import datetime as dt

import strawberry

from regional_node.adapters.orm import FieldVerification as VerificationRow
from regional_node.adapters.orm import Photo as PhotoRow
from regional_node.domain.geotag import GeotagFlag
from regional_node.domain.verivali import Period
from regional_node.entrypoints.graphql.types import region_name
from regional_node.entrypoints.photo_upload import PHOTO_PATH
from regional_node.service_layer.verivali import CoverageReport
from regional_node.service_layer.verivali import DesaCoverage as DesaCount

strawberry.enum(GeotagFlag, description="Why a field verification deserves a second look "
                                        "(it is stored all the same)")


@strawberry.type(description="A point in WGS 84 decimal degrees")
class GeoPosition:
    latitude: float
    longitude: float


@strawberry.type(description="A house photo from a field visit, named by its SHA-256")
class HousePhoto:
    sha256: str
    size_bytes: int
    width: int
    height: int
    exif_position: GeoPosition | None = strawberry.field(
        description="Where the photo's EXIF says it was taken; null without GPS in it")
    exif_taken_at: str | None = strawberry.field(
        description="When the camera says it was taken (its own clock, no time zone)")
    uploaded_by: str
    uploaded_at: dt.datetime

    @strawberry.field(description="Where the region's staff and Kemensos download it "
                                  "(with their bearer token)")
    def url(self) -> str:
        return f"{PHOTO_PATH}/{self.sha256}"

    @classmethod
    def from_row(cls, row: PhotoRow) -> HousePhoto:
        position = None
        if row.exif_latitude is not None and row.exif_longitude is not None:
            position = GeoPosition(latitude=row.exif_latitude, longitude=row.exif_longitude)
        return cls(sha256=row.sha256, size_bytes=row.size_bytes, width=row.width,
                   height=row.height, exif_position=position, exif_taken_at=row.exif_taken_at,
                   uploaded_by=row.uploaded_by, uploaded_at=row.uploaded_at)


@strawberry.type(description="A pendamping's field visit: where, the house photo, and flags. "
                             "Immutable: another visit is another verification")
class FieldVerification:
    id: strawberry.ID
    period: str = strawberry.field(description="The verivali period it counts for")
    household_id: strawberry.ID | None
    proposal_id: strawberry.ID | None
    desa_code: str
    position: GeoPosition = strawberry.field(description="The coordinates the phone submitted")
    photo: HousePhoto
    distance_from_photo_m: float | None = strawberry.field(
        description="Metres between the submitted point and the photo's EXIF position")
    flags: list[GeotagFlag]
    note: str | None
    verified_by: str
    verified_role: str
    verified_at: dt.datetime

    @strawberry.field
    def desa_name(self) -> str:
        return region_name(self.desa_code)

    @strawberry.field(description="True when any flag is raised")
    def flagged(self) -> bool:
        return bool(self.flags)

    @classmethod
    def from_rows(cls, row: VerificationRow, photo: PhotoRow) -> FieldVerification:
        return cls(
            id=strawberry.ID(row.id), period=row.period_code,
            household_id=strawberry.ID(str(row.household_id)) if row.household_id else None,
            proposal_id=strawberry.ID(row.proposal_id) if row.proposal_id else None,
            desa_code=row.desa_code,
            position=GeoPosition(latitude=row.latitude, longitude=row.longitude),
            photo=HousePhoto.from_row(photo), distance_from_photo_m=row.distance_from_photo_m,
            flags=[GeotagFlag(flag) for flag in row.flags], note=row.note,
            verified_by=row.verified_by, verified_role=row.verified_role,
            verified_at=row.verified_at)


@strawberry.type(description="A verivali period: every active household is verified once in it")
class VerivaliPeriod:
    code: str
    name: str | None
    starts_on: dt.date
    ends_on: dt.date = strawberry.field(description="Inclusive")

    @classmethod
    def from_period(cls, period: Period) -> VerivaliPeriod:
        return cls(code=period.code, name=period.name, starts_on=period.starts_on,
                   ends_on=period.ends_on)


@strawberry.type(description="Active households of one desa and how many were verified")
class DesaCoverage:
    desa_code: str
    verified: int
    active: int
    percent: float

    @strawberry.field
    def desa_name(self) -> str:
        return region_name(self.desa_code)

    @classmethod
    def from_count(cls, count: DesaCount) -> DesaCoverage:
        return cls(desa_code=count.desa_code, verified=count.verified, active=count.active,
                   percent=count.percent)


@strawberry.type(description="Verivali coverage of one period, in total and by desa")
class VerivaliCoverage:
    period: VerivaliPeriod
    verified: int
    active: int
    percent: float
    desas: list[DesaCoverage]

    @classmethod
    def from_report(cls, report: CoverageReport) -> VerivaliCoverage:
        return cls(period=VerivaliPeriod.from_period(report.period), verified=report.verified,
                   active=report.active, percent=report.percent,
                   desas=[DesaCoverage.from_count(d) for d in report.desas])
