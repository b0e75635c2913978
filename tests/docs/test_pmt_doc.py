"""docs/pmt.md, run as printed (tests/docs/runner.py), on the port it prints: a seeded node
scored with the shipped model, a model fitted from a synthetic survey and loaded (every score
recomputed, the audit chain intact), and Dinas Sosial's query. The model file it shows is a
valid model."""

from __future__ import annotations

import json

from regional_node.domain.pmt_model import parse_model
from tests.docs.runner import (
    blocks,
    doc,
    json_lines,
    require_free_ports,
    run,
    runnable,
    script,
    section,
    unlabelled_blocks,
)


def test_the_model_file_shown_is_valid() -> None:
    [example] = [code for language, code, _ in blocks(doc("pmt.md")) if language == "json"]
    model = parse_model(example)
    assert model.version == "contoh-2026.1"
    assert model.coefficients_for("32.73.01.1001").intercept == 14.3  # the kab/kota's own
    assert model.coefficients_for("53.71.01.1001").intercept == 13.8  # its province's
    assert model.coefficients_for("35.78.01.1001").intercept == 14.1  # the default


def test_the_page_says_the_default_is_illustrative() -> None:
    text = doc("pmt.md")
    assert "Koefisien model bawaan hanya ilustrasi" in text
    assert "The default model's coefficients are illustrative" in text


def test_pmt_md_runs_as_printed(tmp_path) -> None:
    require_free_ports([8100], "docs/pmt.md")
    text = doc("pmt.md")
    walkthrough = section(text, "## Contoh")
    page = runnable(walkthrough)
    assert [b[0] for b in page] == ["bash", "bash", "bash", "bash", "bash", "graphql"]
    out = run(script(page, graphql=lambda block: ("http://127.0.0.1:8100/graphql", "TOKEN")),
              tmp_path, timeout=300)

    shown = out[0].strip().splitlines()
    assert shown[-4:] == [
        "model PMT / PMT model: ilustrasi-2026.1", shown[-3],
        "  wilayah sendiri / own coefficients: 53", "  skor / scores ilustrasi-2026.1: 500"]
    assert "ilustrasi" in shown[-3] and "Illustrative" in shown[-3]

    [fitted] = unlabelled_blocks(section(text, "### Mengestimasi"))
    assert out[1].strip().splitlines() == fitted.strip().splitlines()
    model = json.loads((tmp_path / "bandung-2026.1.json").read_text(encoding="utf-8"))
    coefficients = model["default"]["coefficients"]
    # the survey's consumption came from the shipped model: the fit finds its coefficients
    # again, within the noise
    assert abs(coefficients["floor_material=EARTH"] - -0.18) < 0.05
    assert abs(coefficients["asset=CAR"] - 0.30) < 0.05
    assert abs(coefficients["log_household_size"] - -0.32) < 0.05

    loaded = out[2].strip().splitlines()
    assert loaded[0] == "model PMT bandung-2026.1 dimuat / loaded"
    assert loaded[1].startswith("skor dihitung ulang / scores recomputed: 500 rumah tangga / "
                                "households, 500 berubah / changed (model bandung-2026.1")
    assert "  skor / scores bandung-2026.1: 500" in loaded
    assert loaded[-1].startswith("audit chain OK: ")

    [answer] = json_lines(out[5])
    assert "errors" not in answer, answer
    assert answer["data"]["pmtModel"] == {
        "version": "bandung-2026.1", "ownCoefficients": [],
        "description": "Kota Bandung, survei contoh / example survey"}
    edges = answer["data"]["households"]["edges"]
    assert len(edges) == 3
    assert all(e["node"]["pmtScore"]["modelVersion"] == "bandung-2026.1"
               and 11 < e["node"]["pmtScore"]["score"] < 17 for e in edges)
