"""Getis-Ord Gi* hot spots of deprivation among kab/kota (docs/pockets.md), with ``esda``.

Each region's value is its deprivation (the share of its households in desil 1–2). Gi*
compares the sum over a region and its neighbours (row-standardised queen weights, the region
itself included) with what a random arrangement of the same values gives: ``permutations``
conditional permutations with a fixed ``seed`` give a pseudo p-value per region (one-sided,
the folded ``p_sim`` of esda). As 514 regions are tested at once, the regions flagged are
those whose p-value passes the Benjamini–Hochberg false discovery rate at ``alpha``
(``esda.fdr``), and only hot spots (z > 0) are pockets: a cold spot is not one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gateway.service_layer.pockets_weights import Contiguity

DEFAULT_ALPHA = 0.05
DEFAULT_PERMUTATIONS = 9999
DEFAULT_SEED = 14
MIN_REGIONS = 3


@dataclass(frozen=True, slots=True)
class RegionTest:
    code: str
    value: float
    neighbourhood_value: float  # mean over the neighbours (the region left out)
    z: float
    p_value: float
    flagged: bool
    nearest_link: bool  # its neighbours include a nearest-regency link (no shared border)


def hot_spots(values: Mapping[str, float], contiguity: Contiguity, *,
              alpha: float = DEFAULT_ALPHA, permutations: int = DEFAULT_PERMUTATIONS,
              seed: int = DEFAULT_SEED) -> list[RegionTest]:
    """Gi* of every region of ``values`` over ``contiguity`` restricted to them; fewer than
    ``MIN_REGIONS`` regions: nothing can be tested, no region is returned."""
    import warnings

    import esda
    import numpy as np
    from libpysal.weights import W

    codes = sorted(c for c in values if c in contiguity.neighbours)
    if len(codes) < MIN_REGIONS:
        return []
    links = contiguity.restricted(set(codes))
    y = np.array([float(values[c]) for c in codes])
    if float(y.std()) == 0.0:  # all equal: no region stands out
        return [RegionTest(c, float(values[c]), float(values[c]), 0.0, 1.0, False,
                           c in links.nearest) for c in codes]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # disconnected components, the inferred self-weight
        weights = W({c: list(links.neighbours[c]) for c in codes}, id_order=codes,
                    silence_warnings=True)
        gi = esda.G_Local(y, weights, transform="R", permutations=permutations, star=True,
                          seed=seed)
    threshold = esda.fdr(gi.p_sim, alpha)
    index = {c: i for i, c in enumerate(codes)}
    return [RegionTest(
        code=c, value=float(y[i]),
        neighbourhood_value=float(np.mean([y[index[n]] for n in links.neighbours[c]])),
        z=float(gi.Zs[i]), p_value=float(gi.p_sim[i]),
        flagged=bool(gi.p_sim[i] <= threshold and gi.Zs[i] > 0),
        nearest_link=c in links.nearest) for i, c in enumerate(codes)]
