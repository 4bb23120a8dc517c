"""Gaussian kernel density estimates evaluated in bounded memory (chunked, log-sum-exp).

``log p(q) = logsumexp_j(-|q - p_j|^2 / 2h^2) - log n - d log h - (d/2) log 2 pi``: an isotropic
Gaussian kernel of bandwidth ``h`` on points ``p_1..p_n`` in ``d`` dimensions. On whitened data
(unit covariance) this equals scipy's ``gaussian_kde`` with its default Scott factor when
``h = n ** (-1 / (d + 4))``. Squared distances come from the same tiled matrix products as the
nearest-neighbour search; a running maximum keeps far-away queries finite.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
from threadpoolctl import threadpool_limits

QUERY_CHUNK = 2048
POINT_CHUNK = 4096


def scott_bandwidth(n: int, d: int) -> float:
    """Scott's rule for whitened data: n ** (-1 / (d + 4))."""
    return float(n ** (-1.0 / (d + 4)))


def block_edges(n: int, blocks: int) -> np.ndarray:
    """Boundaries of ``blocks`` runs of consecutive points among ``n`` (as equal as the count allows)."""
    return np.linspace(0, n, blocks + 1).astype(int)


def kde_block_log_sums(query: np.ndarray, points: np.ndarray, bandwidth: float, blocks: int = 1,
                       n_threads: int | None = 1) -> np.ndarray:
    """``log sum_j exp(-|q - p_j|^2 / 2h^2)`` at each ``query`` row over each of ``blocks`` runs of
    consecutive ``points`` (:func:`block_edges`): shape ``(blocks, len(query))``. One block
    gives the whole sum; several give the pieces a delete-a-block jackknife needs, at the same cost."""
    n, d = points.shape
    if n == 0:
        raise ValueError("a kernel density needs at least one point")
    blocks = max(1, min(int(blocks), n))
    P = np.ascontiguousarray(points, dtype=np.float32)
    Q = np.ascontiguousarray(query, dtype=np.float32)
    p2 = np.einsum("ij,ij->i", P, P)
    q2 = np.einsum("ij,ij->i", Q, Q)
    scale = np.float32(-0.5 / bandwidth**2)
    edges = block_edges(n, blocks)
    out = np.empty((blocks, len(Q)))
    limit = threadpool_limits(int(n_threads)) if n_threads else nullcontext()
    with limit:
        for qs in range(0, len(Q), QUERY_CHUNK):
            q = Q[qs : qs + QUERY_CHUNK]
            m = len(q)
            for b in range(blocks):
                run_max = np.full(m, -np.inf)
                run_sum = np.zeros(m)
                for ps in range(edges[b], edges[b + 1], POINT_CHUNK):
                    pe = min(ps + POINT_CHUNK, edges[b + 1])
                    g = q @ P[ps:pe].T  # ab
                    g *= np.float32(-2.0)
                    g += p2[ps:pe]
                    g += q2[qs : qs + m, None]
                    np.maximum(g, 0.0, out=g)  # rounding
                    g *= scale  # log kernel, up to the constant
                    bmax = g.max(axis=1).astype(np.float64)
                    new_max = np.maximum(run_max, bmax)
                    np.subtract(g, new_max[:, None].astype(np.float32), out=g)
                    np.exp(g, out=g)
                    run_sum = run_sum * np.exp(run_max - new_max) + g.sum(axis=1, dtype=np.float64)
                    run_max = new_max
                out[b, qs : qs + m] = run_max + np.log(run_sum)
    return out


def log_density_of_sums(log_sums: np.ndarray, n: int, d: int, bandwidth: float) -> np.ndarray:
    """The KDE's log density from the log kernel sum over its ``n`` points (see the module docstring)."""
    return log_sums - np.log(n) - d * np.log(bandwidth) - 0.5 * d * np.log(2 * np.pi)


def kde_log_density(query: np.ndarray, points: np.ndarray, bandwidth: float,
                    n_threads: int | None = 1) -> np.ndarray:
    """Log density at each ``query`` row of a Gaussian KDE on ``points`` with scalar ``bandwidth``."""
    n, d = points.shape
    return log_density_of_sums(kde_block_log_sums(query, points, bandwidth, 1, n_threads)[0], n, d, bandwidth)
