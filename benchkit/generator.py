"""The Generator contract and an optional base class that implements its chores.

A generator is any object with ``fit(data, schema) -> self`` and ``sample(n) -> DataFrame``, whose
constructor takes keyword-only hyper-parameters (stored unchanged, as scikit-learn does) and ``seed``.
Subclassing :class:`Generator` is optional; it gives ``get_params``, a fitted-state check and a
readable ``repr``.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Protocol, runtime_checkable

import pandas as pd

from .errors import NotFittedError
from .schema import Schema

ProgressCallback = Callable[[dict[str, Any]], None]
"""``fit`` may call ``progress({"epoch": i, "epochs": n, "loss_g": ..., ...})`` after each epoch."""


@runtime_checkable
class GeneratorProtocol(Protocol):
    def fit(self, data: pd.DataFrame, schema: Schema) -> Any: ...

    def sample(self, n: int) -> pd.DataFrame: ...


class Generator:
    """Convenience base class for generators. Subclasses implement ``_fit`` and ``_sample``.

    ``fit`` stores the schema, calls ``_fit`` and marks the object fitted; ``sample`` checks that
    ``fit`` ran and that ``n`` is a positive integer before calling ``_sample``.
    """

    schema_: Schema | None = None
    progress: ProgressCallback | None = None

    def fit(self, data: pd.DataFrame, schema: Schema) -> "Generator":
        self.schema_ = schema
        self._fit(data, schema)
        self._fitted = True
        return self

    def sample(self, n: int) -> pd.DataFrame:
        if not getattr(self, "_fitted", False):
            raise NotFittedError(f"{type(self).__name__}.sample() was called before fit(); fit it first")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"sample(n) needs a positive integer, got {n!r}")
        return self._sample(n)

    def _fit(self, data: pd.DataFrame, schema: Schema) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _sample(self, n: int) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_params(self) -> dict[str, Any]:
        """The constructor's keyword arguments as stored on the object."""
        sig = inspect.signature(type(self).__init__)
        return {
            name: getattr(self, name)
            for name, p in sig.parameters.items()
            if name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and hasattr(self, name)
        }

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"
