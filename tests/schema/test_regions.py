"""Region codes: the full Kemendagri table ships and answers lookups."""

from __future__ import annotations

import pytest

from schema.errors import InvalidRegionCode
from schema.regions import RegionLevel, is_within, level_of, parent_code, regions


def test_every_code_of_the_decree_is_shipped():
    directory = regions()
    assert len(directory) == 91_599
    counts = {level: sum(1 for _ in directory.all(level)) for level in RegionLevel}
    assert counts == {RegionLevel.PROVINSI: 38, RegionLevel.KABKOTA: 514,
                      RegionLevel.KECAMATAN: 7_285, RegionLevel.DESA: 83_762}


def test_lookups():
    directory = regions()
    bandung = directory.require("32.73", level=RegionLevel.KABKOTA)
    assert bandung.name == "Kota Bandung" and bandung.parent_code == "32"
    assert directory.get("32").name == "Jawa Barat"
    assert len(directory.children("32.73")) == 30
    assert all(r.code.startswith("32.73.") for r in directory.children("32.73"))
    desa = list(directory.descendants("32.73", RegionLevel.DESA))
    assert len(desa) == 151 and all(d.level is RegionLevel.DESA for d in desa)
    assert directory.population("32.73")[2] > 2_000_000


def test_containment_is_by_whole_segments():
    assert is_within("32.73.01.1001", "32.73")
    assert is_within("32.73", "32.73")
    assert not is_within("32.73", "32.7")
    assert not is_within("32.7301", "32.73")
    assert parent_code("32.73.01") == "32.73" and parent_code("32") is None
    assert level_of("32.73.01.1001") is RegionLevel.DESA


@pytest.mark.parametrize(("code", "reason"), [
    ("3273", "malformed"), ("32.7", "malformed"), ("", "malformed"), ("32.73.01.100", "malformed"),
    ("99", "unknown"), ("32.73.99", "unknown"),
])
def test_bad_codes_say_why(code, reason):
    with pytest.raises(InvalidRegionCode) as caught:
        regions().require(code)
    assert caught.value.reason == reason and caught.value.code == "INVALID_REGION"


def test_wrong_level_is_refused():
    with pytest.raises(InvalidRegionCode, match="is a kecamatan, expected a kabkota") as caught:
        regions().require("32.73.01", level=RegionLevel.KABKOTA)
    assert caught.value.reason == "wrong_level"
