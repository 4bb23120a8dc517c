"""The ``gaussian_copula`` baseline: empirical marginals joined by a Gaussian copula."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from .base import MarginalGenerator

log = logging.getLogger(__name__)


class GaussianCopulaGenerator(MarginalGenerator):
    """Empirical marginals plus a Gaussian copula fitted on normal scores.

    Each column is mapped to uniforms (:mod:`.columns`: empirical CDF for numbers and dates,
    frequency-ordered intervals for categories, an extra indicator dimension for partly missing
    numbers and dates), then to normal scores ``z = Phi^-1(u)``. The copula's correlation matrix is
    estimated from pairwise-complete normal scores on at most ``max_correlation_rows`` rows (the
    marginals always use every row) and repaired to the nearest positive-definite correlation matrix.
    Sampling draws ``z ~ N(0, R)`` and maps ``Phi(z)`` back through each column's inverse CDF.
    """

    def __init__(
        self,
        *,
        interpolate_continuous: bool = True,
        max_correlation_rows: int | None = 200_000,
        seed: int | None = 0,
    ):
        self.interpolate_continuous = interpolate_continuous
        self.max_correlation_rows = max_correlation_rows
        self.seed = seed

    @classmethod
    def test_params(cls) -> dict[str, Any]:
        """Settings for the conformance checks (the defaults are already cheap)."""
        return {}

    def _fit_dependence(self, data: pd.DataFrame, rng: np.random.Generator) -> None:
        rows = data
        limit = self.max_correlation_rows
        if limit is not None and len(data) > limit:
            rows = data.iloc[np.sort(rng.choice(len(data), size=int(limit), replace=False))]
        dims = [u for model in self.models_ for u in model.to_uniform(rows[model.name], rng)]
        d = len(dims)
        if d == 0:
            self.correlation_ = np.zeros((0, 0))
            self._chol = np.zeros((0, 0))
            return
        z = ndtri(np.column_stack(dims))
        self.correlation_ = nearest_correlation(pairwise_correlation(z))
        self._chol = np.linalg.cholesky(self.correlation_)

    def _uniforms(self, n: int) -> np.ndarray:
        d = self._chol.shape[0]
        z = self._rng.standard_normal((n, d)) @ self._chol.T
        return ndtr(z)


def pairwise_correlation(z: np.ndarray) -> np.ndarray:
    """Correlations of the columns of ``z`` (NaN = missing) on pairwise-complete rows.

    Normal scores have mean 0 by construction, so the products are taken about 0; a pair with
    no rows in common gets correlation 0.
    """
    present = np.isfinite(z)
    zf = np.where(present, z, 0.0)
    cross = zf.T @ zf
    sq = (zf * zf).T @ present.astype(float)  # sq[i, j] = sum of z_i^2 over rows where j is present
    denom = np.sqrt(sq * sq.T)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(denom > 0, cross / denom, 0.0)
    np.fill_diagonal(corr, 1.0)
    return np.clip(corr, -1.0, 1.0)


def nearest_correlation(corr: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """A positive-definite correlation matrix close to ``corr`` (eigenvalues clipped at ``floor``)."""
    corr = (corr + corr.T) / 2
    vals, vecs = np.linalg.eigh(corr)
    if vals.min() >= floor:
        return corr
    fixed = (vecs * np.maximum(vals, floor)) @ vecs.T
    scale = np.sqrt(np.diag(fixed))
    fixed = fixed / np.outer(scale, scale)
    np.fill_diagonal(fixed, 1.0)
    return fixed
