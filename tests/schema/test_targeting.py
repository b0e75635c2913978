"""schema.targeting: the eligibility data covers every program; rows add up; what the public
is shown; the map labels are translated."""

from __future__ import annotations

from schema.enums import Program
from schema.i18n import Translator, missing_translations
from schema.targeting import combine, desa_rows, eligibility, indicator_names, published_rate

LABELS = ["Exclusion error (desil 1–2 in no program)",
          "Inclusion error (recipients above the eligible desil)",
          "Coverage (recipients in eligible deciles)", "period", "no value", "none",
          "desil (1 = poorest); bars: households",
          "Households by desil — {name} ({code}), period {period}"]


def test_every_program_has_an_eligibility_with_its_source() -> None:
    assert set(eligibility()) == {p.value for p in Program}
    assert all(e.source and 1 <= e.eligible_up_to <= 10 for e in eligibility().values())
    assert "exclusion_error" in indicator_names() and "coverage.PBI_JK" in indicator_names()


def test_rows_add_up_and_rates_come_last() -> None:
    rows = desa_rows(
        [("32.73.01.1001", 1, 4), ("32.73.01.1001", 8, 1), ("32.73.02.1001", 2, 6),
         ("32.73.02.1001", None, 3)],
        [("32.73.01.1001", "PKH", 1, 2), ("32.73.01.1001", "PKH", 8, 1),
         ("32.73.02.1001", "PKH", None, 1)],
        [("32.73.01.1001", 1, 2), ("32.73.02.1001", 2, 6), ("32.73.02.1001", None, 2)])
    [kabkota] = combine(rows, "KABKOTA")
    assert (kabkota.region, kabkota.households, kabkota.no_desil) == ("32.73", 14, 3)
    assert (kabkota.poorest, kabkota.unserved, kabkota.exclusion_rate) == (10, 8, 0.8)
    pkh = kabkota.programs["PKH"]
    assert (pkh.recipients, pkh.inclusion_errors, pkh.recipients_no_desil) == (4, 1, 1)
    assert (pkh.inclusion_rate, pkh.eligible_households, pkh.coverage) == (0.3333, 10, 0.2)
    assert kabkota.programs["BPNT"].coverage == 0.0  # nobody receives it: 0 of 10
    [national] = combine(rows, "NATIONAL")
    assert national.region is None and national.households == 14


def test_the_public_sees_no_count_under_ten() -> None:
    assert published_rate(9, 100) is None and published_rate(10, 9) is None
    assert published_rate(10, 40) == 0.25


def test_map_labels_are_in_indonesian() -> None:
    assert missing_translations("maps", LABELS, "id") == []
    assert Translator("maps")("period") == "periode"
    assert Translator("maps", "en")("period") == "period"
