"""Exact nearest-neighbour distances between two encoded tables, in bounded memory.

Two exact methods, one entry point (:class:`NeighbourIndex`, built once per reference table and metric
space and kept for the evaluation by the metrics that share it):

* **Cell tree.** In the mixed encoding (:mod:`.mixed_encoding`) two rows' squared distance is the
  squared distance of their numerical part (ranks and missing indicators, each in [0, 1]) plus the
  number of categorical columns whose codes differ. So a row that differs from the query in a
  category is at squared distance >= 1. Rows are grouped by their tuple of category codes (their
  *cell*), and a k-d tree (:func:`kd_tree`, float64) over the numerical part plus one axis
  ``cell * spread`` finds each query's two nearest rows *of its own cell* (``spread`` exceeds any
  numerical distance, so other cells come after them). When the second of them is at squared
  distance <= 1, no row of another cell can be nearer: both are the exact two nearest. The other
  queries (a cell with fewer than two rows, or neighbours farther than 1) go to the blocked search
  below. On the 11-column bank-like table of ``benchmarks/evaluate_scale.py`` 78% (100,000 rows)
  to 91% (1,000,000 rows) of queries are settled by the tree.
* **Blocked BLAS** (:func:`two_nearest`), for every query when the numerical part is wide (more than
  :data:`TREE_MAX_WIDTH` features, where trees stop pruning) or the tables are small.

Both give the brute-force distances (to float32 rounding, < 1e-5); the index of the nearest row
may differ between them only among rows at exactly equal distance.

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
import pandas as pd
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


def kd_tree(points: np.ndarray):
    """An exact k-d tree over float64 ``points``: scipy's ``cKDTree`` with sliding-midpoint splits.

    Chosen over scikit-learn's ``KDTree`` (what the searches used first) by measurement on the
    searches' own shapes (7 dimensions): 5x faster to build, 2.5-4x faster to query (60,000 to
    1,000,000 rows), the same distances; 1.2x on the whole 100,000-row evaluate (benchmarks/RESULTS.md)."""
    from scipy.spatial import cKDTree

    return cKDTree(points, leafsize=32, balanced_tree=False, compact_nodes=False)


def tree_query(tree, x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the ``k`` nearest tree points of each row of ``x``, as (rows, k) arrays."""
    return tree.query(x, k=list(range(1, k + 1)))


TREE_MAX_WIDTH = 16
"""Widest numerical part (plus the cell axis) searched with a k-d tree; wider goes to blocked BLAS."""
TREE_MIN_PAIRS = 5e7
"""Query x reference pairs below which :class:`NeighbourIndex` stays on blocked BLAS (fast enough, and
the small tables keep their exact float32 values)."""
_RADIX = 1 << 21  # category codes are combined into cell ids in this radix (codes stay below it)


