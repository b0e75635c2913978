"""Pure rules of community reports: no database, no clock."""

from __future__ import annotations

import datetime as dt

import pytest

from regional_node.domain.community_reports import (
    ACTIONS,
    ReportAction,
    ReportKind,
    ReportStatus,
    effective_status,
    is_overdue,
    plan_action,
)
from regional_node.errors import ForbiddenTransition, OutOfScope, WrongState
from schema.policy import ROLES, Access, access
from schema.roles import Principal, Role

T0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
OPERATOR = Principal("op", Role.OPERATOR_DESA, "32.73.01.1001")
MUTATIONS = {ReportAction.PROPOSE: "proposeFromCommunityReport",
             ReportAction.RESOLVE: "resolveCommunityReport",
             ReportAction.DISMISS: "dismissCommunityReport"}


def test_a_sanggah_expires_at_its_due_date_and_an_usul_only_becomes_overdue() -> None:
    due = T0 + dt.timedelta(days=14)
    sanggah, usul, open_ = ReportKind.SANGGAH, ReportKind.USUL, ReportStatus.OPEN
    assert effective_status(sanggah, open_, due, due - dt.timedelta(seconds=1)) is open_
    assert effective_status(sanggah, open_, due, due) is ReportStatus.EXPIRED
    assert effective_status(sanggah, ReportStatus.DISMISSED, due, due) is ReportStatus.DISMISSED
    assert effective_status(usul, open_, due, due + dt.timedelta(days=99)) is open_
    assert is_overdue(open_, due, due) and not is_overdue(ReportStatus.RESOLVED, due, due)


def test_the_policy_table_mirrors_the_action_table() -> None:
    for rule in ACTIONS:
        if rule.action is ReportAction.EXPIRE:
            continue
        granted = {role for role in ROLES
                   if access(role, "Mutation", MUTATIONS[rule.action]) is Access.FULL}
        assert granted == set(rule.roles), rule.action


def test_refusals_come_in_the_order_role_scope_state() -> None:
    sanggah = ReportKind.SANGGAH
    with pytest.raises(ForbiddenTransition):
        plan_action(ReportAction.RESOLVE, sanggah, ReportStatus.EXPIRED,
                    Principal("pd", Role.PENDAMPING, "32.73.02"), "32.73.01.1001")
    with pytest.raises(OutOfScope):
        plan_action(ReportAction.RESOLVE, sanggah, ReportStatus.EXPIRED,
                    Principal("op2", Role.OPERATOR_DESA, "32.73.02.1001"), "32.73.01.1001")
    with pytest.raises(WrongState):
        plan_action(ReportAction.RESOLVE, sanggah, ReportStatus.EXPIRED, OPERATOR,
                    "32.73.01.1001")
    assert plan_action(ReportAction.DISMISS, sanggah, ReportStatus.OPEN, OPERATOR,
                       "32.73.01.1001").target is ReportStatus.DISMISSED
