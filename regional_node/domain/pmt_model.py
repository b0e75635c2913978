"""A PMT model file: read, validate and write. Pure.

A model file is JSON::

    {"format": "siks-pmt/1", "version": "ilustrasi-2026.1", "description": "...",
     "default": {"intercept": 13.6, "coefficients": {"floor_material=EARTH": -0.15, ...}},
     "regions": {"53": {...}, "32.73": {...}}}

``regions`` (optional) holds coefficients of a province or kab/kota, in the shape of
``default``. A bad file is refused with one line naming the entry and the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from regional_node.domain.pmt import KNOWN_FEATURES, Coefficients, PmtModel
from regional_node.errors import InvalidModel
from schema.regions import RegionLevel, regions

FORMAT = "siks-pmt/1"
MAX_VERSION = 64
_TOP = frozenset({"format", "version", "description", "default", "regions"})
_ENTRY = frozenset({"intercept", "coefficients"})


def parse_model(text: str) -> PmtModel:
    """The model a file's text holds, or :class:`InvalidModel`."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InvalidModel("file", "", f"bukan JSON yang sah ({exc})",
                           f"not valid JSON ({exc})") from exc
    return model_from_document(document)


def model_from_document(document: Any) -> PmtModel:
    if not isinstance(document, dict):
        raise InvalidModel("file", "", "harus berupa objek JSON", "must be a JSON object")
    for key in sorted(set(document) - _TOP):
        raise InvalidModel("file", key, "kunci tidak dikenal", "unknown key")
    if document.get("format") != FORMAT:
        raise InvalidModel("file", "format", f'harus "{FORMAT}"', f'must be "{FORMAT}"')
    version = document.get("version")
    if not isinstance(version, str) or not version.strip() or len(version) > MAX_VERSION \
            or version != version.strip():
        raise InvalidModel("file", "version", f"teks 1–{MAX_VERSION} karakter tanpa spasi tepi",
                           f"text of 1–{MAX_VERSION} characters, no edge spaces")
    description = document.get("description", "")
    if not isinstance(description, str):
        raise InvalidModel("file", "description", "harus teks", "must be text")
    if "default" not in document:
        raise InvalidModel("default", "", "wajib ada", "is required")
    by_region = document.get("regions", {})
    if not isinstance(by_region, dict):
        raise InvalidModel("regions", "", "harus berupa objek", "must be an object")
    return PmtModel(version, description, _coefficients("default", document["default"]),
                    {code: _coefficients(f'regions["{code}"]', entry, code)
                     for code, entry in by_region.items()})


def _coefficients(entry: str, value: Any, region: str | None = None) -> Coefficients:
    if region is not None:
        _check_region(entry, region)
    if not isinstance(value, dict):
        raise InvalidModel(entry, "", "harus berupa objek", "must be an object")
    for key in sorted(set(value) - _ENTRY):
        raise InvalidModel(entry, key, "kunci tidak dikenal", "unknown key")
    intercept = _finite(value.get("intercept"))
    if intercept is None:
        raise InvalidModel(entry, "intercept", "harus angka", "must be a finite number")
    weights = value.get("coefficients", {})
    if not isinstance(weights, dict):
        raise InvalidModel(entry, "coefficients", "harus berupa objek", "must be an object")
    for name, weight in weights.items():
        field = f'coefficients["{name}"]'
        if name not in KNOWN_FEATURES:
            raise InvalidModel(entry, field, "fitur tidak dikenal (lihat docs/pmt.md)",
                               "unknown feature (see docs/pmt.md)")
        if _finite(weight) is None:
            raise InvalidModel(entry, field, "harus angka", "must be a finite number")
    return Coefficients(intercept, {name: float(w) for name, w in weights.items()})


def _check_region(entry: str, code: str) -> None:
    found = regions().get(code)
    if found is None or found.level not in (RegionLevel.PROVINSI, RegionLevel.KABKOTA):
        raise InvalidModel(entry, "", "bukan kode provinsi atau kab/kota Kemendagri",
                           "not a Kemendagri province or kab/kota code")


def _finite(value: Any) -> float | None:
    """``value`` as a float if it is a finite JSON number, else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def model_document(model: PmtModel) -> dict[str, Any]:
    """The JSON document of ``model`` (what a model file holds)."""
    document: dict[str, Any] = {"format": FORMAT, "version": model.version,
                                "description": model.description,
                                "default": _entry(model.default)}
    if model.regions:
        document["regions"] = {code: _entry(c) for code, c in model.regions.items()}
    return document


def _entry(coefficients: Coefficients) -> dict[str, Any]:
    return {"intercept": coefficients.intercept, "coefficients": dict(coefficients.weights)}


def model_text(model: PmtModel) -> str:
    return json.dumps(model_document(model), indent=2, ensure_ascii=False) + "\n"


def describe(model: PmtModel) -> Mapping[str, Any]:
    return {"version": model.version, "regions": sorted(model.regions),
            "features": len(model.default.weights)}
