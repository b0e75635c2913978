"""What a return from Kemensos does to the registry, in the unit of work of the decision.

Approval applied the proposal's change and kept, in its history entry (``APPROVE`` event
``detail.undo``), what undoing it takes: the household version right after the change, the
previous values it overwrote, the memberships it ended. A return undoes the change when that
is safe — the household is still at that version, so nothing was built on the change since —
and otherwise marks the household for Dinas Sosial to review (``household.review_reason`` /
``review_proposal_id``). An enrolment is the exception: the membership it created names it
(``program_membership.proposal_id``), so it is ended whatever happened to the household since.
The table per kind is in docs/update-cycle.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select

from regional_node.adapters.household_records import StoredHousehold, load_household
from regional_node.adapters.orm import (
    HouseholdWarning,
    ProgramMembership,
    Proposal,
    ProposalEvent,
    utcnow,
)
from regional_node.domain.household_rows import snapshot
from regional_node.domain.proposals import ProposalKind
from regional_node.service_layer.pmt import rescore
from regional_node.service_layer.registry import existing_identifiers
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.enums import HouseholdStatus, InactiveReason


class ReturnEffect(StrEnum):
    UNDONE = "UNDONE"  # the change was undone
    REVIEW = "REVIEW"  # the household is marked for Dinas Sosial to review
    NONE = "NONE"  # the proposal changed no household (nothing to undo)


@dataclass(frozen=True, slots=True)
class ReturnOutcome:
    effect: ReturnEffect
    household_id: int | None = None
    why: str | None = None  # for REVIEW: the reason, Indonesian / English

    def to_json(self) -> dict[str, Any]:
        return {"effect": self.effect.value, "household_id": self.household_id,
                "why": self.why}


class NotSafe(Exception):
    """The change cannot be undone safely; the message is the review reason."""


async def settle_return(uow: UnitOfWork, row: Proposal, reason: str,
                        today: dt.date) -> ReturnOutcome:
    """Undo ``row``'s change, or mark its household for review."""
    if row.household_id is None:
        return ReturnOutcome(ReturnEffect.NONE)
    stored = await load_household(uow.session, row.household_id, for_update=True)
    if stored is None:
        return ReturnOutcome(ReturnEffect.NONE)
    before = snapshot(stored.record)
    try:
        await _undo(uow, row, stored, await _undo_data(uow, row.id), today)
    except NotSafe as exc:
        why = (f"Usulan {row.kind} {row.id} dikembalikan Kemensos ({reason}); {exc}")
        _mark_review(uow, stored, row.id, why)
        return ReturnOutcome(ReturnEffect.REVIEW, stored.row.id, why)
    stored.row.version += 1
    stored.row.updated_at = utcnow()
    await uow.session.flush()
    await rescore(uow.session, [stored.row.id])  # its PMT score (docs/pmt.md)
    after = await load_household(uow.session, stored.row.id)
    assert after is not None
    uow.audit.record("household.return_undo", "household", stored.row.id, before=before,
                     after=snapshot(after.record))
    return ReturnOutcome(ReturnEffect.UNDONE, stored.row.id)


async def _undo_data(uow: UnitOfWork, pid: str) -> dict[str, Any] | None:
    detail = (await uow.session.execute(
        select(ProposalEvent.detail).where(ProposalEvent.proposal_id == pid,
                                           ProposalEvent.action == "APPROVE")
        .order_by(ProposalEvent.id.desc()).limit(1))).scalar_one_or_none()
    undo = (detail or {}).get("undo")
    return undo if isinstance(undo, dict) else None


