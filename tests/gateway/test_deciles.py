"""National deciles over real node apps behind a real gateway (mutual TLS, the gateway's
signed service token): the federated cut points equal a central sort of the same scores
(ties, an empty region, an inactive household left out), every node answered only counts
(never a score nor a household), the cut points go down as a signed DESIL_CUTS decision
and each node assigns desil from them exactly as a central sort would; a tampered, replayed,
stale or misaddressed decision is refused; anyone but the gateway is refused the histogram."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from certs.reloading import ReloadingTrust
from gateway.adapters.orm import DecileRun, DecisionOutbox
from gateway.entrypoints.app import SERVICES
from gateway.errors import DecilesIncomplete
from gateway.inbox.decisions import DecisionDesk
from gateway.inbox.http import GatewaySigner
from gateway.service_layer.deciles import compute_deciles, issue_cut_sets
from regional_node.adapters.orm import AuditEntry, Household, PmtScore, utcnow
from regional_node.service_layer.deciles import score_histogram
from regional_node.service_layer.decisions import receive_decision
from schema.deciles import MAX_BUCKETS, ScoreRange, desil_of, quantise
from schema.enums import HouseholdStatus
from schema.errors import Forbidden
from schema.roles import Principal, Role
from tests import factories
from tests.gateway.cluster import desa_codes
from tests.gateway.identity_helpers import KEMENSOS, error_codes, gql_as, secure_gateway
from tests.node.helpers import store

HISTOGRAM = """query($ranges: [ScoreRangeInput!]!) { scoreHistogram(ranges: $ranges) {
  households ranges { below buckets } } }"""
NATIONAL = """{ nationalDeciles { cutSetId households rounds cutPoints
  regions { kabkotaCode householdsPerDesil } } }"""
SIZES = {"32.73": 57, "32.04": 31, "35.78": 0}  # Surabaya: an empty region


async def scored(cluster: Any, rng: random.Random) -> dict[str, dict[int, float]]:
    """Households per region with scores drawn from few values (many ties), one of them
    INACTIVE (not counted); region → household id → score of the counted ones."""
    counted: dict[str, dict[int, float]] = {}
    for region, size in SIZES.items():
        counted[region] = {}
        if not size:
            continue
        desa = desa_codes(region, 1)[0]
        ids = await store(cluster.nodes[region].database,
                          [factories.household(desa, desil=None) for _ in range(size + 1)],
                          region)
        database = cluster.nodes[region].database
        async with database.writer() as session, session.begin():
            await session.execute(delete(PmtScore).where(PmtScore.household_id.in_(ids)))
            for household_id in ids:
                score = round(rng.choice((12.5, 13.0, 13.25)) + rng.gauss(0, 0.4), 1)
                session.add(PmtScore(household_id=household_id, score=score,
                                     model_version="test", computed_at=utcnow()))
                counted[region][household_id] = score
            await session.execute(update(Household).where(Household.id == ids[0])
                                  .values(status=HouseholdStatus.INACTIVE.value))
        del counted[region][ids[0]]
    return counted


def central_cuts(scores: list[float]) -> tuple[int, ...]:
    ordered = sorted(quantise(s) for s in scores)
    return tuple(ordered[math.ceil(k * len(ordered) / 10) - 1] for k in range(1, 10))


async def desils(database: Any) -> dict[int, tuple[int | None, str | None]]:
    async with database.reader() as session:
        rows = await session.execute(select(Household.id, Household.desil,
                                            Household.desil_cut_set))
    return {household_id: (desil, cut_set) for household_id, desil, cut_set in rows}


async def deliver(cluster: Any, gateway_db: Any, pki_root: Any, region: str
                  ) -> list[dict[str, Any]]:
    """What a node's relay round does: pull its decisions, apply them, acknowledge."""
    desk = DecisionDesk(gateway_db, GatewaySigner(pki_root))
    trust = ReloadingTrust(pki_root)()
    results = [(await receive_decision(cluster.nodes[region].database, trust, region, envelope,
                                       dt.datetime.now(dt.UTC))).to_json()
               for envelope in await desk.pending(region)]
    await desk.acknowledge(region, results)
    return results


