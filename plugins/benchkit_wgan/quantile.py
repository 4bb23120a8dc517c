"""An exactly invertible empirical quantile-to-normal map for one numerical column.

Fast enough for millions of rows (one sort, then ``searchsorted``/``interp``), and it keeps heavy
tails, point masses and several modes: the normal scores follow the empirical CDF, not a fitted
parametric shape.

The map is piecewise linear in CDF space between ``K`` quantile knots ``(p_j, x_j)``. Repeated knot
values (a point mass, e.g. many zero amounts) form a plateau: the forward map sends the value to the
middle of its plateau and the inverse sends the whole plateau back to the value, so point masses stay
exact. Between plateaus both directions use the same linear pieces, so ``inverse(forward(x)) == x`` up
to float rounding for every value within the seen range; values outside it are clipped to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.special import ndtr, ndtri

from .state import array_from_state, array_to_state

TAIL = 1e-4
"""CDF levels run from TAIL to 1 - TAIL, so normal scores stay within about +-3.72."""


@dataclass
class QuantileNormalMap:
    """Knots of the map: ``p`` CDF levels (strictly increasing), ``x`` quantiles (non-decreasing)."""

    p: np.ndarray
    x: np.ndarray
    knots: np.ndarray  # unique values of x
    p_lo: np.ndarray  # first CDF level of each unique knot
    p_hi: np.ndarray  # last CDF level of each unique knot

    @classmethod
    def fit(cls, values: np.ndarray, n_quantiles: int = 1000) -> "QuantileNormalMap":
        """Fit on finite ``values`` (at least one)."""
        v = np.sort(np.asarray(values, dtype=np.float64))
        k = int(max(2, min(n_quantiles, len(v))))
        levels = np.linspace(0.0, 1.0, k)
        x = np.quantile(v, levels)  # x[0] = min, x[-1] = max
        x = np.maximum.accumulate(x)  # guard against rounding making it non-monotone
        p = TAIL + (1.0 - 2.0 * TAIL) * levels
        knots, first = np.unique(x, return_index=True)
        last = np.r_[first[1:] - 1, len(x) - 1]
        return cls(p=p, x=x, knots=knots, p_lo=p[first], p_hi=p[last])

    _ARRAYS: ClassVar[tuple[str, ...]] = ("p", "x", "knots", "p_lo", "p_hi")

    def to_state(self) -> dict[str, Any]:
        """The knots as float64 tensors (plain data for a ``weights_only`` torch file)."""
        return {name: array_to_state(getattr(self, name)) for name in self._ARRAYS}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "QuantileNormalMap":
        """The map :meth:`to_state` describes, exactly."""
        return cls(**{name: array_from_state(state[name]) for name in cls._ARRAYS})

    def forward(self, values: np.ndarray) -> np.ndarray:
        """Values -> standard-normal scores (NaN stays NaN)."""
        x = np.asarray(values, dtype=np.float64)
        out = np.full(x.shape, np.nan)
        ok = np.isfinite(x)
        if len(self.knots) == 1:
            out[ok] = 0.0
            return out
        xv = np.clip(x[ok], self.knots[0], self.knots[-1])
        i = np.clip(np.searchsorted(self.knots, xv, side="right") - 1, 0, len(self.knots) - 2)
        x0, x1 = self.knots[i], self.knots[i + 1]
        t = (xv - x0) / (x1 - x0)
        u = self.p_hi[i] + t * (self.p_lo[i + 1] - self.p_hi[i])
        mid = 0.5 * (self.p_lo + self.p_hi)
        u = np.where(xv == x0, mid[i], u)
        u = np.where(xv == x1, mid[i + 1], u)
        out[ok] = ndtri(u)
        return out

    def inverse(self, scores: np.ndarray) -> np.ndarray:
        """Normal scores -> values within the seen range."""
        z = np.asarray(scores, dtype=np.float64)
        if len(self.knots) == 1:
            return np.full(z.shape, self.knots[0])
        return np.interp(ndtr(z), self.p, self.x)
