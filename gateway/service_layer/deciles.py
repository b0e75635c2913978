"""National deciles without centralising records (docs/deciles.md).

The gateway asks every registered node for counts of its scores in ranges it chooses
(``scoreHistogram``, as its own service identity), sums them, narrows each of the nine cut
points (:mod:`gateway.service_layer.decile_search`) and repeats until every cut point is one
quantised score. Each node's desil distribution (for Kemensos) follows from its own
answers: its count below ``c_k + 1``, an edge the search asked about. The run is stored
(``decile_run``, every round logged) and audited; :func:`issue_cut_sets` signs the cut
points down to every node as a ``DESIL_CUTS`` decision. Exact needs every node: a node
that does not answer fails the run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from certs.envelope import envelope_digest, make_header, sign_envelope
from certs.signing import SigningCredentials
from gateway.adapters.database import Database
from gateway.adapters.orm import DecileRun, DecisionOutbox, utcnow
from gateway.errors import DecilesIncomplete
from gateway.federation.deadline import Deadline
from gateway.federation.fanout import RequestScope
from gateway.inbox.audit import AuditNote, append
from gateway.service_layer.decile_search import (
    MAX_ROUNDS,
    ChangedDuringSearch,
    Search,
    count_below,
    summed,
)
from gateway.service_layer.node_health import system_meta
from gateway.service_layer.services import GatewayServices
from schema.deciles import (
    DESIL_ACTION,
    HIGHEST,
    CutSet,
    DecileShapeError,
    RangeCounts,
    ScoreRange,
    cut_message,
    read_bucket_text,
    score_of,
)

HISTOGRAM = ("query GatewayScoreHistogram($ranges: [ScoreRangeInput!]!) { "
             "scoreHistogram(ranges: $ranges) { households ranges { below buckets } } }")
ROUND_BUDGET_MS = 60_000
ATTEMPTS = 3

logger = logging.getLogger("siks.gateway.deciles")


@dataclass(frozen=True, slots=True)
class DecileResult:
    cut_set: CutSet
    rounds: int
    round_log: list[dict[str, Any]]
    regions: dict[str, list[int]]  # region → households per desil (1..10)

    def cut_scores(self) -> list[float]:
        return [score_of(c) for c in self.cut_set.cuts]


async def compute_deciles(services: GatewayServices, actor: str,
                          regions: Sequence[str] | None = None,
                          budget_ms: int = ROUND_BUDGET_MS, *, hinted: bool = True
                          ) -> DecileResult:
    """Exact national cut points from every registered node's counts; stored and audited.
    ``hinted``: the first round also asks about single scores around the latest run's cut
    points (one round instead of two when none moved far; exact either way)."""
    targets = sorted(regions or services.registry.regions())
    if not targets:
        raise DecilesIncomplete("tidak ada node terdaftar / no node is registered")
    previous = await latest_run(services.database) if hinted else None
    hints = tuple(previous.cuts) if previous is not None else ()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            result = await _attempt(services, targets, budget_ms, hints)
            break
        except ChangedDuringSearch:
            if attempt == ATTEMPTS:
                raise DecilesIncomplete("skor berubah selama perhitungan; ulangi / scores "
                                        "changed during the computation; run it again") from None
    await _store(services.database, result, actor)
    return result


async def _attempt(services: GatewayServices, targets: list[str], budget_ms: int,
                   hints: tuple[int, ...]) -> DecileResult:
    search = Search(hints=hints)
    log: list[dict[str, Any]] = []
    per_node: dict[str, int] = {}
    asked: dict[str, list[tuple[Sequence[ScoreRange], list[RangeCounts]]]] = {}
    while not search.finished:
        if search.rounds >= MAX_ROUNDS:
            raise DecilesIncomplete(f"cut points not exact after {MAX_ROUNDS} rounds")
        ranges = search.next_ranges()
        answers, elapsed = await _ask(services, targets, ranges, budget_ms)
        totals = {region: households for region, (households, _) in answers.items()}
        if per_node and totals != per_node:
            raise ChangedDuringSearch(sum(per_node.values()), sum(totals.values()))
        per_node = totals
        for region, (_, counts) in answers.items():
            asked.setdefault(region, []).append((ranges, counts))
        search.take(ranges, summed((a for _, a in answers.values()), len(ranges)),
                    sum(totals.values()))
        entry = {"round": search.rounds, "ranges": len(ranges),
                 "buckets": sum(r.buckets for r in ranges), "nodes": len(answers),
                 "ms": elapsed, "open": sum(not t.done for t in search.targets)}
        log.append(entry)
        logger.info("deciles round %(round)s: %(ranges)s ranges, %(buckets)s buckets, "
                    "%(nodes)s nodes, %(ms)s ms, %(open)s cut points open", entry)
    cuts = search.cuts() if search.households else ()
    if not cuts:
        raise DecilesIncomplete("tidak ada rumah tangga berskor / no household has a score")
    distribution = {region: _desil_counts(cuts, per_node[region], asked[region])
                    for region in sorted(per_node)}
    cut_set = CutSet(uuid.uuid4().hex, cuts, search.households,
                     dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"))
    return DecileResult(cut_set, search.rounds, log, distribution)


def _desil_counts(cuts: Sequence[int], households: int,
                  asked: Sequence[tuple[Sequence[ScoreRange], Sequence[RangeCounts]]]
                  ) -> list[int]:
    """A node's households per desil, from its answers: its count below c_k + 1 (an edge
    every search asked about) for each k."""
    at_or_below = []
    for cut in cuts:
        edge = cut + 1
        count = households if edge >= HIGHEST else count_below(edge, asked)
        if count is None:
            raise DecilesIncomplete(f"no count at the edge after cut point {cut}")
        at_or_below.append(count)
    at_or_below.append(households)
    return [b - a for a, b in zip([0, *at_or_below], at_or_below, strict=False)]


async def _ask(services: GatewayServices, targets: list[str], ranges: Sequence[ScoreRange],
               budget_ms: int) -> tuple[dict[str, tuple[int, list[RangeCounts]]], float]:
    scope = RequestScope(Deadline.after_ms(budget_ms), system_meta("deciles"))
    variables = {"ranges": [{"start": r.start, "width": r.width, "buckets": r.buckets}
                            for r in ranges]}
    started = time.perf_counter()
    raw = await services.federation.scatter(targets, HISTOGRAM, variables, scope)
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    if scope.report.failures or len(raw) != len(targets):
        missing = ", ".join(f"{f.region} ({f.error.code})" for f in scope.report.failures)
        raise DecilesIncomplete(f"node tidak menjawab / nodes did not answer: {missing}")
    return {region: _read(region, data["scoreHistogram"], ranges)
            for region, data in raw.items()}, elapsed


def _read(region: str, answer: Mapping[str, Any], ranges: Sequence[ScoreRange]
          ) -> tuple[int, list[RangeCounts]]:
    try:
        if len(answer["ranges"]) != len(ranges):
            raise DecileShapeError("one answer per asked range")
        return int(answer["households"]), [
            RangeCounts(int(a["below"]), read_bucket_text(a["buckets"], r.buckets))
            for r, a in zip(ranges, answer["ranges"], strict=True)]
    except (DecileShapeError, KeyError, TypeError, ValueError) as exc:
        raise DecilesIncomplete(f"jawaban node {region} tidak sah / node {region} answered "
                                f"out of shape: {exc}") from None


async def _store(database: Database, result: DecileResult, actor: str) -> None:
    cut_set = result.cut_set
    async with database.writer() as session, session.begin():
        session.add(DecileRun(
            cut_set_id=cut_set.cut_set_id, computed_at=dt.datetime.fromisoformat(
                cut_set.computed_at), actor=actor, households=cut_set.households,
            cuts=list(cut_set.cuts), rounds=result.rounds, round_log=result.round_log,
            regions=result.regions))
        await append(session, [AuditNote(actor, "desil.compute", "decile_run",
                                         cut_set.cut_set_id, {
            "households": cut_set.households, "cuts": list(cut_set.cuts),
            "rounds": result.rounds, "nodes": len(result.regions)})])


async def latest_run(database: Database) -> DecileRun | None:
    async with database.reader() as session:
        return (await session.execute(select(DecileRun).order_by(
            DecileRun.computed_at.desc()).limit(1))).scalar_one_or_none()


async def issue_cut_sets(database: Database, signer: Callable[[], SigningCredentials],
                         cut_set: CutSet, regions: Sequence[str], actor: str,
                         now: dt.datetime | None = None) -> dict[str, str]:
    """Sign ``cut_set`` down to every region as a ``DESIL_CUTS`` decision; region → message
    id. The nodes pull it with their other decisions (docs/sync.md)."""
    now, credentials, sent = now or utcnow(), signer(), {}
    async with database.writer() as session, session.begin():
        for region in regions:
            header = make_header(action=DESIL_ACTION, sender_id=credentials.holder.id,
                                 receiver_id=region, total_count=0, message_ts=now)
            envelope = sign_envelope(header, cut_message(cut_set), credentials.private_key,
                                     credentials.kid, certificate=credentials.certificate)
            session.add(DecisionOutbox(
                message_id=header["message_id"], region=region, kind=DESIL_ACTION,
                digest=envelope_digest(envelope), envelope=json.dumps(envelope),
                record_count=0, status="PENDING", created_at=now))
            sent[region] = header["message_id"]
        await append(session, [AuditNote(actor, "desil.issue", "decile_run",
                                         cut_set.cut_set_id, {
            "regions": len(sent), "kid": credentials.kid, "cuts": list(cut_set.cuts)})])
    return sent
