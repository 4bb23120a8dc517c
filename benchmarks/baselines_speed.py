"""Fit/sample time of the baseline generators on a 1,000,000-row mixed table, against pandas peers.

Peers run in the same process on the same table: ``DataFrame.sample(n, replace=True)`` for
``bootstrap`` and a per-column ``Series.sample`` for ``independent``; ``gaussian_copula`` is compared
with SDV's GaussianCopulaSynthesizer (through the ``benchkit_sdv`` plugin) when ``sdv`` is installed.
Prints seconds and time ratios.

    python benchmarks/baselines_speed.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]  # run from a source checkout without installing

from benchkit import Schema  # noqa: E402
from benchkit_baselines import BootstrapGenerator, GaussianCopulaGenerator, IndependentGenerator


def table(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "id": np.arange(n),
            "amount": np.exp(x + rng.normal(0, 0.3, n)),
            "count": rng.poisson(3 + x.clip(-2, 2), n).astype(float),
            "kind": rng.choice([f"k{i}" for i in range(40)], n),
            "flag": x + rng.normal(size=n) > 0,
            "when": pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D"),
            "balance": np.where(rng.random(n) < 0.1, np.nan, x * 1000),
        }
    )
    return df


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    n = ap.parse_args().rows
    df = table(n)
    schema = Schema.infer(df)
    print(f"{n:,} rows x {df.shape[1]} columns")
    _, peer_boot = timed(lambda: df.sample(n, replace=True, random_state=0))
    _, peer_ind = timed(lambda: pd.DataFrame({c: df[c].sample(n, replace=True, random_state=i).to_numpy()
                                              for i, c in enumerate(df.columns)}))
    peers = {"bootstrap": peer_boot, "independent": peer_ind}
    results = {}
    for name, cls in [("independent", IndependentGenerator), ("gaussian_copula", GaussianCopulaGenerator),
                      ("bootstrap", BootstrapGenerator)]:
        gen, fit_s = timed(lambda: cls(seed=0).fit(df, schema))
        _, sample_s = timed(lambda: gen.sample(n))
        results[name] = fit_s + sample_s
        line = f"{name:16s} fit {fit_s:6.2f}s  sample {sample_s:6.2f}s"
        if name in peers:
            line += (f"  (pandas peer {peers[name]:.2f}s; benchkit fit+sample / peer time ratio "
                     f"{(fit_s + sample_s) / peers[name]:.2f}x: above 1, benchkit is slower)")
        print(line)
    from benchkit import plugins

    if "sdv_gaussian_copula" not in plugins.list_generators():
        why = plugins.inactive_plugins().get("benchkit_sdv", "the benchkit_sdv plugin is not loaded")
        print(f"no SDV GaussianCopulaSynthesizer comparison: {why}")
        return
    sdv = plugins.get_generator("sdv_gaussian_copula").obj
    gen, fit_s = timed(lambda: sdv(seed=0).fit(df, schema))
    _, sample_s = timed(lambda: gen.sample(n))
    ours = results["gaussian_copula"]
    print(f"{'sdv_gaussian_copula':16s} fit {fit_s:6.2f}s  sample {sample_s:6.2f}s  (SDV's GaussianCopulaSynthesizer "
          f"via benchkit_sdv; benchkit gaussian_copula / SDV time ratio {ours / (fit_s + sample_s):.2f}x)")

if __name__ == "__main__":
    main()
