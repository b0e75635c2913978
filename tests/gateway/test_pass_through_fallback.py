"""What the pass-through path takes, and what it leaves to graphql-core's full path: a type
with a resolver that wants more than ``self`` and scalar arguments (here ``info``), every type
reaching it, and any operation run without exactly the policy middleware."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry

from gateway.entrypoints.graphql.pass_through import PassThroughExecutor, pass_through_types
from gateway.entrypoints.graphql.schema import build_schema
from schema.roles import Principal, Role
from service_kit.graphql_policy import FieldPolicy, ReadLog

NIK = "3273014101900001"
SEEN: list[list[str | int]] = []  # paths at which the info-taking resolver ran


@strawberry.type(name="Member")
class Member:
    id: strawberry.ID | None
    nik: str | None
    name: str | None


@strawberry.type(name="Household")
class Household:
    id: strawberry.ID | None
    members: list[Member] | None

    @strawberry.field
    def kk_number(self, info: strawberry.Info) -> str | None:
        SEEN.append(info.path.as_list())
        return "3273010101150001"


@strawberry.type
class Query:
    @strawberry.field
    def household(self) -> Household | None:
        return Household(id=strawberry.ID("32.73:1"),
                         members=[Member(id=strawberry.ID("32.73:2"), nik=NIK, name="Siti")])

    @strawberry.field
    def person(self, nik: str) -> Member | None:
        return Member(id=strawberry.ID("32.73:2"), nik=nik, name="Siti")


@dataclass
class Context:
    principal: Principal
    strict: bool = False
    reads: ReadLog = field(default_factory=ReadLog)


QUERY = f"""{{ household {{ __typename kkNumber members {{ nik name }} }}
              person(nik: "{NIK}") {{ nik n: name }} }}"""
PENDAMPING = Principal("user:pendamping", Role.PENDAMPING, "32.73.01")


async def _run(schema: strawberry.Schema, principal: Principal) -> tuple[Any, Context]:
    context = Context(principal)
    result = await schema.execute(QUERY, context_value=context)
    assert result.errors is None, result.errors
    return result.data, context


def test_every_gateway_object_type_is_pass_through() -> None:
    schema = build_schema()._schema
    assert set(pass_through_types(schema)) == {
        "HouseholdConnection", "HouseholdEdge", "PageInfo", "Household", "Housing", "Member",
        "ProgramMembership", "HouseholdCount", "RegionalNode",
        # the national records are plain values too; not Mutation: it signs decisions
        "NationalRecordConnection", "NationalRecordEdge", "NationalRecordPageInfo",
        "NationalRecord", "Decree", "Musdes", "RegionRecordSummary", "IssuedDecision",
        # suspended aid: the reason on a membership, and the counts
        "Suspension", "SuspensionSummary", "SuspensionReasonCount",
        "Dipa", "DipaRow", "DipaTotal", "DipaMissingRegion", "BenefitRate",
        # data quality, summed over the nodes
        "RegionDataQuality", "MatchStatusCount", "WarningKindCount",
        # cekbansos' region lists, and the receipt of a report relayed to its node
        "Region", "CommunityReportReceipt",
        # a partner's cross-check
        "CrossCheckResult", "CrossCheckProgram", "CrossCheckConflict",
        # targeting indicators, added up over the nodes (regionName: a resolver without info)
        "TargetingIndicators", "ProgramTargetingRow", "DesilCount",
        # the national deciles, read from the gateway's own store
        "NationalDeciles", "RegionDeciles",
        # the poverty pockets of a period
        "PovertyPockets", "PovertyPocket",
        # the directory's cross-region duplicates
        "CrossRegionDuplicateConnection", "CrossRegionDuplicateEdge",
        "CrossRegionDuplicatePageInfo", "CrossRegionDuplicate", "DuplicateRegion",
        # the double-benefit overlaps, summed over the nodes
        "BenefitOverlap"}


async def test_a_resolver_wanting_info_falls_back_to_the_full_path() -> None:
    fast = strawberry.Schema(query=Query, extensions=[FieldPolicy],
                             execution_context_class=PassThroughExecutor)
    full = strawberry.Schema(query=Query, extensions=[FieldPolicy])
    assert set(pass_through_types(fast._schema)) == {"Member"}  # Household wants info
    SEEN.clear()
    data, context = await _run(fast, PENDAMPING)
    assert SEEN == [["household", "kkNumber"]]  # resolved by graphql-core, with its info
    assert data == (await _run(full, PENDAMPING))[0]
    masked = NIK[:4] + "********" + NIK[-4:]
    assert data == {"household": {"__typename": "Household", "kkNumber": "3273********0001",
                                  "members": [{"nik": masked, "name": "Siti"}]},
                    "person": {"nik": masked, "n": "Siti"}}
    assert context.reads.nik_lookups == [NIK]


async def test_without_the_policy_middleware_nothing_is_passed_through() -> None:
    bare = strawberry.Schema(query=Query, execution_context_class=PassThroughExecutor)
    data, _ = await _run(bare, PENDAMPING)
    assert data["person"] == {"nik": NIK, "n": "Siti"}  # as graphql-core alone answers
