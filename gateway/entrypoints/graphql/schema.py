"""The gateway's strawberry schema and its SDL (exported to ``gateway/schema.graphql``).

Objects built from node answers are completed on the pass-through path (``pass_through.py``):
the same answer, policy and audit without graphql-core's per-field work.

Enforced on every operation, as at the node (docs/security.md): the role × field policy of
``schema.policy`` on every field (``FieldPolicy``: DENIED → null + FORBIDDEN_FIELD, MASKED →
masked, strict mode), the reads national and partner users make written to the gateway's
audit chain, depth / alias / token limits, a cost limit from the pagination arguments, and in
production no introspection and no field suggestions. Errors are masked (``INTERNAL`` + the
request id) by ``FederationOutcome``.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig

from gateway.entrypoints.graphql.dipa import RUPIAH, Rupiah
from gateway.entrypoints.graphql.errors import FederationOutcome, RequestOutcome
from gateway.entrypoints.graphql.national import Mutation
from gateway.entrypoints.graphql.pass_through import PassThroughExecutor
from gateway.entrypoints.graphql.query import Query
from gateway.entrypoints.graphql.read_audit import ReadAudit
from gateway.federation.node_queries import HOUSEHOLD_KEYS, MEMBER_KEYS, PROGRAM_KEYS
from service_kit.graphql_cost import QueryCostLimiter
from service_kit.graphql_errors import CodedParserCache
from service_kit.graphql_policy import FieldPolicy
from service_kit.graphql_validation_cache import ValidatedQueries, ValidationCache

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2_000
MAX_COST = 25_000
PARSED_TEXTS = 256
# Assumed sizes of unpaginated lists, for the cost limit (paginated ones use `first`).
LIST_SIZES = {"HouseholdConnection.edges": 1, "Household.members": 8, "Household.programs": 6,
              "Household.assets": 4, "Query.householdCounts": 100, "Query.nodes": 514,
              "Query.nationalRecordSummary": 514, "Query.suspensionSummary": 514,
              "SuspensionSummary.byReason": 3, "Query.benefitCatalogue": 50,
              "Dipa.rows": 1000, "Dipa.totals": 6, "Dipa.missingRegions": 514,
              "Dipa.catalogue": 50, "Query.provinces": 38, "Query.kabkotas": 40,
              "Query.kecamatans": 50, "Query.desas": 60,
              "Query.crossCheck": 1000, "CrossCheckResult.programs": 6,
              "Query.targetingIndicators": 100, "TargetingIndicators.desilDistribution": 11,
              "TargetingIndicators.programs": 6,
              "NationalDeciles.regions": 514,
              "CrossCheckResult.conflicts": 4, "Query.benefitOverlaps": 200,
              "Household.head": 8}  # the head is found among all the members nodes send
# What the gateway asks of nodes besides the client's selection, per object
# (gateway/federation/node_queries.py): counted so that a query within the gateway's cost
# limit stays within the node's (the same limit) when it reaches the nodes, and a query that
# would not is refused here as QUERY_TOO_COMPLEX rather than by every node.
IMPLIED_FIELDS = {
    "HouseholdConnection": 4,  # pageInfo { hasNextPage endCursor } totalCount
    "HouseholdEdge": 1,  # cursor
    "Household": len(HOUSEHOLD_KEYS) + 1,  # + the merge's sort key
    "Member": len(MEMBER_KEYS),
    "ProgramMembership": len(PROGRAM_KEYS),
    "Suspension": 1,  # reason and text are asked together
}


def build_schema(on_outcome: RequestOutcome | None = None, *, production: bool = False,
                 pass_through: bool = True) -> strawberry.Schema:
    """``pass_through``: complete node answers on the pass-through path (the same answer,
    without graphql-core's per-field work; ``pass_through.py``)."""
    passed = ValidatedQueries()
    limits = [*QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
              *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules]
    extensions: list[Any] = [
        lambda: FederationOutcome(on_outcome=on_outcome),  # first in, last out: masks errors
        ReadAudit,
        FieldPolicy,
        lambda: AddValidationRules(limits),  # the same rule classes every request
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: CodedParserCache(maxsize=PARSED_TEXTS),  # parse a query text once (keyed with
        # the token limit; a text over it is refused on every request, never cached)
        lambda: QueryCostLimiter(limit=MAX_COST, sizes=LIST_SIZES, implied=IMPLIED_FIELDS),
        lambda: ValidationCache(passed=passed),  # after every rule: each text validated once
    ]
    if production:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions,
                             config=StrawberryConfig(disable_field_suggestions=production,
                                                     scalar_map={Rupiah: RUPIAH}),
                             execution_context_class=PassThroughExecutor if pass_through
                             else None)


@functools.cache
def _schema_for_sdl() -> strawberry.Schema:
    return build_schema()


def sdl() -> str:
    return _schema_for_sdl().as_str() + "\n"


def exported_sdl() -> str:
    """The SDL file shipped in the package; a test keeps it equal to :func:`sdl`."""
    return resources.files("gateway").joinpath("schema.graphql").read_text("utf-8")
