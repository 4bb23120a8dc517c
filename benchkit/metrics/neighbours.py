"""Exact nearest-neighbour distances between two encoded tables, in bounded memory.

Squared Euclidean distances come from chunked matrix products, ``|a-b|^2 = |a|^2 + |b|^2 - 2ab``, in
float32 (torch on CPU, so the product and the row minimum run multi-threaded). Queries and
references are both tiled, so the working set is one ``query_chunk x ref_chunk`` block (64 MiB at
the defaults) whatever the table sizes: 100,000 x 100,000 rows never materialise a full matrix.
Only the two smallest distances per query are kept (enough for DCR and NNDR).
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from tqdm.auto import tqdm

log = logging.getLogger(__name__)

QUERY_CHUNK = 2048
REF_CHUNK = 8192


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
    old_threads = torch.get_num_threads()
    if n_threads:
        torch.set_num_threads(int(n_threads))
    try:
        with torch.no_grad():
            R = torch.from_numpy(np.ascontiguousarray(ref, dtype=np.float32))
            Q = torch.from_numpy(np.ascontiguousarray(query, dtype=np.float32))
            r2 = (R * R).sum(1)
            q2 = (Q * Q).sum(1)
            chunks = range(0, n_q, query_chunk)
            for qs in tqdm(chunks, disable=not progress, desc="nearest neighbours", unit="chunk"):
                q = Q[qs : qs + query_chunk]
                m = len(q)
                best1 = torch.full((m,), float("inf"))
                best2 = torch.full((m,), float("inf"))
                arg1 = torch.full((m,), -1, dtype=torch.int64)
                rows = torch.arange(m)
                for rs in range(0, n_r, ref_chunk):
                    # partial squared distances |b|^2 - 2ab; |a|^2 is added once at the end
                    g = torch.addmm(r2[rs : rs + ref_chunk], q, R[rs : rs + ref_chunk].T, beta=1.0, alpha=-2.0)
                    t1, ti = g.min(dim=1)
                    if g.shape[1] > 1:
                        g[rows, ti] = float("inf")
                        t2 = g.min(dim=1).values
                    else:
                        t2 = torch.full((m,), float("inf"))
                    # merge the block's two smallest with the running two smallest
                    new_is_best = t1 < best1
                    second = torch.minimum(torch.maximum(best1, t1), torch.minimum(best2, t2))
                    arg1 = torch.where(new_is_best, ti + rs, arg1)
                    best1 = torch.minimum(best1, t1)
                    best2 = second
                qq = q2[qs : qs + m]
                d1[qs : qs + m] = (best1 + qq).double().numpy()
                d2[qs : qs + m] = (best2 + qq).double().numpy()
                i1[qs : qs + m] = arg1.numpy()
    finally:
        torch.set_num_threads(old_threads)
    np.clip(d1, 0.0, None, out=d1)
    np.clip(d2, 0.0, None, out=d2)
    return np.sqrt(d1), np.sqrt(d2), i1
