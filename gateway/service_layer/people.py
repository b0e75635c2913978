"""A person by NIK: exactly one node through the directory; a miss (or a stale entry) falls
back to a scatter, says so in ``extensions.nikDirectory``, and teaches the directory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.federation.fanout import RequestScope
from gateway.federation.node_queries import HouseholdSelection, Names, person_document
from gateway.federation.report import Path
from gateway.service_layer.program_scope import limit_person
from gateway.service_layer.row_scope import regions_in_scope, require_in_scope, reraise_refusal
from gateway.service_layer.services import GatewayServices
from schema.identity_numbers import parse_nik
from schema.policy import Access, access


@dataclass(frozen=True, slots=True)
class FoundPerson:
    region: str
    record: dict[str, Any]


async def find_person(services: GatewayServices, scope: RequestScope, nik: str,
                      household: HouseholdSelection | None, path: Path | None = None,
                      member: Names = None) -> FoundPerson | None:
    """The person, from the node the directory names (or a scatter over the nodes in the
    user's scope). ``extensions.nikDirectory`` names regions only to whom may see a
    person's region. ``member``: the person's fields to ask for (None: all)."""
    try:
        return await _find_person(services, scope, nik, household, path, member)
    finally:
        note = scope.report.notes.get("nikDirectory")
        if note is not None and access(scope.meta.principal.role, "Member",
                                       "region") is Access.DENIED:
            note.pop("region", None)
            note.pop("duplicates", None)


async def _find_person(services: GatewayServices, scope: RequestScope, nik: str,
                       household: HouseholdSelection | None, path: Path | None,
                       member: Names) -> FoundPerson | None:
    parse_nik(nik)  # INVALID_NIK here, not from every node
    key = services.directory_key.key_of(nik)
    principal = scope.meta.principal
    document, variables = person_document(household, principal.role, member), {"nik": nik}
    region = await services.directory.region_of(key)
    note: dict[str, Any] = {"lookup": "miss", "fallback": None}
    scope.report.notes["nikDirectory"] = note
    asked: set[str] = set()
    if region is not None and services.registry.get(region) is not None:
        note.update(lookup="hit", region=region)
        require_in_scope(principal, region)
        data = await services.federation.route(region, document, variables, scope, path=path)
        if data is None:
            reraise_refusal(scope, region)
            return None  # the node that holds the person failed; the error says which
        if data.get("person") is not None:
            return FoundPerson(region, limit_person(principal, region, data["person"]))
        note["lookup"] = "stale"
        asked.add(region)
    others = [r for r in regions_in_scope(principal, services.registry.regions())
              if r not in asked]
    note["fallback"] = "scatter"
    answers = await services.federation.scatter(others, document, variables, scope, path=path)
    found = sorted(r for r, data in answers.items() if data.get("person") is not None)
    if not found:
        for region in others:
            if region not in answers:
                reraise_refusal(scope, region)  # held there, but outside the user's scope
        return None
    if len(found) > 1:
        note["duplicates"] = found  # one NIK registered in several regions (data ganda)
    await services.directory.learn(key, found[0])
    note["region"] = found[0]
    return FoundPerson(found[0], limit_person(principal, found[0], answers[found[0]]["person"]))
