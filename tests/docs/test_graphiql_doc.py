"""docs/graphiql.md: updating the vendored GraphiQL, run as printed (tests/docs/runner.py) on a
copy of the assets. The one thing replaced is the npm registry, which a test must not reach:
`npm pack` is a stand-in on PATH that hands out tarballs laid out as npm's, made from the
vendored files. The procedure must rebuild the vendored tree byte for byte, step 1's `grep`
must show strawberry pinning the vendored versions, and step 4's `openssl` digests must be the
pinned ones."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from schema.graphiql import ASSETS_DIR, VENDORED
from tests.docs.runner import doc, environment, runnable

# what each tarball holds (its path under package/), from the vendored files; the explorer
# plugin's tarball has no LICENSE, graphiql-explorer's gives the plugin's second licence
TARBALLS = {
    "react-18.2.0": {"umd/react.production.min.js": "react-18.2.0/react.production.min.js",
                     "LICENSE": "react-18.2.0/LICENSE"},
    "react-dom-18.2.0": {
        "umd/react-dom.production.min.js": "react-dom-18.2.0/react-dom.production.min.js",
        "LICENSE": "react-dom-18.2.0/LICENSE"},
    "graphiql-3.8.3": {name: f"graphiql-3.8.3/{name}"
                       for name in ("graphiql.min.js", "graphiql.min.css", "LICENSE")},
    "graphiql-plugin-explorer-1.0.2": {
        f"dist/{name}": f"graphiql-plugin-explorer-1.0.2/{name}"
        for name in ("index.umd.js", "style.css")},
    "graphiql-explorer-0.9.0": {
        "LICENSE": "graphiql-plugin-explorer-1.0.2/LICENSE.graphiql-explorer"},
}
FAKE_NPM = """#!/bin/sh
# npm pack NAME@VERSION...: the registry's tarballs, from $FAKE_REGISTRY
[ "$1" = pack ] || exit 2
shift
for spec in "$@"; do
  name=$(echo "${spec%@*}" | sed 's/^@//; s#/#-#')
  cp "$FAKE_REGISTRY/$name-${spec##*@}.tgz" . || exit 1
done
"""


def _registry(directory: Path) -> None:
    directory.mkdir()
    for tarball, files in TARBALLS.items():
        with tarfile.open(directory / f"{tarball}.tgz", "w:gz") as archive:
            for inside, vendored in files.items():
                data = (ASSETS_DIR / vendored).read_bytes()
                entry = tarfile.TarInfo(f"package/{inside}")
                entry.size = len(data)
                archive.addfile(entry, io.BytesIO(data))


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_graphiql_md_update_procedure_runs_as_printed(tmp_path):
    text = doc("graphiql.md")
    steps = runnable(text)
    assert [language for language, _, _ in steps] == ["sh", "sh"]
    repo = tmp_path / "repo"
    shutil.copytree(ASSETS_DIR, repo / "schema" / "graphiql" / "assets")
    _registry(tmp_path / "registry")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "npm").write_text(FAKE_NPM)
    (tmp_path / "bin" / "npm").chmod(0o755)
    env = environment()
    env["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{env['PATH']}"
    env["FAKE_REGISTRY"] = str(tmp_path / "registry")
    env["TMPDIR"] = str(tmp_path)  # where mktemp makes the scratch directory
    script = "set -euo pipefail\n" + "".join(code for _, code, _ in steps)
    done = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert _tree(repo / "schema" / "graphiql" / "assets") == _tree(ASSETS_DIR)

    # step 1: strawberry's page pins the versions that are vendored
    grep = re.search(r"\(`(grep unpkg \$\(python -c .*?\)/static/graphiql\.html)`\)", text)
    assert grep is not None
    pinned = subprocess.run(["bash", "-c", grep.group(1)], env=environment(),
                            capture_output=True, text=True, check=True).stdout
    for package in VENDORED:
        assert f"{package.npm_name}@{package.version}" in pinned, package

    # step 4: the digest command gives the pinned values
    digest = re.search(r"\(`(openssl dgst -sha384 -binary FILE \| openssl base64 -A)`", text)
    assert digest is not None
    for package in VENDORED:
        for name, pinned_digest in package.files:
            command = digest.group(1).replace("FILE", str(ASSETS_DIR / package.directory / name))
            made = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                                  check=True).stdout
            assert f"sha384-{made}" == pinned_digest, name
