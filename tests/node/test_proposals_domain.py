"""The proposal state machine as pure rules, and its agreement with the policy table."""

from __future__ import annotations

import datetime as dt

import pytest

from regional_node.domain.proposal_nik import ProposalPerson, result, verdict
from regional_node.domain.proposals import (
    PROPOSERS,
    TRANSITIONS,
    ProposalAction,
    ProposalKind,
    ProposalScope,
    ProposalState,
    clean_reason,
    plan_transition,
    roles_for,
)
from regional_node.errors import ForbiddenTransition, OutOfScope, WrongState
from schema.enums import MatchStatus
from schema.errors import InvalidInput
from schema.identity_numbers import Sex
from schema.roles import Principal, Role

SCOPE = ProposalScope("32.73.01.1001", 7)
OPERATOR = Principal("op", Role.OPERATOR_DESA, "32.73.01.1001")
PENDAMPING = Principal("pd", Role.PENDAMPING, "32.73.01")
DINSOS = Principal("ds", Role.DINSOS, "32.73")
KIND = ProposalKind.NEW_MEMBER


def test_every_state_is_reachable_and_later_steps_are_the_system_s():
    reached = {ProposalState.DRAFT} | {t.target for t in TRANSITIONS}
    assert reached == set(ProposalState)
    for action in (ProposalAction.SEND, ProposalAction.RECEIVE_NATIONAL,
                   ProposalAction.DETERMINE, ProposalAction.RETURN,
                   ProposalAction.MARK_NIK_VALID, ProposalAction.MARK_NIK_ANOMALY):
        assert roles_for(action) == {Role.SYSTEM}


def test_the_right_people_move_a_proposal():
    assert plan_transition(ProposalAction.SUBMIT, ProposalState.DRAFT, KIND, OPERATOR,
                           SCOPE).target is ProposalState.SUBMITTED
    assert plan_transition(ProposalAction.VERIFY, ProposalState.NIK_VALID, KIND, PENDAMPING,
                           SCOPE).target is ProposalState.VERIFIED
    assert plan_transition(ProposalAction.APPROVE, ProposalState.VERIFIED, KIND, DINSOS,
                           SCOPE).target is ProposalState.APPROVED_KABKOTA
    assigned = Principal("pd2", Role.PENDAMPING, household_ids=(7,))
    assert plan_transition(ProposalAction.VERIFY, ProposalState.NIK_VALID, KIND, assigned,
                           SCOPE).target is ProposalState.VERIFIED


@pytest.mark.parametrize(("action", "state", "who", "error"), [
    (ProposalAction.APPROVE, ProposalState.VERIFIED, PENDAMPING, ForbiddenTransition),
    (ProposalAction.SUBMIT, ProposalState.DRAFT, PENDAMPING, ForbiddenTransition),  # kind
    (ProposalAction.APPROVE, ProposalState.VERIFIED,
     Principal("ds2", Role.DINSOS, "35.78"), OutOfScope),
    (ProposalAction.APPROVE, ProposalState.NIK_VALID, DINSOS, WrongState),
    (ProposalAction.VERIFY, ProposalState.NIK_VALID, Principal("x", Role.PENDAMPING),
     OutOfScope),
    (ProposalAction.MARK_NIK_VALID, ProposalState.SUBMITTED, DINSOS, ForbiddenTransition),
])
def test_refusals(action, state, who, error):
    with pytest.raises(error):
        plan_transition(action, state, KIND, who, SCOPE)


def test_four_eyes_the_proposer_cannot_verify_their_own_graduation():
    with pytest.raises(ForbiddenTransition):
        plan_transition(ProposalAction.VERIFY, ProposalState.NIK_VALID,
                        ProposalKind.GRADUATION, PENDAMPING, SCOPE, proposer="pd")


def test_rejection_needs_a_reason():
    [reject] = [t for t in TRANSITIONS if t.action is ProposalAction.REJECT
                and t.source is ProposalState.VERIFIED]
    with pytest.raises(InvalidInput):
        clean_reason(reject, "   ")
    assert clean_reason(reject, " ganda ") == "ganda"


def test_nik_verdicts():
    person = ProposalPerson("3273010101900001", "A", dt.date(1990, 1, 1), Sex.MALE, None, None)
    dying = ProposalPerson("3273010101900001", "A", dt.date(1990, 1, 1), Sex.MALE, None, 3,
                           deceased_expected=True)
    assert verdict([]) is ProposalAction.MARK_NIK_VALID
    assert verdict([result(person, MatchStatus.MATCH)]) is ProposalAction.MARK_NIK_VALID
    assert verdict([result(dying, MatchStatus.DECEASED)]) is ProposalAction.MARK_NIK_VALID
    for outcome in (MatchStatus.DECEASED, MatchStatus.MISMATCH, MatchStatus.NOT_FOUND,
                    MatchStatus.DUPLICATE, None):
        assert verdict([result(person, outcome)]) is ProposalAction.MARK_NIK_ANOMALY


MUTATION_ACTIONS = {"submitProposal": ProposalAction.SUBMIT,
                    "resubmitProposal": ProposalAction.RESUBMIT,
                    "verifyProposal": ProposalAction.VERIFY,
                    "rejectProposal": ProposalAction.REJECT,
                    "approveProposal": ProposalAction.APPROVE}


def test_the_policy_table_grants_exactly_what_the_transition_table_allows():
    policy = pytest.importorskip("schema.policy")
    people = set(policy.ROLES)
    for mutation, action in MUTATION_ACTIONS.items():
        granted = {r for r in people
                   if policy.access(r, "Mutation", mutation) is policy.Access.FULL}
        allowed = roles_for(action) & people
        if action in (ProposalAction.SUBMIT, ProposalAction.RESUBMIT):
            allowed &= set().union(*PROPOSERS.values())
        assert granted == allowed, mutation
    creators = {r for r in people
                if policy.access(r, "Mutation", "createProposal") is policy.Access.FULL}
    assert creators == set().union(*PROPOSERS.values())
