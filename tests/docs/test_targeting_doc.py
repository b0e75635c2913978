"""docs/targeting.md, run as printed (tests/docs/runner.py), on the demo's ports: 2026-S1
recorded, the choropleth and the desil plot drawn from the gateway's shell; the node's
indicators as Dinas Sosial, the gateway's per province compared with the recorded period as
Kemensos, the public's kab/kota rows and the GeoJSON; the files read back."""

from __future__ import annotations

import json
import re

from PIL import Image

from tests.docs.runner import doc, json_lines, require_free_ports, run, runnable, script


def test_targeting_md_runs_as_printed(tmp_path):
    require_free_ports([8099, 8100, 8101, 8102, 8103, 8200, 8201, 8202, 8203],
                       "docs/targeting.md (siks demo)")
    page = runnable(doc("targeting.md"))
    assert [b[0] for b in page] == ["bash", "bash", "bash"]
    out = run(script(page), tmp_path, timeout=400)
    shell, api = out[1], out[2]
    assert "recorded for 3 kab/kota: 32.73, 35.78, 53.71" in shell
    assert "peta.png: exclusion_error, 3 kab/kota" in shell and "LEFT OUT" not in shell
    plotted = re.search(r"desil.png: 32.73 Kota Bandung, (\d+) rumah tangga / households",
                        shell)
    assert plotted is not None, shell
    assert Image.open(tmp_path / "peta.png").size == (1200, 800)
    assert Image.open(tmp_path / "desil.png").size == (900, 500)

    node, gateway, public = json_lines(api)
    kecamatan = node["targetingIndicators"]
    assert kecamatan and all(r["regionCode"].startswith("32.73.") for r in kecamatan)
    # the ACTIVE households of the 30 generated (the plot counts the same ones)
    assert sum(r["households"] for r in kecamatan) == int(plotted.group(1)) > 20
    provinces = {r["regionCode"]: r for r in gateway["targetingIndicators"]}
    assert set(provinces) == {"32", "35", "53"}
    for row in provinces.values():
        for program in row["programs"]:  # no 2026-S2 memberships: all of S1's coverage lost
            assert program["coverage"] in (0.0, None)
            assert program["coverageChange"] is None or program["coverageChange"] <= 0
    rows = public["data"]["targetingIndicators"]
    assert {r["regionCode"] for r in rows} == {"32.73", "35.78", "53.71"}
    # ~30 households per kab/kota spread over ten desil: the public sees only cells of 10 or
    # more, and a total is the sum of what it was shown (so mostly null here)
    for row in rows:
        assert row["households"] is None or row["households"] >= 10
        assert row["exclusionErrors"] is None or row["exclusionErrors"] >= 10
    geojson = json.loads((tmp_path / "peta.geojson").read_text("utf-8"))
    assert {f["properties"]["code"] for f in geojson["features"]} == {"32.73", "35.78",
                                                                      "53.71"}
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in geojson["features"])
