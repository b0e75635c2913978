"""docs/partners.md, run as printed (tests/docs/runner.py), on the ports it prints: a node of
Kota Bandung and the gateway, a partner's job sent, followed and downloaded once (the rules
applied), the rules listed, exported and imported, the overlap report as Kemensos."""

from __future__ import annotations

import csv
import re

from tests.docs.runner import doc, fenced, json_lines, require_free_ports, run, runnable, script


def test_partners_md_runs_as_printed(tmp_path):
    require_free_ports([8080, 8101, 8201], "docs/partners.md")
    text = doc("partners.md")
    page = runnable(text)
    assert [b[0] for b in page] == ["bash"] * 4
    out = run(script(page), tmp_path, timeout=400)
    job, shell = out[2], out[3]

    status, gone = json_lines(job)[0], json_lines(job)[-1]
    assert (status["state"], status["total"], status["done"], status["missingRegions"]) == (
        "DONE", 3, 3, [])
    assert gone["errors"][0]["extensions"]["code"] == "JOB_GONE"
    result = (tmp_path / "hasil.csv").read_text("utf-8")
    [sample] = [code for language, code, _ in fenced(text) if language == "text"]
    assert result == sample  # the page prints the file as it comes
    rows = list(csv.DictReader(result.splitlines()))
    assert [r["registered"] for r in rows] == ["true", "true", "false"]

    assert re.search(r"^KEMENAG_PIP +PIP +PERSON ", shell, flags=re.MULTILINE)
    assert "rules replaced: 4 rules" in shell
    [report] = [a for a in json_lines(shell) if "data" in a]
    assert {(r["regionCode"], r["program"], r["excludes"])
            for r in report["data"]["benefitOverlaps"]} == {("32", "BLT", "PKH"),
                                                           ("32", "BLT", "BPNT")}
