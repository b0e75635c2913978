"""What the node's id-keyed lists share (suspended memberships, household warnings) and the
region-scoped summaries with them: the households a principal sees, narrowed to a region of
the node, and pages keyed by the row's id (opaque cursors, ``first`` checked)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from regional_node.adapters.household_queries import HouseholdFilter
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.query import MAX_PAGE, _region_filter
from regional_node.entrypoints.graphql.types import PageInfo
from regional_node.errors import InvalidCursor
from schema.errors import InvalidInput
from schema.scope import window


def scoped_households(context: NodeContext, region: str | None) -> HouseholdFilter:
    """The principal's rows at this node, inside ``region`` (a desa or kecamatan) if given."""
    rows = window(context.principal, context.region)
    return HouseholdFilter(
        region=(_region_filter(region, context.region, context.principal)
                if region is not None else None),
        scope_region=rows.region, scope_household_ids=rows.household_ids,
        scope_empty=rows.nothing)


def check_first(first: int) -> None:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be 1 to {MAX_PAGE}", reason="out_of_range",
                           field="first")


def id_cursor(row_id: int) -> str:
    raw = json.dumps({"s": row_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after_id(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        found = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4))
                                                    .encode()))["s"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        found = None
    if not isinstance(found, int):
        raise InvalidCursor("the cursor is not one this API issued", reason="malformed")
    return found


def page_info(edges: Sequence[Any], has_next: bool) -> PageInfo:
    """For edges that carry ``cursor``."""
    return PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None,
                    start_cursor=edges[0].cursor if edges else None)
