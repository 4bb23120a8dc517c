"""Make a source checkout importable in tests and in the processes tests start (runner workers,
Dask workers, ``python -m benchkit``), whether or not benchkit is installed."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
_paths = [str(ROOT), str(ROOT / "plugins")]
for p in reversed(_paths):
    if p not in sys.path:
        sys.path.insert(0, p)
os.environ["PYTHONPATH"] = os.pathsep.join(_paths + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
os.environ.setdefault("MPLBACKEND", "Agg")
