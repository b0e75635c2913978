"""docs/pockets.md, run as printed (tests/docs/runner.py): the node's and the gateway's
commands in an empty folder. Its two GraphQL queries run as printed in
tests/node/test_household_clusters.py and tests/gateway/test_pockets.py (against apps with
stored pockets)."""

from __future__ import annotations

from tests.docs.runner import doc, run, runnable, script, section


def test_pockets_md_commands_run_as_printed(tmp_path) -> None:
    page = [b for b in runnable(section(doc("pockets.md"), "## Contoh")) if b[0] == "bash"]
    assert len(page) == 2
    out = run(script(page), tmp_path, timeout=600)
    node = out[0].strip().splitlines()
    assert node[-1].startswith("periode / period 2026-S1: ")
    assert node[-1].endswith(", 0 klaster / clusters")  # the poor placed at random
    gateway = out[1].strip().splitlines()
    assert gateway == [
        "periode / period 2026-S1: 0 kab/kota dianalisis / analysed, 0 kantong / pockets",
        "periode / period 2026-S1 (sebelumnya / previous: -): 0 kantong / pockets"]


def test_the_page_names_the_choices() -> None:
    text = doc("pockets.md")
    for choice in ("desil 1–2", "Benjamini–Hochberg", "9.999 permutasi", "kab/kota terdekatnya",
                   "2 desimal", "--min-cluster-size"):
        assert choice in text, choice
