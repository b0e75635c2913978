"""The gateway's strawberry schema and its SDL (exported to ``gateway/schema.graphql``)."""

from __future__ import annotations

import functools
from importlib import resources

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from gateway.entrypoints.graphql.errors import FederationOutcome, RequestOutcome
from gateway.entrypoints.graphql.query import Query

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2_000


def build_schema(on_outcome: RequestOutcome | None = None) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        extensions=[
            lambda: FederationOutcome(on_outcome=on_outcome),
            lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ],
    )


@functools.cache
def _schema_for_sdl() -> strawberry.Schema:
    return build_schema()


def sdl() -> str:
    return _schema_for_sdl().as_str() + "\n"


def exported_sdl() -> str:
    """The SDL file shipped in the package; a test keeps it equal to :func:`sdl`."""
    return resources.files("gateway").joinpath("schema.graphql").read_text("utf-8")
