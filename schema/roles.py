"""Who is asking: a role and a region scope. Shared by node and gateway.

Scopes nest: desa ⊂ kecamatan ⊂ kab/kota ⊂ national. A PENDAMPING may be scoped to a
kecamatan or to assigned families; MITRA (a partner ministry) is scoped to its programs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from schema.regions import is_within


class Role(StrEnum):
    OPERATOR_DESA = "OPERATOR_DESA"
    PENDAMPING = "PENDAMPING"
    DINSOS = "DINSOS"
    KEMENSOS = "KEMENSOS"
    MITRA = "MITRA"
    PUBLIC = "PUBLIC"
    SYSTEM = "SYSTEM"  # jobs of the node itself (seeding, relays), never a person


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    role: Role
    region: str | None = None  # None: national
    programs: tuple[str, ...] = ()  # MITRA: the partner's programs
    household_ids: tuple[int, ...] = field(default=())  # PENDAMPING: assigned families
    permissions: tuple[str, ...] = field(default=())  # KEMENSOS: "decide" (national decisions)

    def covers(self, region_code: str) -> bool:
        """Whether a row in ``region_code`` lies inside this principal's scope."""
        return self.region is None or is_within(region_code, self.region)


ANONYMOUS = Principal(user_id="anonymous", role=Role.PUBLIC)
