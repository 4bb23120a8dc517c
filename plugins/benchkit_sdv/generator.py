"""benchkit generators wrapping SDV's GaussianCopula, CTGAN, TVAE and CopulaGAN synthesizers.

Each wrapper builds SDV metadata from the benchkit schema (:mod:`benchkit_sdv.tables`), fits the SDV
synthesizer on the modelled columns and hands back frames in the schema's columns and dtypes.

Randomness: ``fit`` runs with numpy's, Python's and torch's global generators seeded from ``seed``
(their previous states are restored afterwards: SDV and ctgan draw from the global generators while
training); after ``fit`` the synthesizer's sampling stream is seeded from ``seed`` too, so the same
seed gives the same model and the same samples (CPU, same torch thread count). Successive ``sample``
calls continue one stream; a saved and loaded model continues it where it was saved.

Time budget: SDV has no per-epoch callback, but the epoch loops of the models it wraps (ctgan's CTGAN
and TVAE, deepecho's PAR) iterate ``tqdm(range(epochs))`` from their module. With ``max_seconds``
set, the fit runs once with that module's ``tqdm`` replaced by :class:`EpochDeadline`, which starts
the next epoch only when, at the pace of the epoch before it, it ends by the deadline
(``max_seconds`` after the start of ``fit``, preprocessing and ctgan's transformer included, as for
``wgan``); the first epoch always runs. The model is the one trained when the loop stopped, and
``training_summary()`` says how many epochs that was and why training stopped. The replacement is
undone after the fit; it is per process (jobs are processes), not per thread. A ctgan/deepecho whose
loop no longer goes through its module's ``tqdm`` is detected and reported as an error rather than
left as a silently unbounded budget.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import random
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterator, Sequence

import numpy as np
import pandas as pd

from benchkit.errors import BenchkitError, NotFittedError
from benchkit.generator import Generator
from benchkit.schema import Schema

from . import modelfile
from .tables import TABLE, OutputTypes, metadata_dict, training_frame

log = logging.getLogger(__name__)

_EPOCH_LOOPS = {  # the module whose fit iterates ``tqdm(range(epochs))``, per SDV synthesizer class
    "CTGANSynthesizer": "ctgan.synthesizers.ctgan",
    "CopulaGANSynthesizer": "ctgan.synthesizers.ctgan",
    "TVAESynthesizer": "ctgan.synthesizers.tvae",
    "PARSynthesizer": "deepecho.models.par",
}


class EpochDeadline:
    """Stands in for ``tqdm`` in a model's epoch loop: iterates ``range(epochs)`` but starts the next
    epoch only when, at the pace of the epoch before it, it ends by ``deadline`` (``time.perf_counter``
    seconds); the first epoch always runs. ``epochs`` counts the epochs started, ``used`` says whether
    the loop asked for it at all, ``start``/``end`` when the first epoch started and the loop ended
    (the training loop alone: rows per second); tqdm's display methods do nothing."""

    def __init__(self, deadline: float):
        self.deadline, self.epochs, self.used, self.stopped = deadline, 0, False, False
        self.start = self.end = math.nan

    def __call__(self, iterable: Any, *_args: Any, **_kwargs: Any) -> "EpochDeadline":
        self.used, self._iterable = True, iterable
        return self

    def __iter__(self) -> Iterator[Any]:
        last = self.start = time.perf_counter()
        try:
            for i in self._iterable:
                now = time.perf_counter()
                if self.epochs and now + (now - last) > self.deadline:
                    self.stopped = True
                    return
                last = now
                self.epochs += 1
                yield i
        finally:
            self.end = time.perf_counter()

    def __getattr__(self, name: str) -> Any:  # set_description, set_postfix, close, ...: nothing to show
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *_a, **_k: None


