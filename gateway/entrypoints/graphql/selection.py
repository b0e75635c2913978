"""Which fields a query selects below a resolver, through fragments, so that only what is
asked travels from the nodes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from gateway.federation.node_queries import HouseholdSelection
from schema.roles import Role


def selected_names(selections: Iterable[Any]) -> set[str]:
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, SelectedField):
            names.add(selection.name)
            names |= selected_names(selection.selections)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            names |= selected_names(selection.selections)
    return names


def household_selection(names: set[str], role: Role | None = None) -> HouseholdSelection:
    """What to ask the nodes for; ``role``: leave out what the policy denies it."""
    return HouseholdSelection(role=role, members=bool({"members", "head"} & names),
                              programs="programs" in names)
