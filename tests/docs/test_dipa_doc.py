"""docs/dipa.md, run as printed (tests/docs/runner.py), on the demo's ports: the catalogue
listed, edited and imported; the DIPA of 2026-S1 exported as XLSX and CSV from the gateway's
shell; the dipa query and the download as Kemensos; the files read back."""

from __future__ import annotations

import csv
import json
import re

from openpyxl import load_workbook

from tests.docs.runner import doc, json_lines, require_free_ports, run, runnable, script


def test_dipa_md_runs_as_printed(tmp_path):
    require_free_ports([8099, 8100, 8101, 8102, 8103, 8200, 8201, 8202, 8203],
                       "docs/dipa.md (siks demo)")
    page = runnable(doc("dipa.md"))
    assert [b[0] for b in page] == ["bash", "bash", "bash"]
    out = run(script(page), tmp_path, timeout=400)
    shell, api = out[1], out[2]
    assert re.search(r"^BPNT +- +2026 +PER_KPM_MONTH +200,000 ", shell, flags=re.MULTILINE)
    assert "catalogue replaced: 9 entries" in shell
    assert "dipa-2026-S1.xlsx: DIPA 2026-S1" in shell and "LEFT OUT" not in shell
    imported = json.loads((tmp_path / "katalog.json").read_text("utf-8"))
    assert {e["amount"] for e in imported["entries"] if e["program"] == "BPNT"} == {225_000}

    sheet = load_workbook(tmp_path / "dipa-2026-S1.xlsx").active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[5]
    assert header[:3] == ["No", "Program", "Komponen"]
    bpnt = [r for r in rows if r[1] == "Program Sembako (BPNT)"
            and r[5] in ("32.73", "35.78", "53.71")]
    assert len(bpnt) == 3 and all(r[12] == r[7] * 225_000 * 6 for r in bpnt)  # imported rate
    table = list(csv.reader((tmp_path / "dipa-2026-S1.csv").open(encoding="utf-8-sig")))
    assert table[5] == header

    [answer] = [a["dipa"] for a in json_lines(api) if "dipa" in a]
    assert {r["kabkotaCode"] for r in answer["rows"]} == {"32.73"}  # region 32: Bandung
    pkh = [r for r in answer["rows"] if r["program"] == "PKH" and r["component"] is None]
    assert pkh and pkh[0]["amount"] == sum(
        r["amount"] for r in answer["rows"] if r["program"] == "PKH" and r["component"])
    assert answer["missingRegions"] == []
    downloaded = load_workbook(tmp_path / "dipa.xlsx").active
    assert downloaded["A1"].value.startswith("REKAPITULASI")
