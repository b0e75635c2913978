"""What a Dukcapil check leaves for the operator to act on (issue 15).

- The finding, kept on the member (``member.registry_finding``) when the check was not a
  clean match: the outcome, the fields that differ and the registry's value of each, and the
  death date it records. A clean match clears it.
- A death the registry records for a member alive in DTKS becomes a DRAFT death proposal
  for the desa's operator (who checks it and submits it: the update cycle decides it), with a
  notification to the desa. Meanwhile the member's aid is suspended (``DECEASED``:
  docs/suspension.md). One draft per member: none while another death proposal for them is
  open.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from regional_node.adapters.orm import Household, HouseholdWarning, Notification, Proposal, utcnow
from regional_node.domain.import_messages import Message, msg
from regional_node.domain.plausibility import WarningKind
from regional_node.domain.proposal_details import Death
from regional_node.domain.proposals import ProposalKind, ProposalState
from regional_node.service_layer.proposals import NIK_CHECKER, ProposalDraft, draft_for_operator
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import SiksError

REGISTRY_DEATH_TOPIC = "REGISTRY_DEATH"
REGISTRY = "REGISTRY"  # the source of the warnings a check keeps
CLOSED = (ProposalState.REJECTED.value, ProposalState.RETURNED.value)


def finding(status: str, fields: Sequence[str],
            registry_values: Sequence[tuple[str, str]]) -> dict[str, Any] | None:
    """The member's ``registry_finding`` after a check (None: a clean match)."""
    if status == "MATCH" and not registry_values:
        return None
    return {"status": status, "fields": list(fields), "registry": dict(registry_values)}


@dataclass(frozen=True, slots=True)
class RegistryDeath:
    member_id: int
    household_id: int
    name: str
    death_date: dt.date


async def draft_deaths(uow: UnitOfWork, deaths: Sequence[RegistryDeath], node_region: str,
                       today: dt.date) -> int:
    """Draft a death proposal for each member who has no open one; returns how many."""
    if not deaths:
        return 0
    open_for = await _members_with_open_deaths(uow, {d.household_id for d in deaths})
    drafted = 0
    for death in deaths:
        if death.member_id in open_for:
            continue
        draft = ProposalDraft(
            id=str(uuid.uuid4()),
            details=Death(death.household_id, death.member_id, death.death_date),
            note=f"Dukcapil mencatat {death.name} meninggal pada {death.death_date.isoformat()}"
                 f" / Dukcapil records {death.name} as deceased on "
                 f"{death.death_date.isoformat()}")
        try:  # validation refuses before anything is written
            row = await draft_for_operator(uow, NIK_CHECKER, draft, node_region, today)
        except SiksError:
            continue  # the registry's date does not fit the record: the finding says so
        await uow.session.flush()  # the proposal before the notification that names it
        uow.session.add(_notice(row, death))
        open_for.add(death.member_id)
        drafted += 1
    return drafted


async def _members_with_open_deaths(uow: UnitOfWork, household_ids: set[int]) -> set[int]:
    rows = await uow.session.execute(
        select(Proposal.details).where(Proposal.kind == ProposalKind.DEATH.value,
                                       Proposal.household_id.in_(sorted(household_ids)),
                                       Proposal.state.not_in(CLOSED)))
    return {int(details["member_id"]) for details in rows.scalars()
            if isinstance(details, dict) and "member_id" in details}


def _notice(row: Proposal, death: RegistryDeath) -> Notification:
    return Notification(
        recipient=NIK_CHECKER.user_id, desa_code=row.desa_code, proposal_id=row.id,
        topic=REGISTRY_DEATH_TOPIC, created_at=utcnow(),
        message=f"Dukcapil mencatat {death.name} meninggal pada "
                f"{death.death_date.isoformat()}: usulan kematian {row.id} sudah disiapkan; "
                "periksa dan ajukan. Bantuannya ditangguhkan sampai diputuskan. / Dukcapil "
                f"records {death.name} as deceased on {death.death_date.isoformat()}: death "
                f"proposal {row.id} is drafted; check and submit it. Their aid is suspended "
                "until it is decided.")


@dataclass(frozen=True, slots=True)
class RegistryWarning:
    member_id: int
    household_id: int
    kind: WarningKind
    message: Message


def registry_warnings(member_id: int, household_id: int, name: str, stored_sex: str,
                      alive: bool, status: str,
                      registry_values: Sequence[tuple[str, str]]) -> list[RegistryWarning]:
    """The warnings a check keeps with the household (listed for Dinas Sosial with the
    import's, docs/import.md): a death Dukcapil records for a member alive here, another sex."""
    values = dict(registry_values)
    found = []
    if status == "DECEASED" and alive:
        when = values.get("death_date") or "?"
        found.append(RegistryWarning(
            member_id, household_id, WarningKind.DECEASED_AT_DUKCAPIL, msg(
                "{name} is alive in DTKS, deceased at Dukcapil ({death_date})", name=name,
                death_date=when)))
    if "sex" in values:
        found.append(RegistryWarning(
            member_id, household_id, WarningKind.SEX_DIFFERS_AT_DUKCAPIL, msg(
                "{name}'s sex is {stored} in DTKS, {registry} at Dukcapil", name=name,
                stored=stored_sex, registry=values["sex"])))
    return found


async def keep_warnings(uow: UnitOfWork, warnings: Sequence[RegistryWarning]) -> int:
    """Store the warnings that are not open already for the same member and kind."""
    if not warnings:
        return 0
    members = sorted({w.member_id for w in warnings})
    open_rows = await uow.session.execute(
        select(HouseholdWarning.member_id, HouseholdWarning.kind).where(
            HouseholdWarning.member_id.in_(members), HouseholdWarning.resolved_at.is_(None)))
    open_now = {(member_id, kind) for member_id, kind in open_rows}
    desa_rows = await uow.session.execute(select(Household.id, Household.desa_code).where(
        Household.id.in_(sorted({w.household_id for w in warnings}))))
    desa = {household_id: code for household_id, code in desa_rows}
    new = [w for w in warnings if (w.member_id, w.kind.value) not in open_now]
    now = utcnow()
    uow.session.add_all(HouseholdWarning(
        household_id=w.household_id, member_id=w.member_id, desa_code=desa[w.household_id],
        kind=w.kind.value, source=REGISTRY, message=str(w.message),
        message_parts=w.message.stored(), created_at=now) for w in new)
    return len(new)
