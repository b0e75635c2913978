"""In-process: the gateway completing benchmark (3a)'s page on the pass-through path (issue
13), without nodes, HTTP or the audit, so that a change to completion can be measured alone.

    /work/venv/bin/python -m bench.gateway_completion            # CPU per page, 7 rounds
    /work/venv/bin/python -m bench.gateway_completion --profile  # and a cProfile of it

The gateway's own types (``Household.from_json`` of a node's answer, ``HouseholdConnection``),
``FieldPolicy`` and ``PassThroughExecutor`` answer (3a)'s selection for 50 households of 4
members each, as a Kemensos user (whose reads are noted: 250 of them); parsing and
validation are cached as in the gateway. It prints the CPU time (``time.process_time``) per
page, the median of ``--rounds`` rounds of 100, and a digest of the answer (equal before and
after a change that must not alter it).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pstats
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from gateway.entrypoints.graphql.pass_through import PassThroughExecutor
from gateway.entrypoints.graphql.query import HouseholdConnection, HouseholdEdge
from gateway.entrypoints.graphql.types import Household, PageInfo
from schema.roles import Principal, Role
from service_kit.graphql_policy import FieldPolicy, ReadLog

PAGE = """{ households { edges { node { id kkNumber desaCode address desil status
           members { nik name relationship } } } pageInfo { hasNextPage endCursor } } }"""
RELATIONSHIPS = ("HEAD", "SPOUSE", "CHILD", "CHILD")
PER_ROUND = 100


def node_household(i: int) -> dict[str, Any]:
    """One household as a node's answer carries it."""
    return {"id": str(1000 + i), "kkNumber": f"32730101{i:08d}", "desaCode": "32.73.01.1001",
            "address": f"Jl. Merdeka {i}", "desil": 1 + i % 10, "status": "ACTIVE",
            "members": [{"id": str(5000 + 4 * i + j), "nik": f"32730101{4 * i + j:08d}",
                         "name": f"Warga {i}-{j}", "relationship": relationship}
                        for j, relationship in enumerate(RELATIONSHIPS)]}


ANSWER = [node_household(i) for i in range(50)]


@strawberry.type
class Query:
    @strawberry.field
    def households(self) -> HouseholdConnection | None:
        edges = [HouseholdEdge(node=Household.from_json("32.73", raw), page=None,  # type: ignore[arg-type]
                               index=i) for i, raw in enumerate(ANSWER)]
        return HouseholdConnection(edges=edges, count=None, page_info=PageInfo(
            has_next_page=True, end_cursor="next", start_cursor="first"))


@dataclass
class Context:
    principal: Principal = field(default_factory=lambda: Principal("bench:kemensos",
                                                                   Role.KEMENSOS))
    strict: bool = False
    reads: ReadLog = field(default_factory=ReadLog)


SCHEMA = strawberry.Schema(query=Query, extensions=[FieldPolicy, ParserCache, ValidationCache],
                           execution_context_class=PassThroughExecutor)


def page() -> dict[str, Any]:
    context = Context()
    result = SCHEMA.execute_sync(PAGE, context_value=context)
    if result.errors or result.data is None or len(context.reads.entities) != 250:
        raise SystemExit(f"unexpected answer: {result.errors}, "
                         f"{len(context.reads.entities)} reads noted")
    return result.data


def cpu_per_page(rounds: int) -> list[float]:
    for _ in range(PER_ROUND // 2):  # warm up: plans, caches
        page()
    measured = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(PER_ROUND):
            page()
        measured.append((time.process_time() - started) / PER_ROUND)
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", action="store_true",
                        help="also profile one round (cProfile, by cumulative time)")
    args = parser.parse_args(argv)
    digest = hashlib.sha256(json.dumps(page(), sort_keys=True).encode()).hexdigest()
    rounds = cpu_per_page(args.rounds)
    print(f"page of 50 completed: CPU median {statistics.median(rounds) * 1000:.2f} ms "
          f"(rounds: {', '.join(f'{r * 1000:.2f}' for r in rounds)}); answer {digest[:16]}")
    if args.profile:
        with cProfile.Profile() as profile:
            for _ in range(PER_ROUND):
                page()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
