"""Identity at the gateway: who logs in here (national and partner staff), the gateway's own
token issuer, and the verification of every request's bearer token (docs/security.md)."""
