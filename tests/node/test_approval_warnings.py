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

from regional_node.adapters.orm import HouseholdWarning, Member
from schema.identity_numbers import make_nik
from tests import factories
from tests.node.cycle_helpers import DESA, registered, walk
from tests.node.proposal_helpers import Node, member_input, running_node
from tests.registry.sandbox import resident


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path):
        yield running


async def _warnings_of(node: Node, nik: str) -> list[tuple[str, str]]:
    async with node.database.reader() as session:
        rows = await session.execute(
            select(HouseholdWarning.kind, HouseholdWarning.source)
            .join(Member, Member.id == HouseholdWarning.member_id).where(Member.nik == nik))
        return sorted((kind, source) for kind, source in rows)


async def _child_born(node: Node, days_after_head: int | None) -> tuple[int, Any]:
    """A household, and a new child born ``days_after_head`` after its head (negative: before;
    None: a month ago, younger than anyone) whom the registry knows."""
    household_id, record = await registered(node)
    born = (dt.date.today() - dt.timedelta(days=30) if days_after_head is None
            else record.members[0].birth_date + dt.timedelta(days=days_after_head))
    child = factories.household(DESA, members=3).members[2]
    child = dataclasses.replace(child, birth_date=born,
                                nik=make_nik(DESA.rsplit(".", 1)[0], born, child.sex, 77))
    await node.sandbox.add(resident(child, record.kk_number))
    return household_id, child


async def test_a_new_member_older_than_the_head_is_kept_as_a_warning(node: Node) -> None:
    household_id, child = await _child_born(node, -400)
    await walk(node, {"newMember": {"householdId": str(household_id),
                                    "member": member_input(child)}})
    kinds = await _warnings_of(node, child.nik)
    assert ("CHILD_OLDER_THAN_HEAD", "PROPOSAL") in kinds
    assert {source for _, source in kinds} == {"PROPOSAL"}


async def test_a_plausible_new_member_keeps_no_warning(node: Node) -> None:
    household_id, child = await _child_born(node, None)
    await walk(node, {"newMember": {"householdId": str(household_id),
                                    "member": member_input(child)}})
    assert await _warnings_of(node, child.nik) == []
