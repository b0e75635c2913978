"""Reading the rows of an offline work package (pure: no file, no database)."""

from __future__ import annotations

import datetime as dt

from regional_node.domain.offline_package import PackageMeta, RowRef
from regional_node.domain.offline_rows import Row, read_work

META = PackageMeta("0b9c5f7e-3c1a-4a53-9d1e-2f4b6a8c0d11", "32.73", "32.73.01.1001",
                   "2026-03-02T08:00:00+00:00", "op", "OPERATOR_DESA")


def _row(sheet: str, number: int, **values: object) -> Row:
    return Row(RowRef(sheet, number), values)


def test_offline_rows_blank_rows_are_skipped_and_every_other_row_is_accounted_for() -> None:
    pid = "3f0e1c52-7f3d-4a0e-8b1f-1a2b3c4d5e6f"
    proposals = [
        _row("new_proposals", 2, id=pid, kind="death", household_id=12.0, member_id="31",
             date=dt.datetime(2026, 2, 3)),
        _row("new_proposals", 3, id="8e7f1a52-7f3d-4a0e-8b1f-1a2b3c4d5e6f"),  # blank
        _row("new_proposals", 4, id=None, kind="MOVED", household_id=12, date="05/02/2026"),
        _row("new_proposals", 5, id="not-a-uuid", kind="GRADUATION", household_id=12),
    ]
    corrections = [_row("corrections", 2, proposal_id=pid, field="desil", value="1")]
    actions = [_row("report_actions", 2, report_id=pid, action=None, reason=None),
               _row("report_actions", 3, report_id=pid, action="close", reason="x")]
    items, acts, problems = read_work(META, proposals, [], corrections, actions, {12: 3})
    assert [(i.ref.row, i.kind.value) for i in items] == [(2, "DEATH"), (4, "MOVED")]
    assert items[0].details == {"household_id": 12, "member_id": 31,
                                "death_date": "2026-02-03"}
    assert items[1].details["moved_on"] == "2026-02-05"
    again, _, _ = read_work(META, proposals, [], corrections, actions, {12: 3})
    assert again[1].id == items[1].id  # a row without an id gets the same one every time
    assert acts == []
    assert sorted((p.ref.sheet, p.ref.row) for p in problems) == [
        ("corrections", 2), ("new_proposals", 5), ("report_actions", 3)]
