"""docs/sync.md, run as printed (tests/docs/runner.py), on the demo's ports: two proposals
delivered by the relay, one determined and one returned with `siks gateway decide`, both
decisions pulled by the node; the decide synopsis names only real options."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.docs.runner import (
    doc,
    environment,
    require_free_ports,
    run,
    runnable,
    script,
    unlabelled_blocks,
)


def test_sync_md_runs_as_printed(tmp_path):
    require_free_ports([8099, 8100, 8101, 8102, 8103, 8200, 8201, 8202, 8203],
                       "docs/sync.md (siks demo)")
    page = runnable(doc("sync.md"))
    assert [b[0] for b in page] == ["bash", "bash"]
    out = run(script(page), tmp_path, timeout=400)[1]
    states = re.findall(r"usulan / proposal (\S+): (\w+)", out)
    first, second = states[0][0], states[-1][0]
    assert first != second
    assert states == [(first, "RECEIVED_NATIONAL"), (first, "DETERMINED"),
                      (second, "RECEIVED_NATIONAL"), (second, "RETURNED")]
    decided = re.findall(r"^32\.73: (\w+), decision \S+ signed and queued for the node$", out,
                         flags=re.MULTILINE)
    assert decided == ["determined", "returned"], out
    shown = json.loads(out.strip().splitlines()[-1])["proposal"]
    assert shown["id"] == second and shown["reason"] == "KK tidak ditemukan"


def test_sync_md_decide_synopsis_names_only_real_options():
    synopsis = next(block for block in unlabelled_blocks(doc("sync.md"))
                    if "siks gateway decide determine" in block)
    for command in ("determine", "return"):
        text = synopsis.split(f"siks gateway decide {command}", 1)[1].split("siks gateway", 1)[0]
        helped = subprocess.run([sys.executable, "-m", "siks", "gateway", "decide", command,
                                 "--help"], capture_output=True, text=True, env=environment(),
                                check=True).stdout
        assert set(re.findall(r"--[a-z-]+", text)) <= set(re.findall(r"--[a-z-]+", helped))
