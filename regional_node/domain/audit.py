"""The node's audit chain: the pure hash-chain code lives in :mod:`schema.audit_chain`, shared
with the gateway's audit log; this module keeps the node's import path."""

from schema.audit_chain import (
    GENESIS,
    Actor,
    AuditFields,
    ChainBreak,
    StoredEntry,
    canonical_json,
    digest,
    entry_hash,
    timestamp,
    verify_chain,
)

__all__ = ["GENESIS", "Actor", "AuditFields", "ChainBreak", "StoredEntry", "canonical_json",
           "digest", "entry_hash", "timestamp", "verify_chain"]
