"""The recorded periods in the gateway's store (``targeting_snapshot``) on SQLite and
PostgreSQL: desa rows kept as written, a kab/kota recorded again replaced, a region read."""

from __future__ import annotations

from gateway.service_layer.targeting import recorded_periods, store_rows, stored_rows
from schema.targeting import combine, desa_rows


def rows(extra: int = 0):  # type: ignore[no-untyped-def]
    return desa_rows([("32.73.01.1001", 1, 12 + extra), ("32.73.02.1001", None, 3)],
                     [("32.73.01.1001", "PKH", 1, 5)], [("32.73.01.1001", 1, 7 + extra)])


async def test_a_period_is_kept_and_replaced_per_kabkota(gateway_database) -> None:  # type: ignore[no-untyped-def]
    await store_rows(gateway_database, "2026-S1", {"32.73": rows()})
    await store_rows(gateway_database, "2026-S2", {"32.73": rows(extra=2)})
    await store_rows(gateway_database, "2026-S1", {"32.73": rows(extra=1)})  # again: replaced
    assert await recorded_periods(gateway_database) == ["2026-S1", "2026-S2"]
    [kabkota] = combine(await stored_rows(gateway_database, "2026-S1", None), "KABKOTA")
    assert (kabkota.households, kabkota.no_desil, kabkota.unserved) == (16, 3, 8)
    assert kabkota.programs["PKH"].coverage == round(5 / 13, 4)
    assert [r.region for r in await stored_rows(gateway_database, "2026-S1", "32.73.02")] == [
        "32.73.02.1001"]
    assert len(await stored_rows(gateway_database, "2026-S1", "32")) == 2
    assert await stored_rows(gateway_database, "2026-S1", "35") == []
    assert await stored_rows(gateway_database, "2027-S1", None) == []
