"""The GraphQL documents the gateway sends to nodes (node API 1.x, regional_node/schema.graphql).

Only what the caller selected travels: each household, housing, member and program field is
asked for only when the gateway query selects it (or a field computed from it), plus the keys
the gateway itself needs (``HOUSEHOLD_KEYS`` etc.: ids for global ids, cursors, the merge and
the read audit; the sort key of a list; non-null fields of the gateway's types). Names derived
from codes (desa name, kecamatan) are computed at the gateway from the region table, not
fetched. A selection of ``None`` asks for every field (the gateway's own jobs).

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
             "assets", "desil", "status", "inactiveReason", "version", "createdAt", "updatedAt",
             "decree")
DECREE = "decree { number date period pdfSha256 }"
MEMBER = ("id", "nik", "name", "birthDate", "sex", "relationship", "education", "occupation",
          "disability", "matchStatus", "alive", "deathDate")
PROGRAM = ("program", "period", "startDate", "endDate", "active", "memberId", "suspended",
           "suspension")
HOUSING_FIELDS = f"housing {{ {' '.join(HOUSING)} }}"
HOUSEHOLD_FIELDS = " ".join({"housing": HOUSING_FIELDS, "decree": DECREE}.get(f, f)
                            for f in HOUSEHOLD)
MEMBER_FIELDS = " ".join(MEMBER)
SUSPENSION_FIELDS = "suspension { reason text }"  # both, whichever the caller selects
PROGRAM_FIELDS = " ".join(SUSPENSION_FIELDS if f == "suspension" else f for f in PROGRAM)
COUNT = ("kecamatanCode", "desaCode", "status", "program", "desil", "households", "members")
# Always asked (when the role may see them): global ids, the read audit and the merge need
# ``id``; the gateway's types require ``status``, ``program``, ``period``, ``active``.
HOUSEHOLD_KEYS = frozenset({"id", "status"})
MEMBER_KEYS = frozenset({"id"})
PROGRAM_KEYS = frozenset({"program", "period", "active"})


def allowed(role: Role | None, type_name: str, names: Sequence[str]) -> list[str]:
    """``names`` of ``type_name`` that ``role`` is not DENIED (all of them for None: the
    gateway's own jobs)."""
    if role is None:
        return list(names)
    return [n for n in names if access(role, type_name, n) is not Access.DENIED]


Names = frozenset[str] | None  # node fields of one type to ask for; None: all of them


def _pick(names: Sequence[str], wanted: Names, keys: frozenset[str] = frozenset()
          ) -> list[str]:
    return [n for n in names if wanted is None or n in wanted or n in keys]


def member_fields(role: Role | None, wanted: Names = None) -> str:
    """(If none of the wanted fields may be seen, all that may: never an empty selection.)"""
    return " ".join(allowed(role, "Member", _pick(MEMBER, wanted, MEMBER_KEYS))
                    or allowed(role, "Member", MEMBER))


@dataclass(frozen=True, slots=True)
class HouseholdSelection:
    members: bool = False  # members or head
    programs: bool = False
    role: Role | None = None  # whose view: fields DENIED to it are not asked for
    household_fields: Names = None  # of HOUSEHOLD (keys are added); None: all
    housing_fields: Names = None  # of HOUSING
    member_fields: Names = None  # of MEMBER (keys are added)
    program_fields: Names = None  # of PROGRAM (keys are added)

    def fields(self, extra: Sequence[str] = ()) -> str:
        """The node's Household selection; ``extra``: more household fields (a sort key)."""
        wanted = (None if self.household_fields is None
                  else self.household_fields | frozenset(extra))
        parts = []
        for name in allowed(self.role, "Household", _pick(HOUSEHOLD, wanted, HOUSEHOLD_KEYS)):
            if name == "housing":
                housing = (allowed(self.role, "Housing", _pick(HOUSING, self.housing_fields))
                           or allowed(self.role, "Housing", HOUSING))
                if housing:
                    parts.append(f"housing {{ {' '.join(housing)} }}")
            elif name == "decree":
                parts.append(DECREE)
            else:
                parts.append(name)
        if self.members:  # every member; or, for who may see only the head, the head
            for field in allowed(self.role, "Household", ("members", "head"))[:1]:
                parts.append(f"{field} {{ {member_fields(self.role, self.member_fields)} }}")
        if self.programs:
            programs = allowed(self.role, "ProgramMembership",
                               _pick(PROGRAM, self.program_fields, PROGRAM_KEYS))
            parts.append("programs(activeOnly: false) { " + " ".join(
                SUSPENSION_FIELDS if n == "suspension" else n for n in programs) + " }")
        return " ".join(parts) or "status"


def households_document(selection: HouseholdSelection, *, total: bool,
                        sort_key: str | None = None) -> str:
    """``sort_key``: the household field the merge orders by (asked whatever is selected)."""
    fields = selection.fields(() if sort_key is None else (sort_key,))
    return ("query GatewayHouseholds($filter: HouseholdFilter, $first: Int!, $after: String, "
            "$orderBy: HouseholdOrder!) { households(filter: $filter, first: $first, "
            "after: $after, orderBy: $orderBy) { edges { cursor node { "
            f"{fields} }} }} pageInfo {{ hasNextPage endCursor }}"
            f"{' totalCount' if total else ''} }} }}")


def household_document(selection: HouseholdSelection) -> str:
    return f"query GatewayHousehold($id: ID!) {{ household(id: $id) {{ {selection.fields()} }} }}"


def person_document(household: HouseholdSelection | None, role: Role | None = None,
                    member: Names = None) -> str:
    """``member``: the person's own fields (keys are added); None: all."""
    nested = f" household {{ {household.fields()} }}" if household is not None else ""
    return ("query GatewayPerson($nik: String!) "
            f"{{ person(nik: $nik) {{ {member_fields(role, member)}{nested} }} }}")


def counts_document(role: Role | None = None) -> str:
    """The node's grouped counts, with the count keys ``role`` may read (None: all)."""
    return ("query GatewayCounts($groupBy: [CountDimension!]!, $filter: HouseholdFilter) { "
            "householdCounts(groupBy: $groupBy, filter: $filter) { "
            f"{' '.join(allowed(role, 'HouseholdCount', COUNT))} }} }}")


def suspension_summary_document() -> str:
    """The node's suspension counts at a level (the gateway sums regions across nodes)."""
    return ("query GatewaySuspensions($level: SuspensionLevel!, $filter: SuspensionFilter) { "
            "suspensionSummary(level: $level, filter: $filter) { regionCode program active "
            "byReason { reason memberships } } }")


def data_quality_document(*, with_imports: bool) -> str:
    """A node's data quality per kab/kota (its own), and what its imports refused."""
    imports = "importQuality { householdsRefused errors } " if with_imports else ""
    return ("query GatewayDataQuality($region: String) { "
            "dataQuality(level: KABKOTA, region: $region) { regionCode households members "
            f"duplicates matchStatus {{ status members }} openWarnings {{ kind warnings }} }} "
            f"{imports}}}")
