"""The node's strawberry schema and its SDL (exported to ``regional_node/schema.graphql``)."""

from __future__ import annotations

import functools
from importlib import resources

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from regional_node.entrypoints.graphql.community_report_mutations import CommunityReportMutation
from regional_node.entrypoints.graphql.community_report_query import CommunityReportQuery
from regional_node.entrypoints.graphql.errors import DomainErrors
from regional_node.entrypoints.graphql.mutations import Mutation as ProposalMutation
from regional_node.entrypoints.graphql.proposal_query import ProposalQuery
from regional_node.entrypoints.graphql.query import Query
from regional_node.entrypoints.graphql.verification_api import (
    VerificationMutation,
    VerificationQuery,
)

NodeQuery = merge_types("Query", (Query, ProposalQuery, CommunityReportQuery,
                                  VerificationQuery))
Mutation = merge_types("Mutation", (ProposalMutation, CommunityReportMutation,
                                   VerificationMutation))

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2_000


@functools.cache
def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=NodeQuery, mutation=Mutation,
        extensions=[
            DomainErrors,
            lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ],
    )


def sdl() -> str:
    return build_schema().as_str() + "\n"


def exported_sdl() -> str:
    """The SDL file shipped in the package; a test keeps it equal to :func:`sdl`."""
    return resources.files("regional_node").joinpath("schema.graphql").read_text("utf-8")
