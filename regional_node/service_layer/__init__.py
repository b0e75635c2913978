"""Use cases, each run through a unit of work that writes the audit chain."""
