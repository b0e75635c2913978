"""Infrastructure shared by the regional node and the gateway (never by ``schema``):
database engines, and other plumbing that is not part of the contract."""
