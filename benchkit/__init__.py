"""benchkit: evaluation-first benchmarking for tabular synthetic-data generators.

The public API: :class:`Schema`, :class:`Generator`, :data:`hookimpl`, :func:`evaluate`,
:func:`run_benchmark` and :class:`BenchkitError`. Plugin authors also use :mod:`benchkit.generator` (the
optional parts of the Generator contract and the helpers every generator needs: ``fresh_ids``,
``check_training_data``, ...) and :mod:`benchkit.testing` (the conformance suite).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from .errors import BenchkitError  # noqa: E402
from .generator import Generator  # noqa: E402
from .hookspecs import hookimpl  # noqa: E402
from .schema import ColumnSpec, Schema  # noqa: E402

_LAZY = {
    "evaluate": ("benchkit.evaluation", "evaluate"),
    "run_benchmark": ("benchkit.bench.runner", "run_benchmark"),
}


def __getattr__(name: str) -> Any:
    # evaluate/run_benchmark pull in the metric and runner modules; import them on first use
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'benchkit' has no attribute {name!r}")


__all__ = [
    "BenchkitError",
    "ColumnSpec",
    "Generator",
    "Schema",
    "evaluate",
    "hookimpl",
    "run_benchmark",
    "__version__",
]
