"""A partner's batch cross-check across the nodes: the NIK directory places each NIK; every
node is asked once, for the NIKs the directory places there and for those it does not know
(which any node may hold); the answers are joined per NIK, in the order sent.

A NIK is registered when a node says so (a living member of an active household there); its
desil band and programs come from that node (the first region, when several say so), and
``in_more_than_one_region`` says that several did (the same NIK enrolled in two regions;
the partner is not told which). When no
node says so and a node that was asked for it did not answer, it is unknown (``registered``
null) and the node's error says which. The directory is not taught by a batch (its
snapshots are): a NIK that moved since the last snapshot is answered by the node it left.
Every NIK asked is audited once per batch (``schema.policy.NIK_LOOKUPS``; one gateway audit
entry whose digest binds the list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.federation.fanout import RequestScope
from gateway.federation.report import Path
from gateway.service_layer.row_scope import regions_in_scope
from gateway.service_layer.services import GatewayServices
from schema.cross_check import check_batch

# only the NIKs a node registers come back: one it was asked for and left out is not
# registered there (every NIK asked is still audited at the node)
NODE_DOCUMENT = ("query($niks: [String!]!) { crossCheck(niks: $niks, registeredOnly: true) { "
                 "nik registered desilBand programs { program period level } } }")


@dataclass(slots=True)
class Checked:
    nik: str
    registered: bool | None
    desil_band: str | None = None
    programs: list[dict[str, Any]] = field(default_factory=list)
    registered_in: int = 0  # how many regions' nodes said registered

    @property
    def in_more_than_one_region(self) -> bool | None:
        """A cross-region duplicate (the partner learns that much, not which regions)."""
        return self.registered_in > 1 if self.registered else None


async def _placement(services: GatewayServices, niks: Sequence[str],
                     regions: Sequence[str]) -> dict[str, list[str]]:
    """The NIKs to ask each node for: those the directory places there (a NIK held in two
    regions is asked of both), and every NIK it does not place (in a region with a node)."""
    keys = {nik: services.directory_key.key_of(nik) for nik in niks}
    placed = await services.directory.regions_of(keys.values())
    asks: dict[str, list[str]] = {region: [] for region in regions}
    unplaced = []
    for nik in niks:
        held = [region for region in placed.get(keys[nik], ()) if region in asks]
        for region in held:
            asks[region].append(nik)
        if not held:
            unplaced.append(nik)
    return {region: [*placed_here, *unplaced] for region, placed_here in asks.items()
            if placed_here or unplaced}


async def cross_check(services: GatewayServices, scope: RequestScope, niks: Sequence[str],
                      path: Path | None = None) -> list[Checked]:
    check_batch(niks)
    unique = list(dict.fromkeys(niks))
    regions = regions_in_scope(scope.meta.principal, services.registry.regions())
    asks = await _placement(services, unique, regions)
    answers = await services.federation.scatter(
        sorted(asks), NODE_DOCUMENT, lambda region: {"niks": asks[region]}, scope, path=path)
    joined: dict[str, Checked] = {nik: Checked(nik, False) for nik in unique}
    join_answers(joined, asks, answers)
    return [joined[nik] for nik in niks]


def join_answers(joined: dict[str, Checked], asks: dict[str, list[str]],
                 answers: dict[str, dict[str, Any]]) -> None:
    """Fold the nodes' answers into ``joined``: the first region that registers a NIK gives
    its band and programs; a node that did not answer leaves its NIKs unknown (``None``)
    unless another registers them."""
    for region in sorted(asks):
        data = answers.get(region)
        if data is None:  # did not answer: what it may hold is unknown, unless found elsewhere
            for nik in asks[region]:
                if joined[nik].registered is False:
                    joined[nik].registered = None
            continue
        for row in data["crossCheck"]:
            found = joined.get(row["nik"])
            if found is not None and row["registered"]:
                found.registered_in += 1
            if found is not None and row["registered"] and found.registered is not True:
                found.registered, found.desil_band = True, row["desilBand"]
                found.programs = list(row["programs"])
