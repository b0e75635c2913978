"""The GraphQL documents the gateway sends to nodes (node API 1.x, regional_node/schema.graphql).

Only what the caller selected travels: members and programs are asked for only when the
gateway query reaches them. Names derived from codes (desa name, kecamatan) are computed at the
gateway from the region table, not fetched.
"""

from __future__ import annotations

from dataclasses import dataclass

HOUSING_FIELDS = ("housing { floorMaterial wallMaterial roofMaterial floorAreaM2 tenure "
                  "drinkingWater lighting cookingFuel toilet }")
HOUSEHOLD_FIELDS = ("id kkNumber desaCode address latitude longitude " + HOUSING_FIELDS +
                    " assets desil status inactiveReason version createdAt updatedAt")
MEMBER_FIELDS = ("id nik name birthDate sex relationship education occupation disability "
                 "matchStatus alive deathDate")
PROGRAM_FIELDS = "program period startDate endDate active memberId"
COUNT_FIELDS = "kecamatanCode desaCode status program desil households members"


@dataclass(frozen=True, slots=True)
class HouseholdSelection:
    members: bool = False  # members or head
    programs: bool = False

    def fields(self) -> str:
        parts = [HOUSEHOLD_FIELDS]
        if self.members:
            parts.append(f"members {{ {MEMBER_FIELDS} }}")
        if self.programs:
            parts.append(f"programs(activeOnly: false) {{ {PROGRAM_FIELDS} }}")
        return " ".join(parts)


def households_document(selection: HouseholdSelection, *, total: bool) -> str:
    return ("query GatewayHouseholds($filter: HouseholdFilter, $first: Int!, $after: String, "
            "$orderBy: HouseholdOrder!) { households(filter: $filter, first: $first, "
            "after: $after, orderBy: $orderBy) { edges { cursor node { "
            f"{selection.fields()} }} }} pageInfo {{ hasNextPage endCursor }}"
            f"{' totalCount' if total else ''} }} }}")


def household_document(selection: HouseholdSelection) -> str:
    return f"query GatewayHousehold($id: ID!) {{ household(id: $id) {{ {selection.fields()} }} }}"


def person_document(household: HouseholdSelection | None) -> str:
    nested = f" household {{ {household.fields()} }}" if household is not None else ""
    return ("query GatewayPerson($nik: String!) "
            f"{{ person(nik: $nik) {{ {MEMBER_FIELDS}{nested} }} }}")


COUNTS_DOCUMENT = ("query GatewayCounts($groupBy: [CountDimension!]!, "
                   "$filter: HouseholdFilter) { householdCounts(groupBy: $groupBy, "
                   f"filter: $filter) {{ {COUNT_FIELDS} }} }}")
