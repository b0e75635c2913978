"""The federation benchmark's cache resumes an interrupted build only for the identity it was
started for: a build interrupted at one node migration head and resumed at another started
over, instead of seeding every node from the old head's template (seen: nodes at 0009 under a
manifest saying 0010, and a node answering "no such column")."""

from __future__ import annotations

import json
from pathlib import Path

from bench.federation_data import CachePaths, is_stale

OLD = {"version": 1, "households": 300, "node_head": "0009"}
NEW = {**OLD, "node_head": "0010"}


def test_an_interrupted_build_for_another_identity_is_stale(tmp_path: Path) -> None:
    paths = CachePaths(tmp_path)
    assert not is_stale(paths, NEW)  # nothing there yet
    paths.template.write_bytes(b"")  # what an interrupted build leaves: no manifest
    paths.building.write_text(json.dumps(OLD))
    assert is_stale(paths, NEW)
    assert not is_stale(paths, OLD)  # the same build, resumed


def test_a_finished_cache_for_another_identity_is_stale(tmp_path: Path) -> None:
    paths = CachePaths(tmp_path)
    paths.manifest.write_text(json.dumps({"identity": OLD, "postgres_db": "x", "seconds": {},
                                          "households": 300, "members": 1, "programs": 1}))
    assert is_stale(paths, NEW)
    assert not is_stale(paths, OLD)
