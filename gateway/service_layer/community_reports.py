"""The public's usul, sanggah and receipt check through the gateway: each goes to the one node
that owns the desa (``routing.route_to_owner``: never broadcast, a write never retried), with
the node's inputs unchanged; what comes back is the node's receipt.

The receipt the gateway gives is the node's report id qualified with the kab/kota whose node
keeps it, as every gateway id (``32.73:<uuid>``), so the receipt check knows which node to ask
from the receipt alone. A bare UUID (a receipt from a node's own URL) is checked with the
region it was sent for (the desa, or its kab/kota).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.errors import NodeCallError, NodeNotRegistered, NodeRefused
from gateway.federation.fanout import RequestScope
from gateway.federation.planner import KABKOTA_CODE_LENGTH, plan_for_region
from gateway.federation.report import Path
from gateway.service_layer.routing import route_to_owner
from gateway.service_layer.services import GatewayServices
from schema.community_reports import ReportKind, ReportStatus
from schema.errors import InvalidInput, InvalidRegionCode
from schema.regions import RegionLevel, regions

SUBMIT = {
    ReportKind.USUL: ("submitUsul", "mutation($input: UsulInput!) { "
                                    "submitUsul(input: $input) { receiptId status } }"),
    ReportKind.SANGGAH: ("submitSanggah", "mutation($input: SanggahInput!) { "
                                          "submitSanggah(input: $input) { receiptId status } }"),
}
CHECK = "query($id: ID!) { communityReportReceipt(receiptId: $id) { receiptId status } }"


@dataclass(frozen=True, slots=True)
class Receipt:
    region: str  # the kab/kota whose node keeps the report
    report_id: str  # the node's receipt (a UUID)
    status: ReportStatus

    @property
    def receipt_id(self) -> str:
        return f"{self.region}:{self.report_id}"


def _owning_kabkota(desa_code: str) -> str:
    try:
        regions().require(desa_code, level=RegionLevel.DESA)
    except InvalidRegionCode as error:
        raise InvalidRegionCode(error.message, reason=error.reason, field="desaCode") from None
    return desa_code[:KABKOTA_CODE_LENGTH]


def _uuid(value: str, field: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput(f"{value!r} is not a receipt (expected e.g. 32.73:<uuid>)",
                           reason="malformed", field=field) from None


async def submit(services: GatewayServices, scope: RequestScope, kind: ReportKind,
                 report: Mapping[str, Any]) -> Receipt:
    """Send ``report`` (the node's input, camelCase) to the node of its desa. The gateway
    chooses the report id when the sender did not, so the receipt is known before the call."""
    kabkota = _owning_kabkota(str(report["desaCode"]))
    rid = _uuid(str(report["id"]), "id") if report.get("id") else str(uuid.uuid4())
    field, document = SUBMIT[kind]
    try:
        data = await route_to_owner(services, scope, kabkota, document,
                                    {"input": {**report, "id": rid}})
    except NodeCallError as error:
        raise _relayed(error) from None
    answer = data[field]
    return Receipt(kabkota, str(answer["receiptId"]), ReportStatus(answer["status"]))


def _relayed(error: NodeCallError) -> NodeCallError:
    """A node that answered with its own refusal (a rule, a rate limit, a conflict) is passed
    on with its code; the node not answering keeps the gateway's code (NODE_UNAVAILABLE …)."""
    if type(error) is NodeCallError and error.node_code is not None:
        return NodeRefused(error)
    return error


def receipt_target(receipt_id: str, region: str | None) -> tuple[str, str]:
    """(kab/kota, report UUID) of a receipt: ``32.73:<uuid>``, or a bare UUID with the
    region it was sent for."""
    qualifier, sep, local = receipt_id.partition(":")
    if sep:
        if regions().get(qualifier) is None or len(qualifier) != KABKOTA_CODE_LENGTH:
            raise InvalidInput(f"{receipt_id!r} is not a receipt (expected e.g. 32.73:<uuid>)",
                               reason="malformed", field="receiptId")
        return qualifier, _uuid(local, "receiptId")
    if region is None:
        raise InvalidInput("a receipt without its kab/kota (32.73:<uuid>) needs the region it "
                           "was sent for", reason="region_required", field="region")
    try:
        regions().require(region)
    except InvalidRegionCode as error:
        raise InvalidRegionCode(error.message, reason=error.reason, field="region") from None
    if len(region) < KABKOTA_CODE_LENGTH:
        raise InvalidInput(f"{region} is a province: a report belongs to one kab/kota",
                           reason="not_routable", field="region")
    return region[:KABKOTA_CODE_LENGTH], _uuid(receipt_id, "receiptId")


async def check(services: GatewayServices, scope: RequestScope, receipt_id: str,
                region: str | None, path: Path | None = None) -> Receipt | None:
    """The report's status at its node; None when the node knows no such report. A node that
    does not answer is an error at ``path`` (as for every read), with the region."""
    kabkota, rid = receipt_target(receipt_id, region)
    plan = plan_for_region(kabkota, services.registry.regions())
    if not plan.targets:
        raise NodeNotRegistered(kabkota, "no node is registered for this region")
    data = await services.federation.route(kabkota, CHECK, {"id": rid}, scope, path=path)
    found = (data or {}).get("communityReportReceipt")
    if found is None:
        return None
    return Receipt(kabkota, str(found["receiptId"]), ReportStatus(found["status"]))
