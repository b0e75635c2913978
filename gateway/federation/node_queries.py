"""The GraphQL documents the gateway sends to nodes (node API 1.x, regional_node/schema.graphql).

Only what the caller selected travels: members and programs are asked for only when the
gateway query reaches them. Names derived from codes (desa name, kecamatan) are computed at the
gateway from the region table, not fetched.

Only what the caller's role may see travels either: a field the policy table DENIES to the
role is never asked for (the node would refuse it too, with the same table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schema.policy import Access, access
from schema.roles import Role

HOUSING = ("floorMaterial", "wallMaterial", "roofMaterial", "floorAreaM2", "tenure",
           "drinkingWater", "lighting", "cookingFuel", "toilet")
HOUSEHOLD = ("id", "kkNumber", "desaCode", "address", "latitude", "longitude", "housing",
             "assets", "desil", "status", "inactiveReason", "version", "createdAt", "updatedAt")
MEMBER = ("id", "nik", "name", "birthDate", "sex", "relationship", "education", "occupation",
          "disability", "matchStatus", "alive", "deathDate")
PROGRAM = ("program", "period", "startDate", "endDate", "active", "memberId")
HOUSING_FIELDS = f"housing {{ {' '.join(HOUSING)} }}"
HOUSEHOLD_FIELDS = " ".join(HOUSING_FIELDS if f == "housing" else f for f in HOUSEHOLD)
MEMBER_FIELDS = " ".join(MEMBER)
PROGRAM_FIELDS = " ".join(PROGRAM)
COUNT_FIELDS = "kecamatanCode desaCode status program desil households members"


def allowed(role: Role | None, type_name: str, names: Sequence[str]) -> list[str]:
    """``names`` of ``type_name`` that ``role`` is not DENIED (all of them for None: the
    gateway's own jobs)."""
    if role is None:
        return list(names)
    return [n for n in names if access(role, type_name, n) is not Access.DENIED]


def member_fields(role: Role | None) -> str:
    return " ".join(allowed(role, "Member", MEMBER))


@dataclass(frozen=True, slots=True)
class HouseholdSelection:
    members: bool = False  # members or head
    programs: bool = False
    role: Role | None = None  # whose view: fields DENIED to it are not asked for

    def fields(self) -> str:
        parts = []
        for name in allowed(self.role, "Household", HOUSEHOLD):
            if name == "housing":
                parts.append(f"housing {{ {' '.join(allowed(self.role, 'Housing', HOUSING))} }}")
            else:
                parts.append(name)
        if self.members:  # every member; or, for who may see only the head, the head
            for field in allowed(self.role, "Household", ("members", "head"))[:1]:
                parts.append(f"{field} {{ {member_fields(self.role)} }}")
        if self.programs:
            parts.append("programs(activeOnly: false) "
                         f"{{ {' '.join(allowed(self.role, 'ProgramMembership', PROGRAM))} }}")
        return " ".join(parts) or "status"


def households_document(selection: HouseholdSelection, *, total: bool) -> str:
    return ("query GatewayHouseholds($filter: HouseholdFilter, $first: Int!, $after: String, "
            "$orderBy: HouseholdOrder!) { households(filter: $filter, first: $first, "
            "after: $after, orderBy: $orderBy) { edges { cursor node { "
            f"{selection.fields()} }} }} pageInfo {{ hasNextPage endCursor }}"
            f"{' totalCount' if total else ''} }} }}")


def household_document(selection: HouseholdSelection) -> str:
    return f"query GatewayHousehold($id: ID!) {{ household(id: $id) {{ {selection.fields()} }} }}"


def person_document(household: HouseholdSelection | None, role: Role | None = None) -> str:
    nested = f" household {{ {household.fields()} }}" if household is not None else ""
    return ("query GatewayPerson($nik: String!) "
            f"{{ person(nik: $nik) {{ {member_fields(role)}{nested} }} }}")


COUNTS_DOCUMENT = ("query GatewayCounts($groupBy: [CountDimension!]!, "
                   "$filter: HouseholdFilter) { householdCounts(groupBy: $groupBy, "
                   f"filter: $filter) {{ {COUNT_FIELDS} }} }}")
