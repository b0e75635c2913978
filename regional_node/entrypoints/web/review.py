"""The Dinas Sosial review queue at the node: the proposals of the kab/kota waiting for a
decision (VERIFIED, and NIK anomalies that may be rejected), one proposal's detail (what it
changes, the Musdes reference, who proposed and who moved it, the field visits), and the
approve and reject-with-a-reason actions.

Every read and action is an operation of the node's GraphQL schema as the session's principal
(``approveProposal``, ``rejectProposal``): the API refuses an operator's approval, a rejection
without a reason, a proposal of another kab/kota, and the page shows its refusal in words."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiohttp import web

from service_kit.web.login import require_login
from service_kit.web.pages import Outcome, form_with_csrf, messages, page, run, text

PAGE_SIZE = 20
QUEUE_STATES = ("VERIFIED", "NIK_ANOMALY", "NIK_VALID", "SUBMITTED", "APPROVED_KABKOTA",
                "REJECTED", "RETURNED")
QUEUE = """query AntreanUsulan($filter: ProposalFilter, $first: Int!, $after: String) {
  proposals(filter: $filter, first: $first, after: $after) {
    edges { node { id kind state desaName createdBy createdRole createdAt } }
    pageInfo { hasNextPage endCursor } } }"""
PROPOSAL_FIELDS = """id kind state desaCode desaName householdId details note reason corrects
    createdBy createdRole createdAt updatedAt version
    musdes { heldOn minutesNumber minutesSha256 }
    nikChecks { nik name outcome acceptable detail }
    history { action fromState toState actor role at reason }"""
DETAIL = f"query Usulan($id: ID!) {{ proposal(id: $id) {{ {PROPOSAL_FIELDS} }} }}"
VISITS = """query Kunjungan($id: ID!) {
  fieldVerifications(proposalId: $id) { verifiedBy verifiedAt flags note desaName } }"""
APPROVE = "mutation Setujui($id: ID!) { approveProposal(id: $id) { id state } }"
REJECT = """mutation Tolak($id: ID!, $reason: String!) {
  rejectProposal(id: $id, reason: $reason) { id state } }"""
MAX_REASON = 2000


async def home(request: web.Request) -> web.Response:
    await require_login(request)
    return page(request, "dinsos_home.html")


async def queue(request: web.Request) -> web.Response:
    await require_login(request)
    state = request.query.get("status", "VERIFIED")
    if state not in QUEUE_STATES:
        state = "VERIFIED"
    region = request.query.get("wilayah", "").strip()
    after = request.query.get("setelah", "").strip() or None
    wanted: dict[str, Any] = {"state": state, **({"region": region} if region else {})}
    outcome = await run(request, QUEUE, filter=wanted, first=PAGE_SIZE, after=after)
    found = (outcome.data or {}).get("proposals")
    return page(request, "dinsos_queue.html", status=200 if found is not None else 400,
                found=found, state=state, states=QUEUE_STATES, region=region,
                errors=messages(request, outcome))


async def detail(request: web.Request, *, errors: list[str] | None = None,
                 reason: str = "", status: int = 200) -> web.Response:
    outcome = await run(request, DETAIL, id=request.match_info["id"])
    proposal = (outcome.data or {}).get("proposal")
    shown = [*(errors or []), *messages(request, outcome)]
    if proposal is None and (not shown or "NOT_FOUND" in outcome.codes):
        shown = [text(request, "This proposal is not in your area, or does not exist. Go "
                               "back to the queue.")]
    visits: list[dict[str, Any]] = []
    if proposal is not None:
        seen = await run(request, VISITS, id=proposal["id"])
        visits = (seen.data or {}).get("fieldVerifications") or []
        shown += [m for m in messages(request, seen) if m not in shown]
    rows = list(_rows(proposal["details"])) if proposal else []
    return page(request, "dinsos_proposal.html",
                status=status if proposal or status != 200 else 404,
                proposal=proposal, rows=rows, visits=visits, reason=reason, errors=shown,
                done=request.query.get("selesai", ""))


async def show(request: web.Request) -> web.Response:
    await require_login(request)
    return await detail(request)


async def approve(request: web.Request) -> web.StreamResponse:
    await form_with_csrf(request)
    await require_login(request)
    outcome = await run(request, APPROVE, id=request.match_info["id"])
    if (outcome.data or {}).get("approveProposal"):
        raise web.HTTPSeeOther(f"/web/dinsos/usulan/{request.match_info['id']}?selesai=setuju")
    return await detail(request, errors=action_errors(request, outcome),
                        status=_status(outcome))


async def reject(request: web.Request) -> web.StreamResponse:
    form = await form_with_csrf(request)
    await require_login(request)
    reason = str(form.get("alasan", "")).strip()
    if not reason:
        return await detail(request, status=400, errors=[text(
            request, "Write the reason for the rejection: the desa operator reads it.")])
    if len(reason) > MAX_REASON:
        return await detail(request, status=400, reason=reason, errors=[text(
            request, "The reason is too long (at most 2,000 characters). Shorten it.")])
    outcome = await run(request, REJECT, id=request.match_info["id"], reason=reason)
    if (outcome.data or {}).get("rejectProposal"):
        raise web.HTTPSeeOther(f"/web/dinsos/usulan/{request.match_info['id']}?selesai=tolak")
    return await detail(request, errors=action_errors(request, outcome), reason=reason,
                        status=_status(outcome))


def action_errors(request: web.Request, outcome: Outcome) -> list[str]:
    """A refused action's messages; a role refusal names who may act (the generic one speaks
    of seeing data)."""
    if {"FORBIDDEN", "FORBIDDEN_FIELD", "FORBIDDEN_TRANSITION"} & set(outcome.codes):
        return [text(request, "Only the Dinas Sosial of the kab/kota may do this. Ask them, "
                              "or log in with a Dinas Sosial account.")]
    return messages(request, outcome)


def _status(outcome: Outcome) -> int:
    forbidden = {"FORBIDDEN", "FORBIDDEN_FIELD", "FORBIDDEN_TRANSITION", "OUT_OF_SCOPE"}
    if forbidden & set(outcome.codes):
        return 403
    if "WRONG_STATE" in outcome.codes or "CONFLICT" in outcome.codes:
        return 409
    return 400


def _rows(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """What a proposal changes, flattened for a table: (the keys' path, the value); empty
    values are left out (a new household's record has many)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _rows(inner, (*path, str(key)))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for index, inner in enumerate(value, start=1):
            yield from _rows(inner, (*path, str(index)))
    elif value not in (None, [], {}, "") and not _noise(path[-1] if path else "", value):
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        yield path, shown


# what the node keeps with a proposed record but the proposal does not change: the NIK check
# has its own table, a new household is PROPOSED, a member alive and without disability
_HIDDEN = frozenset({"match_status", "status"})
_DEFAULTS = frozenset({("alive", True), ("disability", "NONE")})


def _noise(key: str, value: Any) -> bool:
    return key in _HIDDEN or (key, value) in _DEFAULTS


def add_routes(app: web.Application) -> None:
    app.router.add_get("/web/dinsos", home)
    app.router.add_get("/web/dinsos/usulan", queue)
    app.router.add_get("/web/dinsos/usulan/{id}", show)
    app.router.add_post("/web/dinsos/usulan/{id}/setujui", approve)
    app.router.add_post("/web/dinsos/usulan/{id}/tolak", reject)
