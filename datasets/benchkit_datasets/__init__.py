"""The built-in datasets: a dataset plugin registered through ``benchkit_register_datasets``, exactly
as a third-party plugin would be (it is listed in ``benchkit.plugins.DEFAULT_PLUGINS`` and declared as
an entry point).

Each subpackage is one dataset: its ``__init__`` defines
``load(n_rows=None, seed=0, data_dir=None, **options) -> pandas.DataFrame``; beside it lie
``card.json`` (the :class:`~benchkit.datasets.DatasetCard` fields, plus ``files``: paths under the
data directory that must exist) and, optionally, ``schema.json`` (column kinds and the target).
"""

from __future__ import annotations

from typing import Callable

from benchkit.datasets import BuiltinDataset
from benchkit.hookspecs import hookimpl

BUILTIN: tuple[str, ...] = (
    "adult",
    "bank_marketing",
    "bank_transactions",
    "berka_transactions",
    "default_credit_card",
    "german_credit",
)
"""The dataset subpackages of this package, in registration order."""


@hookimpl
def benchkit_register_datasets(register: Callable[..., None]) -> None:
    """Register every built-in dataset subpackage."""
    for name in BUILTIN:
        ds = BuiltinDataset(f"{__name__}.{name}")
        register(ds.name, ds, **{k: v for k, v in ds.card_info.items() if k != "name"})