@contextlib.contextmanager
def epoch_deadline(sdv_class: str, deadline: float | None, who: str) -> Iterator[EpochDeadline | None]:
    """Within the block, the epoch loop of ``sdv_class``'s model stops by ``deadline`` (None: no budget)."""
    if deadline is None:
        yield None
        return
    import importlib

    module = importlib.import_module(_EPOCH_LOOPS[sdv_class])
    if not hasattr(module, "tqdm"):
        raise BenchkitError(f"{who}: this version of {module.__name__} has no epoch loop through tqdm, so "
                            "max_seconds cannot be held; fit without max_seconds (epochs only) or install the "
                            "versions the sdv extra pins")
    guard, saved = EpochDeadline(deadline), module.tqdm
    module.tqdm = guard
    try:
        yield guard
    finally:
        module.tqdm = saved
    if not guard.used:
        raise BenchkitError(f"{who}: {module.__name__}'s fit did not go through its epoch loop, so max_seconds "
                            "was not held; fit without max_seconds (epochs only) or install the versions the sdv "
                            "extra pins")


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed numpy's, Python's and torch's global generators for the block; restore them after."""
    import torch

    np_state, py_state = np.random.get_state(), random.getstate()
    with torch.random.fork_rng(devices=[]):
        np.random.seed(seed % 2**32)
        random.seed(seed)
        torch.manual_seed(seed)
        try:
            yield
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)


def _stream_seed(seed: int, stream: int) -> int:
    """A 31-bit seed for one numbered stream of ``seed`` (numpy's RandomState takes < 2**32)."""
    return int(np.random.SeedSequence([seed, stream]).generate_state(1)[0] >> 1)


@dataclass
class _Fit:
    """One fitted synthesizer and what it cost."""

    synth: Any
    build_s: float  # building the synthesizer and preprocessing the table
    train_s: float  # fit_processed_data (ctgan's set-up and the epochs)


