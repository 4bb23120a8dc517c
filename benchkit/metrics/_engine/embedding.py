"""A fixed low-dimensional embedding of mixed-type rows: the mixed encoding, then whitened PCA.

Rows are encoded with :class:`~benchkit.metrics._engine.mixed_encoding.MixedEncoder` (ranks for numbers,
scaled one-hot for categories) and projected on the leading principal components of a reference
frame, each divided by its standard deviation. Euclidean distance in this space is the Mahalanobis
distance of the encoded rows under the reference covariance: rows that break the reference's
correlations (e.g. independently sampled columns) land far from the centre, which a plain
per-column encoding cannot show. Used by the density-ratio membership attack and by
alpha-precision / beta-recall / authenticity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ...schema import Schema
from .mixed_encoding import MixedEncoder

MIN_EIGEN_SHARE = 1e-6  # components below this share of the largest variance are dropped (rank deficiency)


class WhitenedEmbedding:
    """Mixed encoding + whitened PCA fitted on a reference frame; ``dims`` components at most.

    ``variance`` keeps the fewest leading components explaining that share of the encoded variance
    (capped by ``dims``); 1.0 keeps ``dims``.
    """

    def __init__(self, schema: Schema, columns: list[str] | None = None, dims: int = 16,
                 variance: float = 1.0, max_categories: int = 20):
        self.encoder = MixedEncoder(schema, columns, max_categories=max_categories)
        self.dims = int(dims)
        self.variance = float(variance)
        self.mean_: np.ndarray | None = None
        self.components_: np.ndarray | None = None

    def fit(self, ref: pd.DataFrame) -> "WhitenedEmbedding":
        """Learn the encoding, the centre and the whitened principal axes from ``ref``."""
        x = self.encoder.fit_transform(ref).astype(np.float64)
        self.mean_ = x.mean(axis=0)
        x -= self.mean_
        cov = (x.T @ x) / max(len(x) - 1, 1)
        eig, vec = np.linalg.eigh(cov)
        order = np.argsort(eig)[::-1]
        eig, vec = eig[order], vec[:, order]
        if len(eig) == 0 or eig[0] <= 0:
            raise DataError("cannot embed: every encoded column is constant in the reference rows")
        keep = eig > eig[0] * MIN_EIGEN_SHARE
        k = min(self.dims, int(keep.sum()))
        if self.variance < 1.0:
            share = np.cumsum(eig[keep]) / eig[keep].sum()
            k = min(k, int(np.searchsorted(share, self.variance) + 1))
        self.components_ = vec[:, :k] / np.sqrt(eig[:k])
        return self

    @property
    def width(self) -> int:
        return 0 if self.components_ is None else self.components_.shape[1]

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """Embed ``df`` as a float32 array of shape (rows, width)."""
        x = self.encoder.transform(df).astype(np.float64) - self.mean_
        return np.ascontiguousarray(x @ self.components_, dtype=np.float32)
