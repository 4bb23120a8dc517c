"""The whole fidelity evaluation at the use case's scale (issue 19): a table whose text columns hold one
Python string object per row, as ``numpy.random.choice`` of strings and many readers produce.

Times ``Schema.infer`` (sampled, the default, against ``sample=None``: every rule on every row, and
checks that both give the same schema), then ``benchkit.evaluate(real, synthetic,
families=["marginal", "pairwise"])`` with an inferred schema, and, as an ablation, with the text
columns factorised through Arrow (``dictionary_encode``) instead of ``pd.factorize``. Best of
``--repeat`` in-process runs; run it under pandas 3 and under pandas 2 (the peer venv).

    python benchmarks/scale_speed.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fidelity_speed import make_table  # noqa: E402


def per_row_strings(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each text value a string object of its own (what a shared-object column is not)."""
    out = df.copy()
    for c in df.columns:
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_datetime64_any_dtype(df[c])):
            values = df[c].to_numpy(dtype=object)
            fresh = np.array(["".join(v) if isinstance(v, str) else None for v in values], dtype=object)
            out[c] = fresh
    return out


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def arrow_factorise(values, plain):
    """The rejected alternative to ``plain`` (``pd.factorize``) for object columns: text to Arrow once,
    then ``dictionary_encode`` (the same codes and labels)."""
    import pyarrow as pa

    if values.dtype != object:
        return plain(values)
    try:
        encoded = pa.array(np.asarray(values), type=pa.string(), from_pandas=True).dictionary_encode()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return plain(values)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return codes, np.asarray(encoded.dictionary.to_pylist(), dtype=object)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import benchkit
    from benchkit import Schema
    from benchkit.metrics._engine import encoding

    real = per_row_strings(make_table(args.rows, 0))
    synthetic = per_row_strings(make_table(args.rows, 1, perturb=0.3))
    print(f"pandas {pd.__version__}, {args.rows:,} rows, text dtypes: "
          f"{sorted({str(real[c].dtype) for c in real.select_dtypes(exclude=['number', 'datetime']).columns})}")
    t_sampled, sampled = best(lambda: Schema.infer(real), args.repeat)
    t_full, full = best(lambda: Schema.infer(real, sample=None), args.repeat)
    print(f"schema inference: sampled {t_sampled:.3f} s, every row {t_full:.3f} s; same schema: {sampled == full}")

    def fidelity():
        return benchkit.evaluate(real, synthetic, families=["marginal", "pairwise"], references=False)

    plain = encoding._factorise
    variants = {"pd.factorize": plain, "arrow": functools.partial(arrow_factorise, plain=plain)}
    benchkit.evaluate(real.head(1000), synthetic.head(1000), families=["marginal", "pairwise"])  # warm up
    times = {name: [] for name in variants}
    scores = {}
    for _ in range(args.repeat):  # interleaved, so a slow spell of the host hits both
        for name, fn in variants.items():
            encoding._factorise = fn
            t, result = best(fidelity, 1)
            times[name].append((t, result.timings["encodings"]))
            scores[name] = result.scores["value"].to_numpy(dtype=float)
    encoding._factorise = plain
    for name, runs in times.items():
        t, enc = min(runs)
        print(f"evaluate marginal+pairwise, inferred schema, text factorised by {name}: {t:.2f} s "
              f"(encodings {enc:.2f} s; runs {', '.join(f'{r:.2f}' for r, _ in runs)})")
    ratio = min(times["pd.factorize"])[0] / min(times["arrow"])[0]
    same = np.array_equal(scores["pd.factorize"], scores["arrow"], equal_nan=True)
    if not (real.dtypes == object).any():
        print("(no object text columns under this pandas: both runs factorise the same way)")
    print(f"arrow ablation: {ratio:.2f}x on the whole evaluate (kept only at >= 1.2x); same scores: {same}")


if __name__ == "__main__":
    main()
