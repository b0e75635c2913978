"""Whether a principal may act on this node at all, for the mutations that touch no one row
(an upload, a verivali period): the row checks (``domain.proposals.covers``) cannot apply.

* :func:`require_overlap`: the principal's scope and the node's kab/kota share rows (an
  operator of a desa of this node, a pendamping assigned to families anywhere, Dinas Sosial of
  the kab/kota or its province). An operator or pendamping of another kab/kota may not store
  files here.
* :func:`require_whole_node`: the principal's scope holds the whole kab/kota (Dinas Sosial of
  it or of its province, national staff), for settings of the whole node such as a period.

Both refuse with ``OUT_OF_SCOPE``.
"""

from __future__ import annotations

from regional_node.errors import OutOfScope
from schema.regions import is_within
from schema.roles import Principal
from schema.scope import window


def require_overlap(principal: Principal, node_region: str, action: str) -> None:
    if window(principal, node_region).nothing:
        raise OutOfScope(f"{principal.user_id} ({principal.region}) may not {action} on the "
                         f"node of {node_region}: it is outside your scope")


def require_whole_node(principal: Principal, node_region: str, action: str) -> None:
    if principal.region is not None and not is_within(node_region, principal.region):
        raise OutOfScope(f"{principal.user_id} ({principal.region}) may not {action} for "
                         f"{node_region}: only staff whose scope holds the whole kab/kota may")
