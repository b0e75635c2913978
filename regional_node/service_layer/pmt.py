"""PMT scores at the node: the active model, scores stored with new households, recomputed
when a household changes and, for every household, when a model is loaded (docs/pmt.md).

Audit: loading a model is an entry (``pmt.model_load``, its ``after`` digest covers the
document); a recompute run is an entry (``pmt.recompute``) whose ``after`` digest covers the
run's row: its counts and the digest of every (household, score, version) it wrote. A score
written with an import or an approval is derived data and no entry of its own: the household's
entry covers its inputs and the model's entry its coefficients.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.bulk_insert import insert_tuples
from regional_node.adapters.orm import Household, Member, PmtModelRow, PmtRun, PmtScore, utcnow
from regional_node.domain.household_rows import HouseholdRows
from regional_node.domain.pmt import PmtModel, RowScorer
from regional_node.domain.pmt_model import model_document, model_from_document, parse_model
from regional_node.errors import Conflict
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.deciles import quantise

SCORE_INSERT = ("household_id", "score", "score_q", "model_version", "computed_at")
RECOMPUTE_BATCH = 2000


@functools.cache
def default_model() -> PmtModel:
    """The model shipped with the package (illustrative coefficients), active until one is
    loaded."""
    text = resources.files("regional_node").joinpath("data/pmt_default.json").read_text("utf-8")
    return parse_model(text)


async def active_model(session: AsyncSession) -> PmtModel:
    """The newest model loaded into this node's database, else the default."""
    document = (await session.execute(
        select(PmtModelRow.document).order_by(PmtModelRow.id.desc()).limit(1)
    )).scalar_one_or_none()
    return default_model() if document is None else model_from_document(document)


def score_rows(model: PmtModel, prepared: Sequence[HouseholdRows], household_ids: Sequence[int],
               now: dt.datetime) -> list[tuple[Any, ...]]:
    """``pmt_score`` rows (in the order of ``SCORE_INSERT``) of households about to be
    stored."""
    score, version = RowScorer(model, now.date()).score, model.version
    return [score_row(household_id, score(values, members), version, now)
            for (values, members, _, _), household_id in zip(prepared, household_ids,
                                                             strict=True)]


def score_row(household_id: int, score: float, version: str, now: dt.datetime
              ) -> tuple[Any, ...]:
    """One ``pmt_score`` row in the order of ``SCORE_INSERT``: the score and, beside it, the
    score as the national deciles count it (``quantise``; docs/deciles.md)."""
    return (household_id, score, quantise(score), version, now)


async def store_new_scores(session: AsyncSession, prepared: Sequence[HouseholdRows],
                           household_ids: Sequence[int], now: dt.datetime) -> None:
    """Score households the bulk path is storing (their rows are in ``prepared``)."""
    model = await active_model(session)
    await insert_tuples(session, PmtScore, SCORE_INSERT,
                        score_rows(model, prepared, household_ids, now))


async def rescore(session: AsyncSession, household_ids: Sequence[int],
                  model: PmtModel | None = None, now: dt.datetime | None = None
                  ) -> list[tuple[int, float]]:
    """Compute and store the scores of stored households (after a change); return them."""
    model = model or await active_model(session)
    now = now or utcnow()
    score = RowScorer(model, now.date()).score
    scored = [(household_id, score(values, members))
              for household_id, values, members in await _stored_rows(session, household_ids)]
    await session.execute(delete(PmtScore).where(PmtScore.household_id.in_(household_ids)))
    await insert_tuples(session, PmtScore, SCORE_INSERT,
                        [score_row(h, value, model.version, now) for h, value in scored])
    return scored


# what the score reads, at the positions of HOUSEHOLD_COLUMNS and MEMBER_COLUMNS (the rows the
# bulk path scores), so that a stored household scores exactly as it did when it was stored
_HOUSEHOLD_FACTS = (Household.desa_code, Household.floor_material, Household.wall_material,
                    Household.roof_material, Household.floor_area_m2, Household.tenure,
                    Household.drinking_water, Household.lighting, Household.cooking_fuel,
                    Household.toilet, Household.assets)