class SDVGenerator(Generator):
    """Shared machinery; subclasses name the SDV class and map their hyper-parameters to SDV's."""

    registered_name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    tags: ClassVar[tuple[str, ...]] = ("sdv", "peer")
    sdv_class: ClassVar[str] = ""
    has_epochs: ClassVar[bool] = False

    # parameters every subclass takes (stored by store_params in its __init__), with their defaults
    enforce_min_max_values: bool = True
    enforce_rounding: bool = True
    sdv_params: dict[str, Any] | None = None
    max_seconds: float | None = None
    seed: int | None = 0

    @staticmethod
    def test_params() -> dict[str, Any]:
        """Cheap settings for the conformance checks."""
        return {}

    def _sdv_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of the SDV synthesizer, from this generator's hyper-parameters."""
        return {}

    # ------------------------------------------------------------------ fit
    def _all_kwargs(self, epochs: int | None = None) -> dict[str, Any]:
        kwargs = {"enforce_min_max_values": self.enforce_min_max_values, "enforce_rounding": self.enforce_rounding}
        kwargs.update(self._sdv_kwargs())
        if self.sdv_params:
            if not isinstance(self.sdv_params, dict):
                raise BenchkitError(f"{self.registered_name}: sdv_params must be a dict of SDV keyword arguments, "
                                    f"got {self.sdv_params!r}")
            kwargs.update(self.sdv_params)
        if epochs is not None:
            kwargs["epochs"] = epochs
        return kwargs

    def _synthesizer(self, metadata: Any, epochs: int | None = None) -> Any:
        import sdv.single_table as st

        cls = getattr(st, self.sdv_class)
        kwargs = self._all_kwargs(epochs)
        try:
            return cls(metadata, **kwargs)
        except TypeError as exc:
            raise BenchkitError(f"{self.registered_name}: SDV's {self.sdv_class} rejected the parameters "
                                f"{sorted(kwargs)}: {exc}") from None

    def _base_seed(self) -> int:
        if self.seed is None:
            return int(np.random.SeedSequence().generate_state(1)[0])
        return int(self.seed)

    def _fit(self, data: pd.DataFrame, schema: Schema) -> None:
        if "torch" not in sys.modules:  # idle OpenMP threads sleep, not spin (as in wgan: see its _torch)
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from sdv.metadata import Metadata

        self._check_params()
        t0 = time.perf_counter()
        frame = training_frame(data, schema, self.registered_name)
        self.types_ = OutputTypes.learn(data, schema)
        metadata = Metadata.load_from_dict(metadata_dict(schema))
        self.seed_used_ = self._base_seed()
        self.stopped_early_ = False
        self.training_: dict[str, Any] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SDV warns about metadata it was given on purpose
            self.synthesizer_, self.epochs_done_ = self._train(frame, metadata, t0)
            self.synthesizer_._set_random_state(_stream_seed(self.seed_used_, 1))
        self.fit_seconds_ = time.perf_counter() - t0
        self.training_.update(fit_s=round(self.fit_seconds_, 3))

    def training_summary(self) -> dict[str, Any]:
        """How much training the fit got: epochs done and planned, why it stopped, the budget, and the
        seconds spent preprocessing, probing and training (see the module docstring)."""
        if not getattr(self, "_fitted", False):
            raise NotFittedError(f"{self.registered_name}: training_summary() needs a fitted model; call fit() first")
        return dict(self.training_)

    def _train(self, frame: pd.DataFrame, metadata: Any, t0: float) -> tuple[Any, int | None]:
        """Fit the synthesizer once; under a time budget its epoch loop stops by the deadline."""
        epochs = getattr(self, "epochs", None) if self.has_epochs else None
        budget = None if self.max_seconds is None else float(self.max_seconds)
        deadline = t0 + budget if budget is not None and self.has_epochs else None
        with epoch_deadline(self.sdv_class, deadline, self.registered_name) as guard:
            fit = self._fit_one(frame, metadata, epochs)
        done = epochs if guard is None else guard.epochs
        self.stopped_early_ = guard is not None and guard.stopped
        self.training_ = {"epochs_done": done, "epochs_planned": epochs, "budget_s": budget,
                          "stopped_because": ("time budget" if self.stopped_early_ else
                                              "epochs done" if epochs else "fitted (no epochs)"),
                          "preprocess_s": round(fit.build_s, 3), "train_s": round(fit.train_s, 3)}
        return fit.synth, done

    def _fit_one(self, frame: pd.DataFrame, metadata: Any, epochs: int | None) -> _Fit:
        """A synthesizer fitted on ``frame`` for ``epochs``, with its build-and-preprocess and training seconds."""
        t0 = time.perf_counter()
        synth = self._synthesizer(metadata, epochs)
        with _seeded(_stream_seed(self.seed_used_, 0)):
            processed = synth.preprocess({TABLE: frame})  # SDV 2 takes {table name: frame} in every modality
            t1 = time.perf_counter()
            synth.fit_processed_data(processed)
        return _Fit(synth, t1 - t0, time.perf_counter() - t1)

    def _check_params(self) -> None:
        name = self.registered_name
        if self.max_seconds is not None and not (isinstance(self.max_seconds, (int, float)) and self.max_seconds > 0):
            raise BenchkitError(f"{name}: max_seconds must be a positive number or None, got {self.max_seconds!r}")
        if self.has_epochs:
            epochs = getattr(self, "epochs", None)
            if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
                raise BenchkitError(f"{name}: epochs must be a positive integer, got {epochs!r}")

    # --------------------------------------------------------------- sample
    def _sample(self, n: int) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = self.synthesizer_.sample(num_rows=n)
        if isinstance(raw, dict):  # SDV 2: {table name: frame}
            raw = raw[TABLE]
        if len(raw) != n:  # only constraints could drop rows, and none are set
            raise BenchkitError(f"{self.registered_name}: SDV returned {len(raw)} rows for sample({n})")
        return self.types_.restore(raw, n)

    # ------------------------------------------------------------ save/load
    def _extra_header(self) -> dict[str, Any]:
        """Plain data a subclass keeps in the saved file's header (none here)."""
        return {}

    def _read_extra_header(self, head: dict[str, Any]) -> None:
        """Restore what :meth:`_extra_header` wrote."""

    def save(self, path: str | Path) -> None:
        """Write the fitted model to one file: a JSON header (parameters, schema, versions, checksum) and
        the SDV synthesizer pickled (format in :mod:`benchkit_sdv.modelfile`, docs/sdv.md)."""
        if not getattr(self, "_fitted", False):
            raise NotFittedError(f"{self.registered_name}: save() needs a fitted model; call fit() first")
        params = self.get_params()
        header = {"generator": self.registered_name, "sdv_class": self.sdv_class, "params": params,
                  "schema": self.schema_.to_dict(), "seed_used": self.seed_used_, "epochs_done": self.epochs_done_,
                  "training": self.training_, **self._extra_header()}
        modelfile.write(path, header, {"synthesizer": self.synthesizer_, "types": self.types_})

    @classmethod
    def load(cls, path: str | Path) -> "SDVGenerator":
        """Read a model written by :meth:`save`. The header is checked before anything is unpickled, and the
        synthesizer is unpickled with a restricted unpickler (an allowlist of the globals SDV models need):
        defence in depth, not a sandbox; load files you trust."""
        path = Path(path)
        if not path.exists():
            raise BenchkitError(f"sdv plugin: model file {path} does not exist")
        head, payload = modelfile.read(path)
        target = next((c for c in _GENERATORS if c.registered_name == head.get("generator")), None)
        if target is None or not issubclass(target, cls):
            raise BenchkitError(f"sdv plugin: {path} holds a {head.get('generator')!r} model, not a {cls.registered_name!r} one")
        try:
            self = target(**head["params"])
            self.schema_ = Schema.from_dict(head["schema"])
            self.synthesizer_, self.types_ = payload["synthesizer"], payload["types"]
            self.seed_used_, self.epochs_done_ = head["seed_used"], head["epochs_done"]
            self.training_ = head["training"]
            self._read_extra_header(head)
        except (KeyError, TypeError, ValueError) as exc:
            raise BenchkitError(f"sdv plugin: {path} is a damaged SDV model file ({type(exc).__name__}: {exc}); "
                                "refit and save again") from None
        self._fitted = True
        return self


