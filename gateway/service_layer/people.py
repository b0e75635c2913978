"""A person by NIK: exactly one node through the directory; a miss (or a stale entry) falls
back to a scatter, says so in ``extensions.nikDirectory``, and teaches the directory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.federation.fanout import RequestScope
from gateway.federation.node_queries import HouseholdSelection, person_document
from gateway.federation.report import Path
from gateway.service_layer.services import GatewayServices
from schema.identity_numbers import parse_nik


@dataclass(frozen=True, slots=True)
class FoundPerson:
    region: str
    record: dict[str, Any]


async def find_person(services: GatewayServices, scope: RequestScope, nik: str,
                      household: HouseholdSelection | None, path: Path | None = None
                      ) -> FoundPerson | None:
    parse_nik(nik)  # INVALID_NIK here, not from every node
    key = services.directory_key.key_of(nik)
    document, variables = person_document(household), {"nik": nik}
    region = await services.directory.region_of(key)
    note: dict[str, Any] = {"lookup": "miss", "fallback": None}
    scope.report.notes["nikDirectory"] = note
    asked: set[str] = set()
    if region is not None and services.registry.get(region) is not None:
        note.update(lookup="hit", region=region)
        data = await services.federation.route(region, document, variables, scope, path=path)
        if data is None:
            return None  # the node that holds the person failed; the error says which
        if data.get("person") is not None:
            return FoundPerson(region, data["person"])
        note["lookup"] = "stale"
        asked.add(region)
    others = [r for r in services.registry.regions() if r not in asked]
    note["fallback"] = "scatter"
    answers = await services.federation.scatter(others, document, variables, scope, path=path)
    found = sorted(r for r, data in answers.items() if data.get("person") is not None)
    if not found:
        return None
    if len(found) > 1:
        note["duplicates"] = found  # one NIK registered in several regions (data ganda)
    await services.directory.learn(key, found[0])
    note["region"] = found[0]
    return FoundPerson(found[0], answers[found[0]]["person"])
