"""``sdv_par``: SDV's PARSynthesizer (probabilistic auto-regressive model of sequences), the entity peer.

It declares ``entity_support``: the entity key becomes PAR's ``sequence_key``, the order column its
``sequence_index``, and the columns constant within every real entity (the entity label, columns of a
``constant`` rule, and any column that never changes within an entity) its ``context_columns`` (PAR
models them once per sequence with a Gaussian copula). Other id columns are kept away from SDV and
get fresh ids, as in the other SDV wrappers. Without an entity key PAR has nothing to model: ``fit``
raises a :class:`~benchkit.errors.DataError` saying so.

Missing labels: deepecho's PAR numbers a categorical column's values through a Python ``set``, in
which every NaN float object is a value of its own, so a column with 16,697 missing labels gave
PAR's network 16,743 input dimensions instead of about 40 and asked for a 4.7 GB tensor on 21,361
rows (deepecho 0.8.1; DeepEcho issue #34 tracks its missing-value handling). The wrapper hands
PAR :data:`MISSING_LABEL` in their place and turns it back into a missing value when sampling.

Sampling draws whole sequences (``sample_sequences``) until they hold ``n`` rows, cuts the last one,
and gives each sequence a fresh entity id. PAR has no time budget of its own: with ``max_seconds`` set,
its epoch loop stops by the deadline as the other SDV wrappers' do
(:func:`benchkit_sdv.generator.epoch_deadline`). Declared rules
(the running balance) are not known to PAR: it learns the balance as any other column.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from benchkit.entities import histories
from benchkit.errors import BenchkitError, DataError
from benchkit.generator import first_fresh_id, fresh_ids
from benchkit.schema import Schema

from .generator import _GENERATORS, SDVGenerator, _enable_gpu, _seeded, _stream_seed, epoch_deadline
from .tables import TABLE, OutputTypes, metadata_dict, training_frame


MISSING_LABEL = "<benchkit: missing>"
"""What PAR sees in place of a missing categorical label (see the module docstring)."""


def fill_missing_labels(frame: pd.DataFrame, meta: dict[str, Any]) -> list[str]:
    """Put :data:`MISSING_LABEL` in the missing cells of ``frame``'s categorical columns (in place);
    the columns changed. A real label equal to it is an error (it could not be told apart)."""
    filled = []
    for name, spec in meta["tables"][TABLE]["columns"].items():
        if spec.get("sdtype") != "categorical" or name not in frame or not frame[name].isna().any():
            continue
        if (frame[name] == MISSING_LABEL).any():
            raise DataError(f"sdv_par: column {name!r} holds the label {MISSING_LABEL!r}, which the wrapper "
                            "uses for missing values; rename that label")
        frame[name] = frame[name].astype(object).where(frame[name].notna(), MISSING_LABEL)
        filled.append(name)
    return filled


def constant_columns(data: pd.DataFrame, schema: Schema) -> list[str]:
    """Modelled columns holding one value through every entity's history (declared or found)."""
    roles = schema.roles
    hist = histories(data, roles)
    rows = hist.sorted(data)
    declared = {roles.label} if roles.label else set()
    declared |= {c for r in roles.rules if r.kind == "constant" for c in r.columns()}
    out = []
    for c, spec in schema.columns.items():
        if spec.kind == "id" or c in (roles.key, roles.order):
            continue
        f, _ = pd.factorize(rows[c], use_na_sentinel=False)
        if c in declared or not (np.r_[False, f[1:] != f[:-1]] & ~hist.first).any():
            out.append(c)
    return out


