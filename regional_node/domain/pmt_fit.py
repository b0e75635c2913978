"""Fitting PMT coefficients: ordinary least squares of log per-capita consumption on the
features of :mod:`regional_node.domain.pmt`, by the normal equations. Pure, standard library.

A PMT has a few dozen features, so ``XᵀX`` is small (p × p) and is accumulated in one pass
over the households; it is solved by Gaussian elimination with partial pivoting. That is
numerically adequate for indicator features and a survey of thousands of households; a
statistics office with collinear or badly scaled data would use a QR-based solver instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from regional_node.domain.pmt import Coefficients
from schema.errors import InvalidInput

# a pivot smaller than this, relative to its column's size, means a feature is a combination
# of the others (and of the intercept)
SINGULAR = 1e-10


@dataclass(frozen=True, slots=True)
class Fit:
    coefficients: Coefficients
    households: int
    left_out: tuple[str, ...]  # features never non-zero in the data: not estimated
    r_squared: float


def fit(samples: Iterable[tuple[Mapping[str, float], float]], names: Sequence[str]) -> Fit:
    """Least squares of ``y`` on ``intercept + names`` over ``(features, y)`` samples."""
    samples = list(samples)
    if len(samples) <= len(names):
        raise InvalidInput(f"data survei terlalu sedikit: {len(samples)} rumah tangga untuk "
                           f"{len(names)} fitur / too little survey data: {len(samples)} "
                           f"households for {len(names)} features", reason="too_few")
    present = {name for found, _ in samples for name, value in found.items() if value}
    used = [name for name in names if name in present]
    left_out = tuple(name for name in names if name not in present)
    columns = ["(intercept)", *used]
    gram, moment = _normal_equations(samples, used)
    solution = solve(gram, moment, columns)
    coefficients = Coefficients(solution[0], dict(zip(used, solution[1:], strict=True)))
    return Fit(coefficients, len(samples), left_out, _r_squared(samples, coefficients))


def _normal_equations(samples: Sequence[tuple[Mapping[str, float], float]],
                      used: Sequence[str]) -> tuple[list[list[float]], list[float]]:
    size = len(used) + 1
    gram = [[0.0] * size for _ in range(size)]
    moment = [0.0] * size
    for found, y in samples:
        row = [1.0, *(found.get(name, 0.0) for name in used)]
        nonzero = [(i, v) for i, v in enumerate(row) if v]
        for i, vi in nonzero:
            moment[i] += vi * y
            line = gram[i]
            for j, vj in nonzero:
                line[j] += vi * vj
    return gram, moment


def solve(matrix: Sequence[Sequence[float]], vector: Sequence[float],
          names: Sequence[str] | None = None) -> list[float]:
    """``x`` with ``matrix · x = vector`` (square), by Gaussian elimination with partial
    pivoting; a singular matrix is refused naming the column (``names``) that depends on the
    others."""
    size = len(vector)
    rows = [[*map(float, matrix[i]), float(vector[i])] for i in range(size)]
    scale = [max(abs(v) for v in row[:size]) or 1.0 for row in rows]
    for k in range(size):
        pivot = max(range(k, size), key=lambda r: abs(rows[r][k]))
        if abs(rows[pivot][k]) <= SINGULAR * scale[k]:
            name = names[k] if names else str(k)
            raise InvalidInput(f"fitur {name} merupakan kombinasi fitur lain (atau konstan) "
                               f"dalam data ini; hapus dari daftar fitur / feature {name} is a "
                               "combination of the others (or constant) in this data; leave it "
                               "out", reason="collinear", field=name)
        rows[k], rows[pivot] = rows[pivot], rows[k]
        for r in range(k + 1, size):
            factor = rows[r][k] / rows[k][k]
            if factor:
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[k], strict=True)]
    solution = [0.0] * size
    for k in reversed(range(size)):
        total = rows[k][size] - sum(rows[k][j] * solution[j] for j in range(k + 1, size))
        solution[k] = total / rows[k][k]
    return solution


def _r_squared(samples: Sequence[tuple[Mapping[str, float], float]],
               coefficients: Coefficients) -> float:
    mean = math.fsum(y for _, y in samples) / len(samples)
    total = math.fsum((y - mean) ** 2 for _, y in samples)
    residual = math.fsum((y - coefficients.predict(found)) ** 2 for found, y in samples)
    return 1.0 - residual / total if total else 1.0