async def test_federated_deciles_equal_a_central_sort_and_go_down_signed(
        cluster: Any, dev_pki: Any, tmp_path: Any, aiohttp_client: Any) -> None:
    counted = await scored(cluster, random.Random(14))
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    services = client.app[SERVICES]
    cluster.answers.clear()
    cluster.documents.clear()
    result = await compute_deciles(services, "test:kemensos")
    every = [s for region in counted.values() for s in region.values()]
    assert result.cut_set.cuts == central_cuts(every)
    assert result.cut_set.households == len(every) == 88
    assert result.rounds == 2  # the first grid, then single scores
    # what the nodes sent: counts only, never a score nor a household id
    assert {d for _, d in cluster.documents} == {
        "query GatewayScoreHistogram($ranges: [ScoreRangeInput!]!) { scoreHistogram(ranges: "
        "$ranges) { households ranges { below buckets } } }"}
    assert cluster.answers and all(only_counts(json.loads(body)) for _, body in cluster.answers)
    sent_numbers = {n for _, body in cluster.answers for n in numbers(json.loads(body))}
    assert not sent_numbers & {quantise(s) for s in every}
    counts = {n for _, body in cluster.answers for n in counts_in(json.loads(body))}
    assert all(isinstance(n, int) and 0 <= n <= 88 for n in counts)  # households, not scores
    assert all(isinstance(n, int) and 0 <= n < MAX_BUCKETS for n in sent_numbers - counts)
    # per region distribution, as Kemensos sees it
    assert result.regions["35.78"] == [0] * 10
    for region in ("32.73", "32.04"):
        expected = [0] * 10
        for score in counted[region].values():
            expected[desil_of(quantise(score), result.cut_set.cuts) - 1] += 1
        assert result.regions[region] == expected
    async with services.database.reader() as session:
        run = (await session.execute(select(DecileRun))).scalar_one()
    assert run.cuts == list(result.cut_set.cuts) and len(run.round_log) == result.rounds
    # what Kemensos reads through the gateway; any other role gets FORBIDDEN_FIELD
    shown = await gql_as(client, NATIONAL, KEMENSOS)
    assert shown["data"]["nationalDeciles"] == {
        "cutSetId": result.cut_set.cut_set_id, "households": 88, "rounds": 2,
        "cutPoints": result.cut_scores(),
        "regions": [{"kabkotaCode": r, "householdsPerDesil": result.regions[r]}
                    for r in sorted(SIZES)]}
    refused = await gql_as(client, NATIONAL, Principal("user:dinsos", Role.DINSOS, "32.73"))
    assert error_codes(refused) == ["FORBIDDEN_FIELD"]

    sent = await issue_cut_sets(services.database, GatewaySigner(dev_pki.layout.root),
                                result.cut_set, sorted(SIZES), "test:kemensos")
    assert sorted(sent) == sorted(SIZES)
    for region in SIZES:
        assert [r["status"] for r in await deliver(cluster, services.database,
                                                   dev_pki.layout.root, region)] == ["APPLIED"]
        stored = await desils(cluster.nodes[region].database)
        for household_id, score in counted[region].items():
            assert stored[household_id] == (desil_of(quantise(score), result.cut_set.cuts),
                                            result.cut_set.cut_set_id)
        inactive = [v for h, v in stored.items() if h not in counted[region]]
        assert all(v == (None, None) for v in inactive)
    # replayed: the same message again changes nothing
    async with services.database.writer() as session, session.begin():
        await session.execute(update(DecisionOutbox).values(status="PENDING"))
    assert [r["status"] for r in await deliver(cluster, services.database,
                                               dev_pki.layout.root, "32.73")] == ["DUPLICATE"]
    # again, hinted by this run's cut points: one round, and still counts only
    cluster.answers.clear()
    again = await compute_deciles(services, "test:kemensos")
    assert again.rounds == 1 and again.cut_set.cuts == result.cut_set.cuts
    assert again.regions == result.regions
    assert cluster.answers and all(only_counts(json.loads(body)) for _, body in cluster.answers)
    hinted_numbers = {n for _, body in cluster.answers for n in numbers(json.loads(body))}
    assert not hinted_numbers & {quantise(s) for s in every}
    assert all(isinstance(n, int) and 0 <= n < MAX_BUCKETS for n in hinted_numbers)


def only_counts(body: dict[str, Any]) -> bool:
    answer = body["data"]["scoreHistogram"]
    return (set(answer) == {"households", "ranges"}
            and all(set(r) == {"below", "buckets"} and re.fullmatch(
                r"(\d+:\d+(,\d+:\d+)*)?", r["buckets"]) for r in answer["ranges"]))