async def _undo(uow: UnitOfWork, row: Proposal, stored: StoredHousehold,
                undo: dict[str, Any] | None, today: dt.date) -> None:
    kind = ProposalKind(row.kind)
    if kind is ProposalKind.PROGRAM_ENROLMENT:
        _end_enrolment(stored, row.id)
        return
    if undo is None:
        raise NotSafe("usulan ini disahkan sebelum node menyimpan cara membatalkannya. / "
                      "this proposal was approved before the node kept how to undo it.")
    if undo.get("version") != stored.row.version:
        raise NotSafe(f"rumah tangga berubah sejak pengesahan (versi {undo.get('version')}, "
                      f"kini {stored.row.version}). / the household changed since the "
                      f"approval (version {undo.get('version')}, now {stored.row.version}).")
    if kind is ProposalKind.NEW_HOUSEHOLD:
        _withdraw(stored, today)
    elif kind is ProposalKind.NEW_MEMBER:
        await _remove_member(uow, stored, int(undo["member_id"]))
    elif kind is ProposalKind.DATA_CORRECTION:
        await _require_old_niks_free(uow, stored, undo)
        _restore_values(stored, undo)
    elif kind is ProposalKind.DEATH:
        member = stored.member(int(undo["member_id"]))
        assert member is not None
        member.alive, member.death_date = True, None
        _restore_status(stored, undo)
    elif kind in (ProposalKind.MOVED, ProposalKind.GRADUATION, ProposalKind.PROGRAM_EXIT):
        _restore_status(stored, undo)
    else:
        raise AssertionError(f"unknown kind {kind}")


def _end_enrolment(stored: StoredHousehold, pid: str) -> None:
    created = [m for m in stored.programs if m.proposal_id == pid]
    if not created:
        raise NotSafe("kepesertaan yang dibuatnya tidak ditemukan. / the membership it "
                      "created was not found.")
    for membership in created:
        if membership.active:  # never in force: it ends where it started
            membership.active, membership.end_date = False, membership.start_date


def _withdraw(stored: StoredHousehold, today: dt.date) -> None:
    stored.row.status = HouseholdStatus.INACTIVE
    stored.row.inactive_reason = InactiveReason.RETURNED
    for membership in stored.programs:
        if membership.active:
            membership.active = False
            membership.end_date = max(today, membership.start_date)


async def _remove_member(uow: UnitOfWork, stored: StoredHousehold, member_id: int) -> None:
    member = stored.member(member_id)
    if member is None:
        return
    referred = (await uow.session.execute(select(func.count()).select_from(ProgramMembership)
                                          .where(ProgramMembership.member_id == member_id))
                ).scalar_one()
    if referred:
        raise NotSafe("anggota barunya sudah tercatat dalam kepesertaan program. / the new "
                      "member is already in a programme membership.")
    # the warnings about them go with them (they are about data that no longer exists)
    await uow.session.execute(delete(HouseholdWarning).where(
        HouseholdWarning.member_id == member_id))
    await uow.session.delete(member)
    stored.members.remove(member)


async def _require_old_niks_free(uow: UnitOfWork, stored: StoredHousehold,
                                 undo: dict[str, Any]) -> None:
    """A NIK the correction replaced may have been registered to someone else since."""
    old = {values["nik"] for values in undo.get("members", {}).values() if "nik" in values}
    _, taken = await existing_identifiers(uow.session, (), old)
    if taken:
        raise NotSafe(f"NIK lamanya kini tercatat pada orang lain ({len(taken)}). / its old "
                      f"NIK is now registered to someone else ({len(taken)}).")


def _restore_values(stored: StoredHousehold, undo: dict[str, Any]) -> None:
    for name, value in undo.get("household", {}).items():
        setattr(stored.row, name, value)
    for member_id, values in undo.get("members", {}).items():
        member = stored.member(int(member_id))
        if member is None:
            continue
        for name, value in values.items():
            setattr(member, name, _column_value(name, value))


def _column_value(name: str, value: Any) -> Any:
    if value is not None and name in ("birth_date", "death_date"):
        return dt.date.fromisoformat(value)
    return value


def _restore_status(stored: StoredHousehold, undo: dict[str, Any]) -> None:
    if "status" in undo:
        stored.row.status = undo["status"]
        stored.row.inactive_reason = undo.get("inactive_reason")
    ended = undo.get("ended", {})
    for membership in stored.programs:
        if str(membership.id) in ended:
            previous = ended[str(membership.id)]
            membership.active = True
            membership.end_date = dt.date.fromisoformat(previous) if previous else None


def _mark_review(uow: UnitOfWork, stored: StoredHousehold, pid: str, why: str) -> None:
    row = stored.row
    before = {"review_reason": row.review_reason, "review_proposal_id": row.review_proposal_id}
    row.review_reason = f"{row.review_reason}\n{why}" if row.review_reason else why
    row.review_proposal_id = pid
    uow.audit.record("household.review_mark", "household", row.id, before=before,
                     after={"review_reason": row.review_reason, "review_proposal_id": pid})