_MEMBER_FACTS = (Member.birth_date, Member.sex, Member.relationship, Member.education,
                 Member.occupation, Member.disability)


async def _stored_rows(session: AsyncSession, household_ids: Sequence[int]
                       ) -> list[tuple[int, tuple[Any, ...], list[tuple[Any, ...]]]]:
    members: dict[int, list[tuple[Any, ...]]] = {}
    for household_id, *facts, alive in await session.execute(
            select(Member.household_id, *_MEMBER_FACTS, Member.alive).where(
                Member.household_id.in_(household_ids)).order_by(Member.id)):
        members.setdefault(household_id, []).append((None, None, *facts, None, alive))
    rows = await session.execute(select(Household.id, *_HOUSEHOLD_FACTS).where(
        Household.id.in_(household_ids)).order_by(Household.id))
    return [(household_id, (None, *facts[:1], None, None, None, *facts[1:10], facts[10] or []),
             members.get(household_id, []))
            for household_id, *facts in rows]


@dataclass(frozen=True, slots=True)
class RunReport:
    model_version: str
    households: int
    changed: int  # households whose score or model version differs from before
    scores_digest: str


async def recompute_all(uow: UnitOfWork, batch_size: int = RECOMPUTE_BATCH) -> RunReport:
    """Score every household with the active model, in batches, in ``uow``'s transaction,
    and record the run (a row and an audit entry)."""
    session, started = uow.session, utcnow()
    model = await active_model(session)
    digest, households, changed, after = hashlib.sha256(), 0, 0, 0
    while ids := list((await session.execute(
            select(Household.id).where(Household.id > after).order_by(Household.id)
            .limit(batch_size))).scalars()):
        previous = await _previous(session, ids)
        for household_id, score in await rescore(session, ids, model, started):
            digest.update(f"{household_id}\t{score!r}\t{model.version}\n".encode())
            changed += previous.get(household_id) != (score, model.version)
        households += len(ids)
        after = ids[-1]
    report = RunReport(model.version, households, changed, digest.hexdigest())
    run = PmtRun(model_version=model.version, households=households, changed=changed,
                 scores_digest=report.scores_digest, started_at=started, finished_at=utcnow(),
                 actor=uow.actor.id)
    session.add(run)
    await session.flush()
    uow.audit.record("pmt.recompute", "pmt_run", run.id, after=_run_snapshot(report))
    return report


async def _previous(session: AsyncSession, ids: Iterable[int]
                    ) -> dict[int, tuple[float, str]]:
    rows = await session.execute(select(PmtScore.household_id, PmtScore.score,
                                        PmtScore.model_version)
                                 .where(PmtScore.household_id.in_(list(ids))))
    return {household_id: (score, version) for household_id, score, version in rows}


def _run_snapshot(report: RunReport) -> dict[str, Any]:
    return {"model_version": report.model_version, "households": report.households,
            "changed": report.changed, "scores_digest": report.scores_digest}


async def load_model(uow: UnitOfWork, text: str) -> PmtModel:
    """Validate a model file and store it as the active model (audited); a version is loaded
    once. The caller recomputes the scores in the same transaction."""
    model = parse_model(text)
    taken = (await uow.session.execute(select(PmtModelRow.id).where(
        PmtModelRow.version == model.version))).scalar_one_or_none()
    if taken is not None:
        raise Conflict(f"model PMT versi {model.version} sudah dimuat; beri versi baru / "
                       f"PMT model version {model.version} is loaded already; give it a new "
                       "version")
    document = model_document(model)
    row = PmtModelRow(version=model.version, description=model.description, document=document,
                      loaded_by=uow.actor.id)
    uow.session.add(row)
    await uow.session.flush()
    uow.audit.record("pmt.model_load", "pmt_model", model.version, after=document)
    return model
