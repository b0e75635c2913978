"""The offline module over GraphQL: download a desa work package, upload a filled one."""

from __future__ import annotations

import base64
import binascii
import hashlib

import strawberry
from strawberry.types import Info

from regional_node.adapters.offline_formats import PackageFormat, read, write
from regional_node.domain.offline_package import ImportReport, Outcome
from regional_node.entrypoints.graphql.clock import now
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.service_layer.offline_export import export_package
from regional_node.service_layer.offline_import import import_package
from regional_node.service_layer.proposals import actor_of
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import InvalidInput

strawberry.enum(PackageFormat, name="OfflinePackageFormat")
strawberry.enum(Outcome, name="OfflineOutcome",
                description="What became of one row of an imported work package")
MEDIA_TYPES = {PackageFormat.XLSX: "application/vnd.openxmlformats-officedocument."
                                   "spreadsheetml.sheet",
               PackageFormat.JSON: "application/json"}


@strawberry.type(description="A desa work package to take offline")
class OfflinePackageFile:
    package_id: strawberry.ID
    filename: str
    media_type: str
    content_base64: str


@strawberry.type(description="One row of an imported package and what became of it")
class OfflineImportRow:
    sheet: str
    row: int
    item_id: str | None
    outcome: Outcome
    reason: str


@strawberry.type(description="Every row of the package: applied, already applied, conflict "
                             "or error")
class OfflineImportResult:
    package_id: strawberry.ID
    desa_code: str
    applied: int
    already_applied: int
    conflicts: int
    errors: int
    rows: list[OfflineImportRow]

    @classmethod
    def of(cls, report: ImportReport) -> OfflineImportResult:
        return cls(package_id=strawberry.ID(report.package_id), desa_code=report.desa_code,
                   applied=report.count(Outcome.APPLIED),
                   already_applied=report.count(Outcome.ALREADY_APPLIED),
                   conflicts=report.count(Outcome.CONFLICT),
                   errors=report.count(Outcome.ERROR),
                   rows=[OfflineImportRow(sheet=o.sheet, row=o.row, item_id=o.item_id,
                                          outcome=o.outcome, reason=o.reason)
                         for o in report.outcomes])


@strawberry.type
class OfflineMutation:
    @strawberry.mutation(description="Export a desa work package (XLSX or JSON, base64) with "
                                     "the desa's households as you may see them; audited")
    async def export_offline_package(
            self, info: Info[NodeContext, None], desa_code: str,
            format: PackageFormat = PackageFormat.XLSX) -> OfflinePackageFile | None:
        context = info.context
        async with UnitOfWork(context.database, actor_of(context.principal)) as uow:
            exported = await export_package(uow, context.principal, desa_code, context.region,
                                            now(context))
            await uow.commit()
        content = write(exported, format)
        return OfflinePackageFile(
            package_id=strawberry.ID(exported.meta.package_id),
            filename=f"siks-{desa_code}-{exported.meta.exported_at[:10]}.{format.lower()}",
            media_type=MEDIA_TYPES[format],
            content_base64=base64.b64encode(content).decode("ascii"))

    @strawberry.mutation(description="Import a filled work package (XLSX or JSON, base64). "
                                     "Idempotent; conflicts are reported, never overwritten")
    async def import_offline_package(self, info: Info[NodeContext, None],
                                     content_base64: str) -> OfflineImportResult | None:
        context = info.context
        try:
            content = base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("contentBase64 is not base64", reason="malformed",
                               field="contentBase64") from None
        package, form = read(content)
        report = await import_package(context.database, context.principal, package,
                                      context.region, now(context),
                                      file_sha256=hashlib.sha256(content).hexdigest(),
                                      file_format=form.value)
        return OfflineImportResult.of(report)
