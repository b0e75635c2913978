"""Poverty pockets (issue 14, docs/pockets.md): what "poor" means and why a pocket was
flagged, in Indonesian first and English too (catalogue ``pockets``)."""

from __future__ import annotations

from dataclasses import dataclass

from schema.i18n import Translator

POOR_DESIL = (1, 2)  # a household in desil 1–2 is poor for the pockets

NATIONAL_REASON = (
    "{share}% of households are in desil 1–2 ({poor} of {households}) and {around}% on "
    "average in the neighbouring kab/kota: a hot spot (Getis-Ord Gi* z = {z}, pseudo "
    "p = {p} over {permutations} permutations, within a false discovery rate of {alpha})")
NEAREST_LINK = ("It shares no border with another kab/kota in the analysis: its nearest one "
                "counts as its neighbour.")
CLUSTER_REASON = (
    "{size} poor households (desil 1–2) lie close together (HDBSCAN); among the {households} "
    "households in the area they cover {share}% are poor against {overall}% in the kab/kota "
    "(p = {p} against {permutations} random placements of the poor households, at most "
    "{alpha})")
MESSAGES = (NATIONAL_REASON, NEAREST_LINK, CLUSTER_REASON)


@dataclass(frozen=True, slots=True)
class Reason:
    id: str  # Bahasa Indonesia
    en: str


def reason(msgid: str, **params: object) -> Reason:
    return Reason(Translator("pockets", "id")(msgid, **params),
                  Translator("pockets", "en")(msgid, **params))


def joined(*reasons: Reason) -> Reason:
    return Reason(" ".join(r.id for r in reasons), " ".join(r.en for r in reasons))


def percent(share: float) -> str:
    return f"{100 * share:.1f}"
