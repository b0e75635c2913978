"""docs/offline.md, run as printed (tests/docs/runner.py), on the port it prints: a desa's
package exported (CLI and GraphQL), filled with `siks offline`, imported, and imported again
over GraphQL with every row already applied."""

from __future__ import annotations

import base64
import csv
import io
import re
import sqlite3

from openpyxl import load_workbook

from tests.docs.runner import (
    doc,
    json_lines,
    require_free_ports,
    run,
    runnable,
    script,
    unlabelled_blocks,
)


def test_offline_md_runs_as_printed(tmp_path):
    require_free_ports([8100], "docs/offline.md")
    text = doc("offline.md")
    page = runnable(text)
    assert [b[0] for b in page] == ["bash", "bash", "bash", "graphql", "bash", "bash", "bash"]
    out = run(script(page, graphql=lambda block: ("http://127.0.0.1:8100/graphql", "TOKEN")),
              tmp_path, timeout=150)
    assert json_lines(out[1])[0]["data"]["submitUsul"]["status"] == "OPEN"
    assert (tmp_path / "pkg.xlsx").is_file() and "1 open community reports" in out[2]

    exported = json_lines(out[3])[0]["data"]["exportOfflinePackage"]
    sheets = load_workbook(io.BytesIO(base64.b64decode(exported["contentBase64"]))).sheetnames
    assert {"households", "members", "new_proposals", "report_actions", "meta"} <= set(sheets)

    assert re.search(r"\b[0-9a-f]{64}\b", out[4])  # attach prints the minutes' SHA-256
    assert "filled in: 4 proposals, 1 report actions, 1 attachments" in out[4]

    first = out[5].splitlines()[0]
    printed = unlabelled_blocks(text)[0].splitlines()[0]
    shape = r"package \S+ for desa 32\.73\.01\.1001: \d+ applied, \d+ already applied, " \
            r"\d+ conflicts?, \d+ errors?"
    assert re.fullmatch(shape, printed) and re.fullmatch(shape, first), (printed, first)
    assert re.search(r": 5 applied, 0 already applied, 0 conflicts?, 0 errors?$", first), first
    with (tmp_path / "outcome.csv").open(encoding="utf-8-sig") as file:
        assert {row["outcome"] for row in csv.DictReader(file)} == {"APPLIED"}

    again = json_lines(out[6])[0]["data"]["importOfflinePackage"]
    assert (again["applied"], again["alreadyApplied"], again["conflicts"], again["errors"]) == (
        0, 5, 0, 0)
    with sqlite3.connect(tmp_path / "bandung.db") as db:
        kinds = sorted(k for (k,) in db.execute("SELECT kind FROM proposal"))
        report = db.execute("SELECT status FROM community_report").fetchone()
    assert kinds == ["DATA_CORRECTION", "DEATH", "GRADUATION", "NEW_HOUSEHOLD"]
    assert report == ("DISMISSED",)
