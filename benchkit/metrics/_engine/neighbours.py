"""Exact nearest-neighbour distances between two encoded tables, in bounded memory.

Squared Euclidean distances come from chunked matrix products, ``|a-b|^2 = |a|^2 + |b|^2 - 2ab``, in
float32 (the product runs in the BLAS numpy links, limited to ``n_threads``; the row minima are
vectorised numpy). Queries and references are both tiled, so the working set is one ``query_chunk x ref_chunk`` block (32 MiB at
the defaults) whatever the table sizes: 100,000 x 100,000 rows never materialise a full matrix.
Only the two smallest distances per query are kept (enough for DCR and NNDR).
"""

from __future__ import annotations

import logging
from contextlib import nullcontext

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

log = logging.getLogger(__name__)

QUERY_CHUNK = 4096
REF_CHUNK = 2048


def two_nearest(
    query: np.ndarray,
    ref: np.ndarray,
    query_chunk: int = QUERY_CHUNK,
    ref_chunk: int = REF_CHUNK,
    n_threads: int | None = 2,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distances to the nearest and second-nearest ``ref`` row for each ``query`` row.

    Returns ``(d1, d2, i1)``: Euclidean distances (float64, clipped at 0 against rounding) and the
    index of the nearest reference row. With a single reference row ``d2`` is ``inf``.
    """
    if query.ndim != 2 or ref.ndim != 2 or query.shape[1] != ref.shape[1]:
        raise ValueError(f"query {query.shape} and reference {ref.shape} must be 2-D with equal widths")
    n_q, n_r = len(query), len(ref)
    d1 = np.full(n_q, np.inf)
    d2 = np.full(n_q, np.inf)
    i1 = np.full(n_q, -1, dtype=np.int64)
    if n_q == 0 or n_r == 0:
        return d1, d2, i1
    R = np.ascontiguousarray(ref, dtype=np.float32)
    Q = np.ascontiguousarray(query, dtype=np.float32)
    r2 = np.einsum("ij,ij->i", R, R)
    q2 = np.einsum("ij,ij->i", Q, Q)
    limit = threadpool_limits(int(n_threads)) if n_threads else nullcontext()
    with limit:
        chunks = range(0, n_q, query_chunk)
        for qs in tqdm(chunks, disable=not progress, desc="nearest neighbours", unit="chunk"):
            q = Q[qs : qs + query_chunk] * np.float32(-2.0)
            m = len(q)
            rows = np.arange(m)
            best1 = np.full(m, np.inf, dtype=np.float32)
            best2 = np.full(m, np.inf, dtype=np.float32)
            arg1 = np.full(m, -1, dtype=np.int64)
            for rs in range(0, n_r, ref_chunk):
                # partial squared distances |b|^2 - 2ab; |a|^2 is added once at the end
                g = q @ R[rs : rs + ref_chunk].T
                g += r2[rs : rs + ref_chunk]
                ti = g.argmin(axis=1)
                t1 = g[rows, ti]
                if g.shape[1] > 1:
                    g[rows, ti] = np.inf
                    t2 = g.min(axis=1)
                else:
                    t2 = np.full(m, np.inf, dtype=np.float32)
                # merge the block's two smallest with the running two smallest
                best2 = np.minimum(np.maximum(best1, t1), np.minimum(best2, t2))
                arg1 = np.where(t1 < best1, ti + rs, arg1)
                best1 = np.minimum(best1, t1)
            qq = q2[qs : qs + m]
            d1[qs : qs + m] = best1 + qq
            d2[qs : qs + m] = best2 + qq
            i1[qs : qs + m] = arg1
    np.clip(d1, 0.0, None, out=d1)
    np.clip(d2, 0.0, None, out=d2)
    return np.sqrt(d1), np.sqrt(d2), i1