class SDVPARGenerator(SDVGenerator):
    """SDV's PARSynthesizer on entity histories (see the module docstring). ``epochs`` and
    ``sample_size`` are PAR's; ``device`` -> ``cuda``."""

    registered_name = "sdv_par"
    description = "SDV PARSynthesizer: autoregressive model of whole entity histories (entity peer, torch)"
    tags = ("sdv", "peer", "sequential", "torch", "deep", "entity")
    sdv_class = "PARSynthesizer"
    has_epochs = True
    entity_support = True

    def __init__(self, *, epochs: int = 128, sample_size: int = 1, segment_size: int | None = None,
                 max_seconds: float | None = None, device: str = "auto", enforce_min_max_values: bool = True,
                 enforce_rounding: bool = True, verbose: bool = False, sdv_params: dict[str, Any] | None = None,
                 seed: int | None = 0):
        self.store_params(locals())

    @staticmethod
    def test_params() -> dict[str, Any]:
        return {"epochs": 2, "device": "cpu"}

    def _sdv_kwargs(self) -> dict[str, Any]:
        return {"epochs": self.epochs, "sample_size": self.sample_size, "segment_size": self.segment_size,
                "cuda": _enable_gpu(self.device, self.registered_name), "verbose": bool(self.verbose)}

    def _synthesizer(self, metadata: Any, epochs: int | None = None) -> Any:
        from sdv.sequential import PARSynthesizer

        kwargs = dict(self._all_kwargs(epochs), context_columns=list(self.context_))
        try:
            return PARSynthesizer(metadata, **kwargs)
        except TypeError as exc:
            raise BenchkitError(f"{self.registered_name}: SDV's PARSynthesizer rejected the parameters "
                                f"{sorted(kwargs)}: {exc}") from None

    def _fit(self, data: pd.DataFrame, schema: Schema) -> None:
        from sdv.metadata import Metadata

        self._check_params()
        roles = schema.roles
        if roles is None:
            raise DataError(f"{self.registered_name}: PAR models entity histories and the schema has no entity key; "
                            "declare one (--entity COL, the spec's entity key or the dataset card)")
        if data[roles.key].isna().any():
            raise DataError(f"{self.registered_name}: the entity key column {roles.key!r} has missing values; "
                            "every row needs its entity")
        t0 = time.perf_counter()
        frame = training_frame(data, schema, self.registered_name)
        frame[roles.key] = data[roles.key].astype(str).to_numpy()
        self.types_ = OutputTypes.learn(data, schema)
        self.key_, self.key_start_ = roles.key, first_fresh_id(data[roles.key])
        self.context_ = constant_columns(data, schema)
        self.mean_size_ = float(histories(data, roles).sizes.mean())
        meta = metadata_dict(schema)
        meta["tables"][TABLE]["columns"][roles.key] = {"sdtype": "id"}
        meta["tables"][TABLE]["sequence_key"] = roles.key
        if roles.order:
            meta["tables"][TABLE]["sequence_index"] = roles.order
        metadata = Metadata.load_from_dict(meta)
        self.filled_ = fill_missing_labels(frame, meta)
        self.seed_used_ = self._base_seed()
        budget = None if self.max_seconds is None else float(self.max_seconds)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with epoch_deadline("PARSynthesizer", None if budget is None else t0 + budget, self.registered_name) as guard:
                synth, secs = self._fit_par(frame, metadata, self.epochs)
            done = self.epochs if guard is None else guard.epochs
            self.synthesizer_, self.epochs_done_ = synth, done
        self.n_sample_calls_ = 0  # PAR samples from the global generators: each call seeds its own stream
        self.stopped_early_ = guard is not None and guard.stopped
        planned_by = "time budget" if self.stopped_early_ else "epochs done"
        self.fit_seconds_ = time.perf_counter() - t0
        self.training_ = {"epochs_done": done, "epochs_planned": self.epochs, "budget_s": budget,
                          "stopped_because": planned_by, "train_s": round(secs, 3),
                          "context_columns": list(self.context_), "fit_s": round(self.fit_seconds_, 3)}

    def _fit_par(self, frame: pd.DataFrame, metadata: Any, epochs: int) -> tuple[Any, float]:
        t0 = time.perf_counter()
        synth = self._synthesizer(metadata, epochs)
        with _seeded(_stream_seed(self.seed_used_, 0)):
            synth.fit({TABLE: frame})  # SDV 2 takes {table name: frame}
        # rdt's transformers (of PAR and of its context model) sample from their own random states: start
        # them from SDV's fixed seeds, as _set_random_state does for the single-table synthesizers
        synth._data_processor.reset_sampling()
        context = getattr(synth, "_context_synthesizer", None)
        if context is not None:
            context._set_random_state(_stream_seed(self.seed_used_, 1))
        return synth, time.perf_counter() - t0

    def _extra_header(self) -> dict[str, Any]:
        return {"par": {"key": self.key_, "key_start": None if self.key_start_ is None else int(self.key_start_),
                        "context": list(self.context_), "mean_size": self.mean_size_,
                        "n_sample_calls": self.n_sample_calls_, "filled": list(self.filled_)}}

    def _read_extra_header(self, head: dict[str, Any]) -> None:
        par = head["par"]
        self.key_, self.key_start_, self.context_ = par["key"], par["key_start"], list(par["context"])
        self.mean_size_, self.n_sample_calls_ = float(par["mean_size"]), int(par["n_sample_calls"])
        self.filled_ = list(par.get("filled", []))  # files saved before the missing label was handed to PAR

    def _sample(self, n: int) -> pd.DataFrame:
        k = int(math.ceil(n / max(self.mean_size_, 1.0) * 1.2)) + 1
        parts, total = [], 0
        self.n_sample_calls_ += 1
        with warnings.catch_warnings(), _seeded(_stream_seed(self.seed_used_, 10 + self.n_sample_calls_)):
            warnings.simplefilter("ignore")
            while total < n:  # one draw nearly always holds n rows
                raw = self.synthesizer_.sample_sequences(k)
                if isinstance(raw, dict):  # SDV 2: {table name: frame}
                    raw = raw[TABLE]
                if len(raw) == 0:
                    raise BenchkitError(f"{self.registered_name}: PAR sampled {k} empty sequences")
                parts.append(raw)
                total += len(raw)
        raw = pd.concat(parts, ignore_index=True)
        seq, _ = pd.factorize(raw[self.key_].astype(str) + "#" + np.repeat(np.arange(len(parts)),
                                                                           [len(p) for p in parts]).astype(str))
        raw = raw.iloc[:n].reset_index(drop=True)
        for name in self.filled_:
            raw[name] = raw[name].where(raw[name] != MISSING_LABEL)
        seq = seq[:n]
        out = self.types_.restore(raw, n)
        _, dense = np.unique(seq, return_inverse=True)
        out[self.key_] = fresh_ids(self.key_start_, int(dense.max()) + 1, self.key_).to_numpy()[dense]
        return out


_GENERATORS.append(SDVPARGenerator)  # so SDVGenerator.load finds it
