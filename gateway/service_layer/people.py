"""A person by NIK: the nodes the directory names (one, or each region of a cross-region
duplicate); a miss (or a stale entry) falls
back to a scatter, says so in ``extensions.nikDirectory``, and teaches the directory.

Whether a NIK is registered, and where, is personal data too: for a user with a region scope,
a NIK registered outside it is answered exactly as a NIK registered nowhere — null, no error,
the nodes in scope asked, ``nikDirectory`` a miss (docs/security.md, "Authorization")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.errors import OutOfRegion
from gateway.federation.fanout import RequestScope
from gateway.federation.node_queries import HouseholdSelection, Names, person_document
from gateway.federation.report import Path
from gateway.service_layer.program_scope import limit_person
from gateway.service_layer.row_scope import regions_in_scope, take_refusal
from gateway.service_layer.services import GatewayServices
from schema.errors import Forbidden, OutOfScope
from schema.identity_numbers import parse_nik
from schema.policy import Access, access
from schema.roles import Principal
from schema.scope import overlaps

#: What ``nikDirectory`` says of a NIK not found (registered nowhere, or outside the scope).
NOT_FOUND_NOTE = {"lookup": "miss", "fallback": "scatter"}


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
    principal = scope.meta.principal
    found = None
    try:
        found = await _find_person(services, scope, nik, household, path, member)
        return found
    finally:
        note = scope.report.notes.get("nikDirectory")
        if note is not None and found is None and principal.region is not None:
            scope.report.notes["nikDirectory"] = dict(NOT_FOUND_NOTE)
        elif note is not None and access(principal.role, "Member", "region") is Access.DENIED:
            note.pop("region", None)
            note.pop("duplicates", None)


def _absent_if_out_of_scope(scope: RequestScope, region: str) -> None:
    """A node's refusal on policy: outside the user's scope is an absent person (the same
    answer as a NIK registered nowhere); any other refusal is raised."""
    refusal = take_refusal(scope, region)
    if refusal is not None and refusal not in (OutOfScope, OutOfRegion):
        raise Forbidden("that record is not available to you", reason="node_policy")


async def _find_person(services: GatewayServices, scope: RequestScope, nik: str,
                       household: HouseholdSelection | None, path: Path | None,
                       member: Names) -> FoundPerson | None:
    """Every region the directory names (in the user's scope) is asked; a NIK held in two
    regions (a cross-region duplicate) is answered from the lowest region code that holds it,
    and ``nikDirectory.duplicates`` names them all (to whom may see a person's region)."""
    parse_nik(nik)  # INVALID_NIK here, not from every node
    key = services.directory_key.key_of(nik)
    principal = scope.meta.principal
    document, variables = person_document(household, principal.role, member), {"nik": nik}
    # a directory entry outside the user's scope is not used: as for an unknown NIK
    placed = [region for region in await services.directory.regions_holding(key)
              if services.registry.get(region) is not None and overlaps(principal, region)]
    note: dict[str, Any] = {"lookup": "miss", "fallback": None}
    scope.report.notes["nikDirectory"] = note
    if placed:
        note.update(lookup="hit", region=placed[0])
        answers = await services.federation.scatter(placed, document, variables, scope,
                                                    path=path)
        for region in placed:
            if region not in answers:
                _absent_if_out_of_scope(scope, region)
        found = sorted(r for r, data in answers.items() if data.get("person") is not None)
        if found:
            return _answer(principal, note, found, answers)
        if any(failure.region in placed for failure in scope.report.failures):
            return None  # a node that holds the person failed; the error says which
        note["lookup"] = "stale"
    others = [r for r in regions_in_scope(principal, services.registry.regions())
              if r not in placed]
    note["fallback"] = "scatter"
    answers = await services.federation.scatter(others, document, variables, scope, path=path)
    found = sorted(r for r, data in answers.items() if data.get("person") is not None)
    if not found:
        for region in others:
            if region not in answers:
                _absent_if_out_of_scope(scope, region)
        return None
    await services.directory.learn(key, found)
    return _answer(principal, note, found, answers)


def _answer(principal: Principal, note: dict[str, Any], found: list[str],
            answers: dict[str, dict[str, Any]]) -> FoundPerson:
    if len(found) > 1:
        note["duplicates"] = found  # one NIK registered in several regions (data ganda)
    note["region"] = found[0]
    return FoundPerson(found[0], limit_person(principal, found[0], answers[found[0]]["person"]))
