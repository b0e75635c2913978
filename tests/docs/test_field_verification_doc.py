"""docs/field-verification.md, run as printed (tests/docs/runner.py), on the port it prints:
a geotagged photo uploaded, a visit recorded for a household, a special verivali period, the
coverage over GraphQL and at the console."""

from __future__ import annotations

import csv
import json

from tests.docs.runner import (
    blocks,
    doc,
    json_lines,
    require_free_ports,
    run,
    runnable,
    same_keys,
    script,
    unlabelled_blocks,
)


def test_field_verification_md_runs_as_printed(tmp_path):
    require_free_ports([8100], "docs/field-verification.md")
    text = doc("field-verification.md")
    page = runnable(text)
    assert {b[0] for b in page} == {"bash"}
    out = run(script(page), tmp_path, timeout=120)

    photo = json.loads(out[2])
    sample = next(code for language, code, _ in blocks(text) if language == "json")
    same_keys(json.loads(sample.replace("…", "")), photo)
    assert photo["exifPosition"] == {"latitude": -6.9192, "longitude": 107.6366}
    assert photo["created"] is True and (photo["width"], photo["height"]) == (1600, 1200)

    visit = json_lines(out[3])[0]["data"]["recordFieldVerification"]
    assert visit["flags"] == [] and 0 < visit["distanceFromPhotoM"] < 200
    assert visit["photo"]["exifPosition"] == photo["exifPosition"]

    special = json_lines(out[4])[0]
    assert "errors" not in special, special
    assert special["data"]["createVerivaliPeriod"]["code"].endswith("-KHUSUS")

    coverage = json_lines(out[5])[0]["data"]["verivaliCoverage"]
    assert coverage["period"]["code"] == visit["period"] and coverage["verified"] == 1
    assert sum(d["verified"] for d in coverage["desas"]) == 1

    console = out[6].splitlines()
    printed = unlabelled_blocks(text)[-1].splitlines()
    assert console[0].startswith(f"verivali {visit['period']} (")
    assert console[1].split() == printed[1].split()
    assert console[-2].split()[:2] == ["total", "1"]
    assert console[-1].startswith("wrote ") and console[-1].endswith(" desas to coverage.csv")
    with (tmp_path / "coverage.csv").open(encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))
    assert ",".join(rows[0]) == "period,desa_code,desa_name,verified,active,percent"
