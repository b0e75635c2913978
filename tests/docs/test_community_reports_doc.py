"""docs/community-reports.md, run as printed (tests/docs/runner.py), on the port it prints: an
usul and a sanggah from the public, the receipt, the operator's inbox, a proposal from the
usul, the sanggah dismissed and then refused a second closing."""

from __future__ import annotations

import json
import re

from tests.docs.runner import doc, json_lines, require_free_ports, run, runnable, script


def test_community_reports_md_runs_as_printed(tmp_path):
    require_free_ports([8100], "docs/community-reports.md")
    text = doc("community-reports.md")
    page = runnable(text)
    assert {b[0] for b in page} == {"bash"}
    out = run(script(page), tmp_path, timeout=120)

    usul = json_lines(out[2])[0]["data"]["submitUsul"]
    printed = re.search(r"→ `(\{\"receiptId\".*?\})`", text)
    assert printed is not None
    assert set(json.loads(printed.group(1).replace("…", ""))) == set(usul)
    assert usul["status"] == "OPEN"
    assert json_lines(out[4])[0] == {"data": {"communityReportReceipt": {"status": "OPEN"}}}

    inbox = [e["node"] for e in json_lines(out[5])[0]["data"]["communityReports"]["edges"]]
    assert [(r["id"], r["kind"]) for r in inbox][0] == (usul["receiptId"], "USUL")
    assert [r["kind"] for r in inbox] == ["USUL", "SANGGAH"]
    assert inbox[0]["submitterContact"] == "0812-1111-2222" and inbox[0]["nik"]
    assert inbox[1]["photoSha256"] and inbox[1]["outsideRegency"] is False

    proposed = json_lines(out[6])[0]
    assert "errors" not in proposed, proposed
    assert proposed["data"]["proposeFromCommunityReport"]["status"] == "PROPOSED"
    assert proposed["data"]["proposeFromCommunityReport"]["proposalId"]

    dismissed, again = json_lines(out[7])
    assert dismissed == {"data": {"dismissCommunityReport": {"status": "DISMISSED"}}}
    assert again["errors"][0]["extensions"]["code"] == "WRONG_STATE"
