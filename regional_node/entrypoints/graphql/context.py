"""The per-request context: the database, the node's region, the principal (from the bearer
token), and fresh DataLoaders.

Each resolver and each loader opens its own short-lived session, because sibling resolvers
run concurrently and an AsyncSession must never be shared between tasks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from regional_node.adapters import household_queries as q
from regional_node.adapters import proposal_queries as pq
from regional_node.adapters.database import Database
from regional_node.adapters.orm import Household, Member, PmtScore, ProgramMembership
from schema.i18n import DEFAULT_LANGUAGE
from schema.roles import ANONYMOUS, Principal
from service_kit.graphql_policy import ReadLog

K = TypeVar("K")
V = TypeVar("V")


@dataclass
class Loaders:
    household: DataLoader[int, Household | None]
    members: DataLoader[int, list[Member]]
    programs: DataLoader[int, list[ProgramMembership]]
    decrees: DataLoader[int, dict[str, Any] | None]  # by household
    corrections: DataLoader[str, list[str]]  # by proposal: the proposals correcting it
    pmt_scores: DataLoader[int, PmtScore | None]


@dataclass
class NodeContext:
    request: web.Request
    response: web.StreamResponse | None
    database: Database
    region: str
    loaders: Loaders
    principal: Principal = ANONYMOUS
    strict: bool = False  # X-SIKS-Strict: 1 — refuse the operation if it selects a DENIED field
    reads: ReadLog = field(default_factory=ReadLog)  # what the operation read, for the audit
    # messages' language unless a field's `language` argument says: the request's
    # Accept-Language, else the node's SIKS_NODE_LANGUAGE (docs/import.md, "Messages")
    language: str = DEFAULT_LANGUAGE


def _batch(database: Database,
           fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[Mapping[K, V]]],
           default: Callable[[], V]) -> DataLoader[K, V]:
    async def load(keys: list[K]) -> list[V]:
        async with database.reader() as session:
            found = await fetch(session, keys)
        return [found.get(key, default()) for key in keys]

    return DataLoader(load_fn=load)


def make_loaders(database: Database) -> Loaders:
    return Loaders(
        household=_batch(database, q.households_by_ids, lambda: None),
        members=_batch(database, q.members_by_household, list),
        programs=_batch(database, q.programs_by_household, list),
        decrees=_batch(database, pq.decrees_by_household, lambda: None),
        corrections=_batch(database, pq.corrections_by_proposal, list),
        pmt_scores=_batch(database, q.pmt_scores_by_household, lambda: None),
    )
