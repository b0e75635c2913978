"""Route before scattering: which nodes a query needs.

- no region: every registered node;
- a province (``32``): the registered nodes inside it;
- a kab/kota, kecamatan or desa (``32.73``, ``32.73.01``, ``32.73.01.1001``): the one node of
  that kab/kota, or none (reported as NODE_NOT_REGISTERED) when it has no node.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from schema.regions import RegionLevel, is_within, level_of

KABKOTA_CODE_LENGTH = len("32.73")


@dataclass(frozen=True, slots=True)
class Plan:
    targets: tuple[str, ...]  # registered regions to call
    unregistered: tuple[str, ...] = ()  # regions asked for that no node serves

    @property
    def width(self) -> int:
        return len(self.targets)


def plan_for_region(region: str | None, registered: Collection[str]) -> Plan:
    if region is None:
        return Plan(tuple(sorted(registered)))
    if level_of(region) is RegionLevel.PROVINSI:
        return Plan(tuple(sorted(r for r in registered if is_within(r, region))))
    kabkota = region[:KABKOTA_CODE_LENGTH]
    if kabkota in registered:
        return Plan((kabkota,))
    return Plan((), (kabkota,))
