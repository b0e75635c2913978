"""docs/seed.md and docs/import.md, run as printed (tests/docs/runner.py)."""

from __future__ import annotations

import csv
import re
import sqlite3
import subprocess
import sys

from tests.docs.runner import (
    blocks,
    doc,
    environment,
    run,
    runnable,
    script,
    unlabelled_blocks,
)


def _households(path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM household").fetchone()[0])


def test_seed_md_runs_as_printed(tmp_path):
    text = doc("seed.md")
    out = run(script(runnable(text)), tmp_path, timeout=120)
    printed = re.search(r"`(seeded 5,000 households .*), in [\d.]+ s`", text)
    assert printed is not None
    assert f"{printed.group(1)}, in " in out[0]  # the sample line is the real one, bar the time
    assert _households(tmp_path / "node-3273.db") == 5000
    with (tmp_path / "households-3273.csv").open(encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file))
    assert len({row["kk_number"] for row in rows}) == 5000 and len(rows) == 19061


def test_import_md_runs_as_printed(tmp_path):
    text = doc("import.md")
    # the warnings' GraphQL blocks run as printed in tests/node/test_warning_api.py
    out = run(script([b for b in runnable(text) if b[0] != "graphql"]), tmp_path, timeout=120)
    assert (tmp_path / "template.xlsx").is_file()
    refused, skipped = out[0].split("Nothing was stored: ", 1)[1].split("Imported ", 1)
    assert "row,column,severity,reason,message" in refused
    assert "3,alive,error,invalid_choice" in refused
    # the report's line as printed, in Indonesian (the default) then in English (--lang en)
    [indonesian, english] = [code for language, code, _ in blocks(text)
                             if language == "text"][0].splitlines()
    assert refused.index(indonesian) < refused.index(english)
    assert "skipped 1 household with 1 error" in skipped and "exit status 1" in skipped
    assert _households(tmp_path / "bandung.db") == 299
    assert _households(tmp_path / "kota-bandung.db") == 300
    assert "no errors (all-or-nothing mode)" in skipped.splitlines()[-1]
    # the summaries printed as samples have the real summaries' shape
    sample = unlabelled_blocks(text)[1].splitlines()
    assert sample[0].startswith("Imported ") and sample[1].startswith("Nothing was stored: ")
    for line in sample:
        assert line.endswith("households read."), line


def test_import_md_synopsis_names_only_real_options():
    synopsis = unlabelled_blocks(doc("import.md"))[0]
    for command in ("import", "import-template"):
        shown = set(re.findall(r"--[a-z-]+", next(line for line in synopsis.splitlines()
                                                 if f"siks node {command} " in line)
                               + (synopsis.split("\n")[1] if command == "import" else "")))
        helped = subprocess.run([sys.executable, "-m", "siks", "node", command, "--help"],
                                capture_output=True, text=True, env=environment(), check=True)
        assert shown <= set(re.findall(r"--[a-z-]+", helped.stdout)), shown
