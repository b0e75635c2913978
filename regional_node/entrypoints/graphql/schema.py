"""The node's strawberry schema and its SDL (exported to ``regional_node/schema.graphql``)."""

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
from strawberry.tools import merge_types

from regional_node.entrypoints.graphql.benefit_query import BenefitCountsQuery
from regional_node.entrypoints.graphql.cluster_query import ClusterQuery
from regional_node.entrypoints.graphql.community_report_mutations import CommunityReportMutation
from regional_node.entrypoints.graphql.community_report_query import CommunityReportQuery
from regional_node.entrypoints.graphql.cross_check import CrossCheckQuery
from regional_node.entrypoints.graphql.decile_query import DecileQuery
from regional_node.entrypoints.graphql.errors import DomainErrors
from regional_node.entrypoints.graphql.mutations import Mutation as ProposalMutation
from regional_node.entrypoints.graphql.offline_mutations import OfflineMutation
from regional_node.entrypoints.graphql.outbox_query import OutboxQuery
from regional_node.entrypoints.graphql.overlap_query import OverlapQuery
from regional_node.entrypoints.graphql.pmt_query import PmtQuery
from regional_node.entrypoints.graphql.proposal_query import ProposalQuery
from regional_node.entrypoints.graphql.quality_api import QualityQuery
from regional_node.entrypoints.graphql.query import Query
from regional_node.entrypoints.graphql.read_audit import ReadAudit
from regional_node.entrypoints.graphql.suspension_query import SuspensionQuery
from regional_node.entrypoints.graphql.targeting_api import TargetingQuery
from regional_node.entrypoints.graphql.user_api import UserMutation, UserQuery
from regional_node.entrypoints.graphql.verification_api import (
    VerificationMutation,
    VerificationQuery,
)
from regional_node.entrypoints.graphql.warning_api import WarningMutation, WarningQuery
from service_kit.graphql_cost import QueryCostLimiter
from service_kit.graphql_errors import CodedParserCache
from service_kit.graphql_policy import FieldPolicy
from service_kit.graphql_validation_cache import ValidatedQueries, ValidationCache

NodeQuery = merge_types("Query", (Query, ProposalQuery, CommunityReportQuery,
                                  VerificationQuery, OutboxQuery, SuspensionQuery,
                                  WarningQuery, QualityQuery, BenefitCountsQuery,
                                  CrossCheckQuery, PmtQuery, TargetingQuery, DecileQuery,
                                  ClusterQuery, OverlapQuery, UserQuery))
Mutation = merge_types("Mutation", (ProposalMutation, CommunityReportMutation,
                                   VerificationMutation, OfflineMutation, WarningMutation,
                                   UserMutation))

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2_000
PARSED_TEXTS = 256
MAX_COST = 25_000
# Assumed sizes of unpaginated lists, for the cost limit (paginated ones use `first`).
LIST_SIZES = {"HouseholdConnection.edges": 1, "Household.members": 8, "Household.programs": 6,
              "Household.assets": 4, "Query.householdCounts": 100,
              "SuspendedMembershipConnection.edges": 1, "Query.suspensionSummary": 100,
              "SuspensionSummary.byReason": 6, "HouseholdWarningConnection.edges": 1,
              "Query.warningSummary": 100, "Query.benefitCounts": 50,
              "Query.crossCheck": 1000, "CrossCheckResult.programs": 6,
              "Query.targetingIndicators": 100, "TargetingIndicators.desilDistribution": 11,
              "TargetingIndicators.programs": 6, "ScoreHistogram.ranges": 64,
              "Query.benefitOverlaps": 50}


@functools.cache
def build_schema(production: bool = False) -> strawberry.Schema:
    """The node's schema. ``production``: no introspection and no field suggestions."""
    passed = ValidatedQueries()
    limits = [*QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
              *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules]
    extensions: list[Any] = [
        DomainErrors,  # first in, last out: converts every error, including the others'
        ReadAudit,
        FieldPolicy,
        lambda: AddValidationRules(limits),  # the same rule classes every request
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: CodedParserCache(maxsize=PARSED_TEXTS),  # parse a query text once (keyed with
        # the token limit; a text over it is refused on every request, never cached)
        lambda: QueryCostLimiter(limit=MAX_COST, sizes=LIST_SIZES),
        lambda: ValidationCache(passed=passed),  # after every rule: each text validated once
    ]
    if production:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(query=NodeQuery, mutation=Mutation, extensions=extensions,
                             config=StrawberryConfig(disable_field_suggestions=production))


def sdl() -> str:
    return build_schema().as_str() + "\n"


def exported_sdl() -> str:
    """The SDL file shipped in the package; a test keeps it equal to :func:`sdl`."""
    return resources.files("regional_node").joinpath("schema.graphql").read_text("utf-8")
