"""docs/pki.md, run as printed (tests/docs/runner.py): the CA's commands, a region's request,
signature and installation, the Python API; the envelope it prints has the keys of a real one."""

from __future__ import annotations

import base64
import json

from certs import CertificateStore, RevocationReason
from tests.docs.runner import blocks, doc, run, runnable, same_keys, script


def test_pki_md_runs_as_printed(tmp_path):
    text = doc("pki.md")
    page = runnable(text)
    assert [b[0] for b in page] == ["sh", "sh", "python", "python"]
    out = run(script(page), tmp_path, timeout=150)

    assert not (tmp_path / "certs").exists()  # SIKS_PKI_DIR=pki, not ./certs/dev
    crl = CertificateStore.load(tmp_path / "pki").crl
    # the retired signing key, then every 32.73 and gateway leaf
    assert crl is not None and len(list(crl)) == 6
    assert "development PKI ready in dev-pki" in out[0]
    assert "send these requests to the national CA" in out[1]
    assert out[1].count("installed ") == 4  # two certificates, the CRL twice
    listed = out[1].strip().splitlines()[-2:]
    assert [line.split()[:3] for line in listed] == [["32.77", "signing", "current"],
                                                     ["32.77", "tls", "current"]]
    python = CertificateStore.load(tmp_path / "pki-python").crl
    assert python is not None and {RevocationReason.KEY_COMPROMISE.name} <= {
        str(e.extensions[0].value.reason.name).upper() for e in python if e.extensions}

    envelope_line, verified = out[3].strip().splitlines()
    envelope = json.loads(envelope_line)
    sample, protected = (json.loads(code) for language, code, _ in blocks(text)
                         if language == "json")
    same_keys(sample, envelope)
    head = envelope["signature"].split(".")[0]
    decoded = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    assert set(decoded) - {"x5c"} == set(protected) and "x5c" in decoded
    signer, kid, digest = verified.split()
    assert signer == "32.73" and kid == decoded["kid"] and len(digest) == 64
