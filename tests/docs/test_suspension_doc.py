"""docs/suspension.md, run as printed (tests/docs/runner.py), on the ports it prints: a seeded
node, the sandbox seeded from it, `siks node match-nik` counting what it suspends, Dinas
Sosial's queries, one person put right at Dukcapil and checked again. The Kemensos query at
the gateway is run as printed by tests/gateway/test_suspension.py (real node apps behind a
gateway)."""

from __future__ import annotations

from tests.docs.runner import (
    doc,
    json_lines,
    require_free_ports,
    run,
    runnable,
    script,
    section,
    unlabelled_blocks,
)

NANA = "3273101602791401"


def test_suspension_md_runs_as_printed(tmp_path):
    require_free_ports([8100, 8199], "docs/suspension.md")
    text = doc("suspension.md")
    walkthrough = section(text, "## Contoh")
    lifting = section(text, "## Mengangkat")
    page = runnable(walkthrough) + runnable(lifting)
    assert [b[0] for b in page] == ["bash", "bash", "bash", "bash", "graphql", "graphql",
                                    "graphql", "bash", "graphql"]
    out = run(script(page, graphql=lambda block: ("http://127.0.0.1:8100/graphql", "TOKEN")),
              tmp_path, timeout=240)
    matched, fixed = unlabelled_blocks(walkthrough)[0], unlabelled_blocks(lifting)[0]
    assert out[1].strip().splitlines() == matched.splitlines()
    count_before = matched.splitlines()[-1]

    summary = json_lines(out[4])[0]["data"]["suspensionSummary"]
    assert sum(row["active"] for row in summary) == 1362
    assert sum(row["suspended"] for row in summary) == 146 and count_before.startswith(
        "bantuan ditangguhkan: 146 dari 1362")
    assert all(" / " in c["text"] for row in summary for c in row["byReason"])

    listed = json_lines(out[5])[0]["data"]["suspendedMemberships"]
    assert listed["totalCount"] >= 1 and len(listed["edges"]) <= 5
    nodes = [e["node"] for e in listed["edges"]]
    assert all(n["suspension"]["reason"] == "NIK_MISMATCH"
               and n["person"]["matchStatus"] == "MISMATCH" for n in nodes)
    assert NANA in {n["person"]["nik"] for n in nodes}

    before = json_lines(out[6])[0]["data"]["person"]
    assert before["matchStatus"] == "MISMATCH"
    suspended = {(p["program"], p["memberId"]): p["suspension"]["reason"]
                 for p in before["household"]["programs"] if p["suspended"]}
    assert set(suspended.values()) == {"NIK_MISMATCH"}
    assert {("PKH", None), ("BPNT", None)} <= set(suspended) and len(suspended) == 4

    lines = out[7].strip().splitlines()
    assert lines[:3] == fixed.splitlines()
    assert lines[-1] == fixed.splitlines()[-1]  # `siks node status` ends with the same count
    after = json_lines(out[8])[0]["data"]["person"]
    assert after["matchStatus"] == "MATCH"
    still = {(p["program"], p["memberId"]) for p in after["household"]["programs"]
             if p["suspended"]}
    assert len(still) == 1 and still < set(suspended)  # the son's PBI-JK
