"""An approved proposal that leaves implausible data keeps its warnings with the household, as
an import does (issue 15): a new member born before the head. Real node app over HTTP, the
sandbox Dukcapil; SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from regional_node.adapters.orm import HouseholdWarning
from schema.identity_numbers import make_nik
from tests import factories
from tests.node.cycle_helpers import DESA, registered, walk
from tests.node.proposal_helpers import Node, member_input, running_node
from tests.registry.sandbox import resident


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any,
               monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path, monkeypatch):
        yield running


async def _warnings(node: Node, household_id: int) -> list[tuple[str, str]]:
    async with node.database.reader() as session:
        rows = await session.execute(select(HouseholdWarning.kind, HouseholdWarning.source)
                                     .where(HouseholdWarning.household_id == household_id))
        return sorted((kind, source) for kind, source in rows)


async def test_a_new_member_older_than_the_head_is_kept_as_a_warning(node: Node) -> None:
    household_id, record = await registered(node)
    head = record.members[0]
    born = head.birth_date - dt.timedelta(days=400)
    child = factories.household(DESA, members=3).members[2]
    child = dataclasses.replace(child, birth_date=born,
                                nik=make_nik(DESA.rsplit(".", 1)[0], born, child.sex, 77))
    await node.sandbox.add(resident(child, record.kk_number))
    await walk(node, {"newMember": {"householdId": str(household_id),
                                    "member": member_input(child)}})
    assert await _warnings(node, household_id) == [("CHILD_OLDER_THAN_HEAD", "PROPOSAL"),
                                                   ("CHILD_OLDER_THAN_MOTHER", "PROPOSAL")]


async def test_a_plausible_new_member_keeps_no_warning(node: Node) -> None:
    household_id, record = await registered(node)
    baby = factories.household(DESA, members=3).members[2]
    await node.sandbox.add(resident(baby, record.kk_number))
    await walk(node, {"newMember": {"householdId": str(household_id),
                                    "member": member_input(baby)}})
    assert await _warnings(node, household_id) == []