class NeighbourIndex:
    """Exact two-nearest-neighbour search over one encoded reference table (see the module docstring).

    ``ref`` is the encoded table (float32, rows x width); ``codes`` its category codes (rows x
    categorical columns, as :meth:`MixedEncoder.transform_with_codes` gives) and ``numeric_width`` the
    number of leading numerical features, or ``codes=None`` for a purely numerical space (e.g. an
    embedding: the tree then settles every query). ``method``: ``"auto"`` (tree when the numerical part
    is narrow and the search is large), ``"tree"`` or ``"blas"``.
    """

    def __init__(self, ref: np.ndarray, codes: np.ndarray | None = None, numeric_width: int | None = None,
                 n_threads: int | None = 2, method: str = "auto"):
        if method not in ("auto", "tree", "blas"):
            raise ValueError(f"method must be 'auto', 'tree' or 'blas', not {method!r}")
        self.ref = np.ascontiguousarray(ref, dtype=np.float32)
        self.n_threads = n_threads
        self.categorical = codes is not None and codes.shape[1] > 0
        self.numeric_width = int(ref.shape[1] if codes is None else (numeric_width or 0))
        narrow = self.numeric_width + self.categorical <= TREE_MAX_WIDTH
        self.method = method if method != "auto" else ("tree" if narrow else "blas")
        if len(self.ref) == 0:
            self.method = "blas"
        self.min_pairs = TREE_MIN_PAIRS if method == "auto" else 0.0
        self._tree = None
        self._steps: list[np.ndarray] = []
        self._codes = codes
        self._without: dict[int, tuple[list[np.ndarray], np.ndarray]] = {}  # per categorical column, see _keys_without
        self.last_tree_share = 0.0  # share of the last query's rows the trees settled (diagnostics)
        self.last_stages: dict[str, int] = {}  # rows settled by each stage in the last query

    def _cells(self, codes: np.ndarray, learn: bool) -> np.ndarray:
        """Cell ids: the reference's tuples of codes numbered 0..cells-1 (-1: a tuple the reference lacks)."""
        key = np.zeros(len(codes), dtype=np.int64)
        for j in range(codes.shape[1]):
            c = codes[:, j].astype(np.int64)
            if len(c) and (c.min() < 0 or c.max() >= _RADIX):
                raise ValueError("category codes must lie in [0, 2**21)")
            combined = np.where(key < 0, -1, key * _RADIX + c)
            if learn:
                key, uniques = pd.factorize(combined)
                self._steps.append(np.asarray(uniques))
            else:
                key = pd.Index(self._steps[j]).get_indexer(combined)
        return key

    def _build_tree(self) -> None:
        num = self.ref[:, : self.numeric_width].astype(np.float64)
        if self.categorical:
            self._spread = np.sqrt(self.numeric_width) + 2.0
            self._ref_cells = self._cells(self._codes, learn=True)
            num = np.c_[num, self._ref_cells * self._spread]
        self._tree = kd_tree(num)

    def _keys_without(self, j: int, qc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ids of the reference's tuples of category codes without column ``j`` (learnt once per index, as
        the cells are), and the queries' ids in the same numbering (-1: a tuple the reference lacks)."""
        if j not in self._without:
            steps, key = [], np.zeros(len(self._codes), dtype=np.int64)
            for c in (c for c in range(self._codes.shape[1]) if c != j):
                key, uniques = pd.factorize(key * _RADIX + self._codes[:, c].astype(np.int64))
                steps.append(np.asarray(uniques))
            self._without[j] = (steps, key)
        steps, ref_key = self._without[j]
        q_key = np.zeros(len(qc), dtype=np.int64)
        for step, c in zip(steps, (c for c in range(qc.shape[1]) if c != j)):
            combined = np.where(q_key < 0, -1, q_key * _RADIX + qc[:, c].astype(np.int64))
            q_key = pd.Index(step).get_indexer(combined)
        return ref_key, q_key

    def _one_mismatch(self, query, codes, rest, idx, d1, d2, i1) -> np.ndarray:
        """Second stage for the queries the cell tree left: their two nearest among the rows that differ
        in at most one category, settled when the second is at squared distance <= 2 (any other row
        differs in two categories or more). Writes ``d1, d2, i1`` of the settled queries; returns the rest.

        Candidates: the cell tree's two rows, and for each categorical column ``j`` the two nearest rows
        (by numerical distance) among those that share every category but ``j`` with the query. A row
        differing in ``j`` alone that is not among those two has two candidates at most as far as it
        (numerically nearer, and at most one category away), so the two nearest candidates, by their
        full distances, are the two nearest such rows."""
        q = query[rest]
        qc = codes[rest]
        k_cols = qc.shape[1]
        num_q = q[:, : self.numeric_width].astype(np.float64)
        cands = [idx[rest]]
        for j in range(k_cols):
            ref_key, q_key = self._keys_without(j, qc)
            rows = np.flatnonzero(np.isin(ref_key, q_key[q_key >= 0]))
            if len(rows) == 0:
                continue
            pts = np.c_[self.ref[rows, : self.numeric_width].astype(np.float64), ref_key[rows] * self._spread]
            kk = min(2, len(rows))
            _, found = tree_query(kd_tree(pts), np.c_[num_q, q_key * self._spread], kk)
            cands.append(rows[found])
        cand = np.concatenate(cands, axis=1)  # queries x candidates (ref rows, repeats possible)
        diff = self.ref[cand].astype(np.float64) - q[:, None, :].astype(np.float64)
        dist = np.sqrt(np.einsum("qcw,qcw->qc", diff, diff))
        order = np.argsort(dist, axis=1, kind="stable")
        cand, dist = np.take_along_axis(cand, order, 1), np.take_along_axis(dist, order, 1)
        other = cand != cand[:, :1]  # the second nearest is the nearest *other* row
        has_second = other.any(axis=1)
        second = np.where(has_second, np.take_along_axis(dist, other.argmax(axis=1)[:, None], 1)[:, 0], np.inf)
        settled = has_second & (second * second <= 2.0)
        where = rest[settled]
        d1[where], d2[where], i1[where] = dist[settled, 0], second[settled], cand[settled, 0]
        return rest[~settled]

    def query(self, query: np.ndarray, codes: np.ndarray | None = None, progress: bool = False,
              nearest_only: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(d1, d2, i1)`` for each query row, as :func:`two_nearest` returns them. With
        ``nearest_only`` the tree settles a query on its nearest row alone (``d2`` is then not exact)."""
        query = np.ascontiguousarray(query, dtype=np.float32)
        if query.ndim != 2 or query.shape[1] != self.ref.shape[1]:
            raise ValueError(f"query {query.shape} and reference {self.ref.shape} must be 2-D with equal widths")
        if self.categorical and (codes is None or codes.shape != (len(query), self._codes.shape[1])):
            raise ValueError("the query needs one category code per categorical column, as the reference has")
        if self.method == "blas" or len(query) * len(self.ref) < self.min_pairs or len(query) == 0:
            self.last_tree_share = 0.0
            self.last_stages = {"blas": len(query)}
            return two_nearest(query, self.ref, n_threads=self.n_threads, progress=progress)
        if self._tree is None:
            self._build_tree()
        num = query[:, : self.numeric_width].astype(np.float64)
        if self.categorical:
            cells = self._cells(codes, learn=False)
            num = np.c_[num, np.where(cells < 0, -1, cells) * self._spread]
        k = min(2, len(self.ref))
        dist, idx = tree_query(self._tree, num, k)
        d1, i1 = dist[:, 0].copy(), idx[:, 0].copy()
        d2 = dist[:, 1].copy() if k > 1 else np.full(len(query), np.inf)
        if self.categorical and nearest_only:
            # settled: the nearest is in the query's own cell, strictly nearer than any other cell's row
            rest = np.flatnonzero(~((cells >= 0) & (self._ref_cells[i1] == cells) & (d1 * d1 < 1.0)))
        elif self.categorical:
            # settled: both neighbours in the query's own cell, the second at squared distance <= 1
            same = (cells >= 0) & (self._ref_cells[idx[:, k - 1]] == cells) & (k > 1)
            rest = np.flatnonzero(~(same & (d2 * d2 <= 1.0)))
        else:
            rest = np.empty(0, dtype=np.int64)
        after_cells = len(rest)
        if len(rest) and self.categorical and not nearest_only and self._codes.shape[1] > 1:
            rest = self._one_mismatch(query, codes, rest, idx, d1, d2, i1)
        self.last_stages = {"cell": len(query) - after_cells, "one_mismatch": after_cells - len(rest), "blas": len(rest)}
        self.last_tree_share = 1.0 - len(rest) / len(query)
        if len(rest):
            r1, r2, ri = two_nearest(query[rest], self.ref, n_threads=self.n_threads, progress=progress)
            d1[rest], d2[rest], i1[rest] = r1, r2, ri
        return d1, d2, i1


def nearest_first(query: np.ndarray, ref: np.ndarray, query_codes: np.ndarray | None = None,
                  ref_codes: np.ndarray | None = None, numeric_width: int | None = None,
                  n_threads: int | None = 2, method: str = "auto") -> np.ndarray:
    """Index of each query row's nearest ``ref`` row, ties going to the lowest index (as a brute-force
    scan in row order gives them), found among the *distinct* reference rows: with categorical columns
    many rows repeat, and each distinct row stands for its first occurrence."""
    if len(ref) == 0:
        return np.full(len(query), -1, dtype=np.int64)
    first = first_of_distinct(ref, ref_codes, numeric_width)
    index = NeighbourIndex(ref[first], None if ref_codes is None else ref_codes[first], numeric_width,
                           n_threads=n_threads, method=method)
    i1 = index.query(query, query_codes, nearest_only=True)[2]
    return first[i1]


def first_of_distinct(x: np.ndarray, codes: np.ndarray | None = None, numeric_width: int | None = None) -> np.ndarray:
    """Indices of the first occurrence of each distinct row, in row order. Rows are told apart by their
    numerical features and category codes (``codes=None``: by every column of ``x``), through one
    hash factorisation per column (a sort of the rows as bytes costs ten times more)."""
    cols = [x[:, j] for j in range(x.shape[1] if codes is None else int(numeric_width or 0))]
    if codes is not None:
        cols += [codes[:, j] for j in range(codes.shape[1])]
    key = np.zeros(len(x), dtype=np.int64)
    for col in cols:
        c, uniques = pd.factorize(col)
        key = pd.factorize(key * (len(uniques) + 1) + c)[0]  # both < rows: no overflow below 3e9 rows
    return np.flatnonzero(~pd.Series(key).duplicated().to_numpy())
