"""Training rows per second of ``wgan`` (default settings, and with the target pieces off) against CTGAN,
on the Berka transactions prefix (target ``type``), same process, same thread count, one after another.

    .ci/peer-venv/bin/python benchmarks/wgan_speed.py --seconds 30 --threads 1   # ctgan comes with SDV
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import wgan_quality as wq  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rows", type=int, default=None)
    args = ap.parse_args(argv)
    from benchkit.generator import THREADS_ENV

    os.environ[THREADS_ENV] = str(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    train, _, schema, _ = wq.load_berka(args.rows, 0)
    out = {"rows": len(train), "threads": args.threads, "seconds": args.seconds}
    variants = {"wgan": {}, "wgan (target pieces off)": {"target_share": 0.0, "classifier_weight": 0.0, "keep_best": False}}
    for label, extra in variants.items():
        params = dict(epochs=100_000, max_seconds=args.seconds, verbose=False, **extra)
        _, fit_s, rps, epochs, summary, _ = wq.run_registered("wgan", params, train, schema, 1000, 0)
        out[label] = {"rows_per_s": round(rps), "epochs": epochs, "fit_s": round(fit_s, 1),
                      "validation_s": (summary.get("validation") or {}).get("seconds")}
        print(label, out[label], flush=True)
    try:
        _, fit_s, rps, epochs = wq.run_ctgan(train, schema, args.seconds, 1000, 0)
        out["ctgan"] = {"rows_per_s": round(rps), "epochs": epochs, "fit_s": round(fit_s, 1)}
        print("ctgan", out["ctgan"], flush=True)
        out["ratio"] = round(out["wgan"]["rows_per_s"] / out["ctgan"]["rows_per_s"], 2)
    except ImportError:
        print("ctgan not importable here; run with the peer venv")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