def _enable_gpu(device: str, name: str) -> bool:
    """SDV's ``enable_gpu`` from a benchkit ``device`` ("auto" = CUDA when available)."""
    if device in (None, "auto"):
        return True
    if device == "cpu":
        return False
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise BenchkitError(f"{name}: device='cuda' was asked for but torch sees no CUDA device; use device='auto'")
        return True
    raise BenchkitError(f"{name}: unknown device {device!r}; use 'auto', 'cpu' or 'cuda'")


class SDVGaussianCopulaGenerator(SDVGenerator):
    """SDV's GaussianCopulaSynthesizer: parametric marginals (``default_distribution``, per-column
    ``numerical_distributions``) joined by a Gaussian copula. No epochs; ``max_seconds`` is not used."""

    registered_name = "sdv_gaussian_copula"
    description = "SDV GaussianCopulaSynthesizer: fitted parametric marginals + Gaussian copula (peer)"
    tags = ("sdv", "peer", "statistical")
    sdv_class = "GaussianCopulaSynthesizer"

    def __init__(self, *, default_distribution: str = "beta", numerical_distributions: dict[str, str] | None = None,
                 enforce_min_max_values: bool = True, enforce_rounding: bool = True,
                 sdv_params: dict[str, Any] | None = None, seed: int | None = 0):
        self.store_params(locals())

    def _sdv_kwargs(self) -> dict[str, Any]:
        return {"default_distribution": self.default_distribution,
                "numerical_distributions": self.numerical_distributions}


class SDVCTGANGenerator(SDVGenerator):
    """SDV's CTGANSynthesizer (conditional GAN, mode-specific normalisation).

    benchkit names (as ``wgan``'s) -> SDV's: ``generator_dims`` -> ``generator_dim``, ``critic_dims`` ->
    ``discriminator_dim``, ``lr`` -> both learning rates, ``n_critic`` -> ``discriminator_steps``,
    ``device`` -> ``enable_gpu``. ``batch_size`` must be even and a multiple of ``pac`` (SDV's rule).
    """

    registered_name = "sdv_ctgan"
    description = "SDV CTGANSynthesizer: conditional GAN with mode-specific normalisation (peer, torch)"
    tags = ("sdv", "peer", "gan", "torch", "deep")
    sdv_class = "CTGANSynthesizer"
    has_epochs = True

    def __init__(self, *, epochs: int = 300, batch_size: int = 500, lr: float = 2e-4, embedding_dim: int = 128,
                 generator_dims: Sequence[int] = (256, 256), critic_dims: Sequence[int] = (256, 256),
                 n_critic: int = 1, pac: int = 10, log_frequency: bool = True, max_seconds: float | None = None,
                 device: str = "auto", enforce_min_max_values: bool = True, enforce_rounding: bool = True,
                 verbose: bool = False, sdv_params: dict[str, Any] | None = None, seed: int | None = 0):
        self.store_params(locals())

    @staticmethod
    def test_params() -> dict[str, Any]:
        return {"epochs": 2, "batch_size": 50, "pac": 5, "embedding_dim": 16, "generator_dims": (32, 32),
                "critic_dims": (32,), "device": "cpu"}

    def _check_params(self) -> None:
        super()._check_params()
        if not isinstance(self.pac, int) or self.pac < 1 or not isinstance(self.batch_size, int) \
                or self.batch_size % 2 or self.batch_size % self.pac:
            raise BenchkitError(f"{self.registered_name}: batch_size must be even and a multiple of pac "
                                f"(SDV's rule); got batch_size={self.batch_size!r}, pac={self.pac!r}")

    def _sdv_kwargs(self) -> dict[str, Any]:
        return {"epochs": self.epochs, "batch_size": self.batch_size, "generator_lr": self.lr,
                "discriminator_lr": self.lr, "embedding_dim": self.embedding_dim,
                "generator_dim": tuple(self.generator_dims), "discriminator_dim": tuple(self.critic_dims),
                "discriminator_steps": self.n_critic, "pac": self.pac, "log_frequency": self.log_frequency,
                "enable_gpu": _enable_gpu(self.device, self.registered_name), "verbose": bool(self.verbose)}


