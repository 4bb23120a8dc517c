"""The ``independent`` baseline: each column drawn from its own empirical marginal."""

from __future__ import annotations


import numpy as np

from .base import MarginalGenerator


class IndependentGenerator(MarginalGenerator):
    """Samples every column independently from its empirical distribution, missing rate included.

    Column shapes match the real data (up to sampling noise) while every relationship between
    columns is lost: the "random" floor a useful generator must beat on pairwise metrics.
    Continuous columns are smoothed by interpolating between order statistics
    (``interpolate_continuous=False`` draws observed values only).
    """

    def __init__(self, *, interpolate_continuous: bool = True, seed: int | None = 0):
        self.interpolate_continuous = interpolate_continuous
        self.seed = seed

    def _uniforms(self, n: int) -> np.ndarray:
        return self._rng.random((n, self.n_dims_))
