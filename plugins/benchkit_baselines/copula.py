"""The ``gaussian_copula`` baseline: empirical marginals joined by a Gaussian copula."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from .base import MarginalGenerator
from .columns import CategoricalColumn, ColumnModel, OrderedColumn

log = logging.getLogger(__name__)

ORDERING_ROWS = 50_000
"""Rows (drawn at random) used to choose the layout of categorical columns."""


class GaussianCopulaGenerator(MarginalGenerator):
    """Empirical marginals plus a Gaussian copula fitted on normal scores.

    Each column is mapped to uniforms (:mod:`.columns`: empirical CDF for numbers and dates,
    frequency-ordered intervals for categories, an extra indicator dimension for partly missing
    numbers and dates; a tied value or a category maps to the midpoint of its step), then to normal
    scores ``z = Phi^-1(u)``. A Gaussian copula can only express
    monotone relations, so the order of a categorical column's intervals matters:
    ``category_order="association"`` (default) lays categories out by their mean score on the first
    principal axis of the whole table (see :func:`order_categories_by_association`), so that
    categories that go with high values of the other columns sit together; ``"frequency"`` keeps
    SDV's most-frequent-first layout. The copula's correlation matrix is
    estimated from pairwise-complete normal scores on at most ``max_correlation_rows`` rows (the
    marginals always use every row) and repaired to the nearest positive-definite correlation matrix.
    Sampling draws ``z ~ N(0, R)`` and maps ``Phi(z)`` back through each column's inverse CDF.
    """

    def __init__(
        self,
        *,
        interpolate_continuous: bool = True,
        max_correlation_rows: int | None = 200_000,
        category_order: str = "association",
        seed: int | None = 0,
    ):
        self.interpolate_continuous = interpolate_continuous
        self.max_correlation_rows = max_correlation_rows
        self.category_order = category_order
        self.seed = seed

    def _fit_dependence(self, data: pd.DataFrame, rng: np.random.Generator) -> None:
        rows = data
        limit = self.max_correlation_rows
        if limit is not None and len(data) > limit:
            rows = data.iloc[np.sort(rng.choice(len(data), size=int(limit), replace=False))]
        if self.category_order == "association":
            few = rows  # an ordering needs far fewer rows than the correlations
            if len(rows) > ORDERING_ROWS:
                few = rows.iloc[np.sort(rng.choice(len(rows), size=ORDERING_ROWS, replace=False))]
            order_categories_by_association(self.models_, few, rng)
        elif self.category_order != "frequency":
            from benchkit.errors import BenchkitError

            raise BenchkitError(
                f"GaussianCopulaGenerator: category_order={self.category_order!r} is not one of 'association', 'frequency'"
            )
        dims = [u for model in self.models_ for u in model.to_uniform(rows[model.name])]
        d = len(dims)
        if d == 0:
            self.correlation_ = np.zeros((0, 0))
            self._chol = np.zeros((0, 0))
            return
        z = ndtri(np.column_stack(dims))
        self.correlation_ = nearest_correlation(pairwise_correlation(z))
        self._chol = np.linalg.cholesky(self.correlation_)
        log.debug("gaussian_copula: %d dimensions from %d columns, correlations on %d rows", d, len(self.models_), len(rows))

    def _uniforms(self, n: int) -> np.ndarray:
        d = self._chol.shape[0]
        z = self._rng.standard_normal((n, d)) @ self._chol.T
        return ndtr(z)


def pairwise_correlation(z: np.ndarray) -> np.ndarray:
    """Pearson correlations of the columns of ``z`` (NaN = missing) on pairwise-complete rows.

    Each column is centred on its own observed mean first (normal scores are nearly centred
    already), so one matrix product gives every pair; a pair with no rows in common gets 0.
    """
    present = np.isfinite(z)
    means = np.where(present, z, 0.0).sum(0) / np.maximum(present.sum(0), 1)
    zf = np.where(present, z - means, 0.0)
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


def order_categories_by_association(
    models: list[ColumnModel], rows: pd.DataFrame, rng: np.random.Generator, iterations: int = 100
) -> None:
    """Lay each categorical column's intervals out along the axis its categories separate best.

    Candidate axes are the table's first principal axis, each numerical column's normal scores and
    each two-valued column; categories are ordered by their mean on the candidate with the largest
    correlation ratio. For the principal axis the table is represented with numbers as standardised normal scores and each categorical
    column as centred one-hot indicators scaled to unit total variance (so every column weighs the
    same, and rare categories do not dominate). The first principal axis is found by power
    iteration without building the one-hot matrix (bincount products), so the cost is
    O(rows x columns) per iteration. Columns with two or fewer categories keep their layout (the order
    of two intervals only flips a correlation's sign).
    """
    n = len(rows)
    numeric, cats = [], []
    for m in models:
        if isinstance(m, OrderedColumn) and m.n_dims:
            z = ndtri(m.to_uniform(rows[m.name])[0])
            z = np.where(np.isfinite(z), z, 0.0)
            sd = z.std()
            if sd > 0:
                numeric.append((z - z.mean()) / sd)
        elif isinstance(m, CategoricalColumn) and len(m.uniques) > 1:
            codes = m.codes(rows[m.name])
            k = len(m.uniques)
            p = np.bincount(codes, minlength=k) / n
            total = 1.0 - float(p @ p)
            if total > 0:
                cats.append((m, codes, p, 1.0 / np.sqrt(total)))
    if not any(len(m.uniques) > 2 for m, *_ in cats):
        return
    zn = np.column_stack(numeric) if numeric else np.zeros((n, 0))
    sizes = [zn.shape[1]] + [len(p) for _, _, p, _ in cats]
    bounds = np.cumsum([0] + sizes)

    def times(v: np.ndarray) -> np.ndarray:  # X @ v
        out = zn @ v[: bounds[1]]
        for i, (_, codes, p, w) in enumerate(cats, start=1):
            vc = v[bounds[i] : bounds[i + 1]]
            out = out + w * (vc[codes] - p @ vc)
        return out

    def times_t(u: np.ndarray) -> np.ndarray:  # X.T @ u
        parts = [zn.T @ u]
        total_u = u.sum()
        for _, codes, p, w in cats:
            parts.append(w * (np.bincount(codes, weights=u, minlength=len(p)) - p * total_u))
        return np.concatenate(parts)

    v = rng.standard_normal(bounds[-1])
    v /= np.linalg.norm(v)
    for _ in range(iterations):
        new = times_t(times(v))
        norm = np.linalg.norm(new)
        if norm == 0:
            return
        new /= norm
        done = np.abs(new @ v) > 1 - 1e-10
        v = new
        if done:
            break
    # Candidate axes: the principal axis, every number's normal scores and every two-valued column.
    # Each categorical column takes the one its categories separate best (largest correlation ratio),
    # e.g. education is laid out along education-num when the two determine each other.
    axes = [times(v)] + list(zn.T) + [(codes == 0).astype(float) for m, codes, p, _ in cats if len(p) == 2]
    for m, codes, p, _ in cats:
        k = len(p)
        if k <= 2:
            continue
        counts = np.maximum(np.bincount(codes, minlength=k), 1)
        best, best_eta = None, -1.0
        for x in axes:
            means = np.bincount(codes, weights=x, minlength=k) / counts
            spread = float(((x - x.mean()) ** 2).sum())
            eta = float(counts @ (means - x.mean()) ** 2) / spread if spread > 0 else 0.0
            if eta > best_eta:
                best, best_eta = means, eta
        m.set_order(np.argsort(best, kind="stable"))