class SDVCopulaGANGenerator(SDVCTGANGenerator):
    """SDV's CopulaGANSynthesizer: CTGAN on columns first mapped through fitted parametric marginals
    (``default_distribution``). Same parameters as ``sdv_ctgan``, plus the marginals'."""

    registered_name = "sdv_copulagan"
    description = "SDV CopulaGANSynthesizer: CTGAN on Gaussian-copula-transformed columns (peer, torch)"
    tags = ("sdv", "peer", "gan", "torch", "deep")
    sdv_class = "CopulaGANSynthesizer"

    def __init__(self, *, epochs: int = 300, batch_size: int = 500, lr: float = 2e-4, embedding_dim: int = 128,
                 generator_dims: Sequence[int] = (256, 256), critic_dims: Sequence[int] = (256, 256),
                 n_critic: int = 1, pac: int = 10, log_frequency: bool = True, default_distribution: str = "beta",
                 numerical_distributions: dict[str, str] | None = None, max_seconds: float | None = None,
                 device: str = "auto", enforce_min_max_values: bool = True, enforce_rounding: bool = True,
                 verbose: bool = False, sdv_params: dict[str, Any] | None = None, seed: int | None = 0):
        super().__init__(epochs=epochs, batch_size=batch_size, lr=lr, embedding_dim=embedding_dim,
                         generator_dims=generator_dims, critic_dims=critic_dims, n_critic=n_critic, pac=pac,
                         log_frequency=log_frequency, max_seconds=max_seconds, device=device,
                         enforce_min_max_values=enforce_min_max_values, enforce_rounding=enforce_rounding,
                         verbose=verbose, sdv_params=sdv_params, seed=seed)
        self.default_distribution = default_distribution
        self.numerical_distributions = numerical_distributions

    def _sdv_kwargs(self) -> dict[str, Any]:
        return {**super()._sdv_kwargs(), "default_distribution": self.default_distribution,
                "numerical_distributions": self.numerical_distributions}


class SDVTVAEGenerator(SDVGenerator):
    """SDV's TVAESynthesizer (variational autoencoder). ``compress_dims``/``decompress_dims`` are the
    encoder/decoder widths; ``device`` -> ``enable_gpu``."""

    registered_name = "sdv_tvae"
    description = "SDV TVAESynthesizer: variational autoencoder for tables (peer, torch)"
    tags = ("sdv", "peer", "vae", "torch", "deep")
    sdv_class = "TVAESynthesizer"
    has_epochs = True

    def __init__(self, *, epochs: int = 300, batch_size: int = 500, embedding_dim: int = 128,
                 compress_dims: Sequence[int] = (128, 128), decompress_dims: Sequence[int] = (128, 128),
                 l2scale: float = 1e-5, loss_factor: float = 2, max_seconds: float | None = None,
                 device: str = "auto", enforce_min_max_values: bool = True, enforce_rounding: bool = True,
                 verbose: bool = False, sdv_params: dict[str, Any] | None = None, seed: int | None = 0):
        self.store_params(locals())

    @staticmethod
    def test_params() -> dict[str, Any]:
        return {"epochs": 2, "batch_size": 50, "embedding_dim": 16, "compress_dims": (32,),
                "decompress_dims": (32,), "device": "cpu"}

    def _sdv_kwargs(self) -> dict[str, Any]:
        return {"epochs": self.epochs, "batch_size": self.batch_size, "embedding_dim": self.embedding_dim,
                "compress_dims": tuple(self.compress_dims), "decompress_dims": tuple(self.decompress_dims),
                "l2scale": self.l2scale, "loss_factor": self.loss_factor,
                "enable_gpu": _enable_gpu(self.device, self.registered_name), "verbose": bool(self.verbose)}


_GENERATORS: list[type[SDVGenerator]] = [
    SDVGaussianCopulaGenerator, SDVCTGANGenerator, SDVTVAEGenerator, SDVCopulaGANGenerator,
]  # par.py appends SDVPARGenerator (it imports this module)
