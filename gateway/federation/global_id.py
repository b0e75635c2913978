"""Global ids: a node's local id qualified with its region, ``32.73:123``."""

from __future__ import annotations

from schema.errors import InvalidInput
from schema.ids import is_record_id
from schema.regions import RegionLevel, level_of


def qualify(region: str, local_id: str | int) -> str:
    return f"{region}:{local_id}"


def split(global_id: str) -> tuple[str, str]:
    """``32.73:123`` → (``32.73``, ``123``); InvalidInput for anything else."""
    region, sep, local = str(global_id).partition(":")
    try:
        well_formed = bool(sep) and is_record_id(local) and level_of(region) is RegionLevel.KABKOTA
    except InvalidInput:
        well_formed = False
    if not well_formed:
        raise InvalidInput(f"{global_id!r} is not a gateway id (expected e.g. 32.73:123)",
                           reason="malformed", field="id")
    return region, local
