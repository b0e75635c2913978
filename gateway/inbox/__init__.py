"""The gateway's side of the sync with the nodes (docs/sync.md): the inbox of signed
submissions, the national store they fill, decisions sent back down, audit-chain checkpoints,
and the gateway's own audit log. Served on a separate listener that requires mutual TLS."""