def pairs(buckets: str) -> list[tuple[int, int]]:
    """The (index, households) pairs of a range's ``buckets`` string."""
    return [(int(i), int(n)) for i, _, n in (p.partition(":") for p in buckets.split(","))
            ] if buckets else []


def counts_in(body: dict[str, Any]) -> list[int]:
    answer = body["data"]["scoreHistogram"]
    return [answer["households"], *(n for r in answer["ranges"]
                                    for n in (r["below"], *(n for _, n in pairs(r["buckets"]))))]


def numbers(value: Any) -> list[Any]:
    """Every number an answer holds, the buckets strings' too."""
    if isinstance(value, dict):
        return [n for k, v in value.items()
                for n in ([x for p in pairs(v) for x in p] if k == "buckets" else numbers(v))]
    if isinstance(value, list):
        return [n for v in value for n in numbers(v)]
    return [value]


async def test_refused_cut_sets(cluster: Any, dev_pki: Any, tmp_path: Any,
                                aiohttp_client: Any) -> None:
    await scored(cluster, random.Random(3))
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    services, root = client.app[SERVICES], dev_pki.layout.root
    first = (await compute_deciles(services, "test:kemensos")).cut_set
    again = await compute_deciles(services, "test:kemensos")  # hinted by the first run
    assert again.rounds == 1 and again.cut_set.cuts == first.cuts
    cold = await compute_deciles(services, "test:kemensos", hinted=False)
    assert cold.rounds == 2 and cold.cut_set.cuts == first.cuts
    second = (await compute_deciles(services, "test:kemensos")).cut_set
    await issue_cut_sets(services.database, GatewaySigner(root), second, ["32.73"], "t")
    assert [r["status"] for r in await deliver(cluster, services.database, root, "32.73")] \
        == ["APPLIED"]
    # an older set, signed properly, after a newer one: stale
    await issue_cut_sets(services.database, GatewaySigner(root), first, ["32.73"], "t")
    assert [(r["status"], r["code"]) for r in await deliver(
        cluster, services.database, root, "32.73")] == [("REFUSED", "STALE_CUT_SET")]
    # addressed to another region, and tampered cut points
    trust, now = ReloadingTrust(root)(), dt.datetime.now(dt.UTC)
    await issue_cut_sets(services.database, GatewaySigner(root), second, ["32.04"], "t")
    [envelope] = await DecisionDesk(services.database, GatewaySigner(root)).pending("32.04")
    database = cluster.nodes["32.73"].database
    wrong = await receive_decision(database, trust, "32.73", envelope, now)
    assert (wrong.status, wrong.code) == ("REFUSED", "RECEIVER_MISMATCH")
    envelope["message"]["desil_cuts"]["cuts"][0] -= 1_000_000
    tampered = await receive_decision(cluster.nodes["32.04"].database, trust, "32.04",
                                      envelope, now)
    assert tampered.status == "REFUSED" and tampered.code == "PAYLOAD_TAMPERED"
    assert all(v[1] is None for v in (await desils(cluster.nodes["32.04"].database)).values())
    async with database.reader() as session:  # refusals are audited at the node
        refusals = list((await session.execute(select(AuditEntry.action).where(
            AuditEntry.action == "decision.refuse"))).scalars())
    assert len(refusals) == 2  # the stale set and the misaddressed one


async def test_only_the_gateway_may_read_the_histogram(cluster: Any, dev_pki: Any,
                                                       tmp_path: Any, aiohttp_client: Any
                                                       ) -> None:
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    ranges = [ScoreRange(0, 1, 1)]
    for principal in (KEMENSOS, Principal("user:x", Role.DINSOS, "32.73"),
                      Principal("gateway#user:kemensos", Role.KEMENSOS)):
        with pytest.raises(Forbidden):
            await score_histogram(cluster.nodes["32.73"].database, principal, ranges)
    # a Kemensos user through the gateway never reaches it either
    through = await gql_as(client, HISTOGRAM, KEMENSOS,
                           ranges=[{"start": 0, "width": 1, "buckets": 1}])
    assert through.get("errors") and not (through.get("data") or {}).get("scoreHistogram"), \
        through


async def test_a_node_down_fails_the_run(cluster: Any, dev_pki: Any, tmp_path: Any,
                                         aiohttp_client: Any) -> None:
    await scored(cluster, random.Random(5))
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    await cluster.stop("32.04")
    with pytest.raises(DecilesIncomplete, match="32.04"):
        await compute_deciles(client.app[SERVICES], "test:kemensos")
