"""docs/update-cycle.md, run as printed (tests/docs/runner.py), on the ports it prints: one
proposal from the operator's upload of the minutes to Dinas Sosial's approval, through a NIK
anomaly, its correction and the pendamping's field visit."""

from __future__ import annotations

import sqlite3

from tests.docs.runner import doc, json_lines, require_free_ports, run, runnable, script


def test_update_cycle_md_runs_as_printed(tmp_path):
    require_free_ports([8100, 8199, 8200], "docs/update-cycle.md")
    page = runnable(doc("update-cycle.md"))
    assert {b[0] for b in page} == {"bash"}
    out = run(script(page), tmp_path, timeout=120)
    answers = [a for n in sorted(out) for a in json_lines(out[n])]
    assert all(set(a) == {"data"} for a in answers[:-5]), answers  # no error until step 5
    created, submitted, unread, resubmitted, read = (a["data"] for a in answers[:5])
    assert created["createProposal"]["state"] == "DRAFT"
    assert submitted["submitProposal"]["state"] == "NIK_ANOMALY"
    assert submitted["submitProposal"]["nikChecks"][0]["outcome"] == "MISMATCH"
    proposal = created["createProposal"]["id"]
    assert [e["node"]["proposalId"] for e in unread["notifications"]["edges"]] == [proposal]
    assert resubmitted["resubmitProposal"]["state"] == "NIK_VALID"
    assert read["markNotificationRead"]["readAt"]
    too_soon, visit, verified, listed, approved = answers[5:]
    assert too_soon["errors"][0]["extensions"]["code"] == "FIELD_VERIFICATION_REQUIRED"
    assert visit["data"]["recordFieldVerification"]["flags"] == ["PHOTO_WITHOUT_GPS"]
    assert verified["data"]["verifyProposal"]["state"] == "VERIFIED"
    [shown] = listed["data"]["proposals"]["edges"]
    assert shown["node"]["id"] == proposal and shown["node"]["kind"] == "NEW_HOUSEHOLD"
    assert [h["action"] for h in shown["node"]["history"]] == [
        "CREATE", "SUBMIT", "MARK_NIK_ANOMALY", "RESUBMIT", "MARK_NIK_VALID", "VERIFY"]
    assert "errors" not in approved, approved
    assert approved["data"]["approveProposal"]["state"] == "APPROVED_KABKOTA"
    with sqlite3.connect(tmp_path / "bandung.db") as db:
        household = db.execute("SELECT id, status FROM household WHERE kk_number = ?",
                               ("3273010403150001",)).fetchone()
    assert household == (int(approved["data"]["approveProposal"]["householdId"]), "PROPOSED")
