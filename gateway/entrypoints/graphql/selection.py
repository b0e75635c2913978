"""Which fields a query selects below a resolver, per gateway type and through fragments, so
that only what is asked travels from the nodes (see ``gateway.federation.node_queries``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from gateway.federation.node_queries import (
    HOUSEHOLD,
    HOUSING,
    MEMBER,
    PROGRAM,
    HouseholdSelection,
)
from schema.roles import Role

# The gateway's object types below a selected field: (parent type, field) -> child type.
CHILDREN = {("HouseholdConnection", "edges"): "HouseholdEdge",
            ("HouseholdConnection", "pageInfo"): "PageInfo",
            ("HouseholdEdge", "node"): "Household",
            ("Household", "housing"): "Housing",
            ("Household", "members"): "Member", ("Household", "head"): "Member",
            ("Household", "programs"): "ProgramMembership",
            ("Member", "household"): "Household"}
# Household fields computed at the gateway from the desa code.
FROM_DESA_CODE = frozenset({"desaName", "kecamatanCode", "kecamatanName"})


@dataclass
class Selected:
    """The field names selected on each gateway type, anywhere in the query below the
    resolver (``Member.household`` is the parent household, so its fields count too)."""

    by_type: dict[str, set[str]] = field(default_factory=dict)

    def of(self, type_name: str) -> set[str]:
        return self.by_type.get(type_name, set())


def selected(selections: Iterable[Any], type_name: str) -> Selected:
    """What ``selections`` (``info.selected_fields`` of a resolver returning ``type_name``)
    select on each type."""
    found = Selected()
    _collect(selections, type_name, found)
    return found


def _collect(selections: Iterable[Any], type_name: str, found: Selected) -> None:
    for selection in selections:
        if isinstance(selection, SelectedField):
            if type_name == "Query":  # the resolver's own field
                child = {"households": "HouseholdConnection", "household": "Household",
                         "person": "Member"}.get(selection.name)
            else:
                found.by_type.setdefault(type_name, set()).add(selection.name)
                child = CHILDREN.get((type_name, selection.name))
            if child is not None:
                _collect(selection.selections, child, found)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            _collect(selection.selections, type_name, found)


def member_fields(found: Selected) -> frozenset[str]:
    """The node Member fields the selection needs (keys are added by node_queries)."""
    names = found.of("Member") & set(MEMBER)
    if "head" in found.of("Household"):
        names.add("relationship")  # the head is found among the members by it
    return frozenset(names)


def household_selection(found: Selected, role: Role | None = None) -> HouseholdSelection:
    """What to ask the nodes for; ``role``: leave out what the policy denies it."""
    names = found.of("Household")
    household = names & set(HOUSEHOLD)
    if names & FROM_DESA_CODE:
        household.add("desaCode")
    return HouseholdSelection(
        role=role, members=bool({"members", "head"} & names), programs="programs" in names,
        household_fields=frozenset(household),
        housing_fields=frozenset(found.of("Housing") & set(HOUSING)),
        member_fields=member_fields(found),
        program_fields=frozenset(found.of("ProgramMembership") & set(PROGRAM)))
