"""``wgan``: a conditional WGAN-GP with MLP generator and critic, built for speed on a CPU.

Design (why each piece is there):

- :class:`~benchkit_wgan.transformer.DataTransformer` maps numerical columns through their empirical
  quantiles to normal scores (robust to heavy tails, point masses and several modes, and fast), and
  categorical columns and missing-value indicators to one-hot blocks.
- Training-by-sampling with conditional vectors (:mod:`benchkit_wgan.conditional`) so rare categories
  are learnt; the generator pays a cross-entropy penalty for ignoring its condition.
- Categorical outputs go through a Gumbel-softmax (``tau``) while training. When sampling, each
  category is *drawn* from the generator's softmax (Gumbel-max) rather than taken by argmax: argmax
  collapses every uncertain choice onto the most likely category and under-produces rare ones, while
  drawing keeps the learnt rates. Unconditional samples draw their conditional vectors from the real
  category frequencies.
- The critic sees packs of ``pac`` rows (PacGAN) and is trained with a gradient penalty (WGAN-GP).
- With a categorical target in the schema: half the training rows are conditioned on the target and
  sampling always is (p(target) p(features | target)); an auxiliary classifier teaches the generator
  how the features predict the target, and (``label_from_classifier``) then draws each sampled row's
  target given its other columns.
- Every few epochs a cheap held-in validation (TSTR with a target, and the pair fidelity of the
  columns' joint frequencies) scores the generator; the best-scoring weights are kept.
- The data stay one float32 tensor; batches are gathered by index, every categorical operation covers
  all spans at once, so the work per step is a few matrix products.

Randomness: the same ``seed`` gives the same model and the same samples on a CPU (with the same torch
thread count). ``sample`` calls are numbered: the i-th call of a fitted model, and of the same model
saved and loaded again, returns the same rows.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import pickletools
import re
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from benchkit.errors import BenchkitError, DataError, NotFittedError
from benchkit.generator import Generator, job_threads
from benchkit.schema import Schema

from .state import array_from_state, array_to_state, check_plain
from .transformer import DataTransformer, Encoded

log = logging.getLogger(__name__)

_SAMPLE_CHUNK = 50_000
_CALIBRATION_ROWS = 60_000
_CALIBRATION_ROUNDS = 3
_MAX_OVERSAMPLING = 4.0  # the label-shift correction draws at most about this many rows per kept row
_VAL_ROWS = 5_000  # real rows scored, and at most as many synthetic rows, per validation
_VAL_EVERY_ROWS = 50_000  # validate about once per this many training rows (whole epochs, at least 1)
_CLF_HOLDOUT_MAX = 5_000  # real rows held out from the auxiliary classifier, at most
_CLF_HOLDOUT_MIN = 100  # fewer would make the held-out cross-entropy too noisy to stop on: no holdout
_VAL_BINS = 10  # numeric columns in real deciles for the validation's pair fidelity
_FORMAT = "benchkit-wgan/2"  # tensors and plain data, read with torch.load(weights_only=True)
_OLD_FORMAT = "benchkit-wgan/1"  # pickled classes: refused


def _torch():
    """Import torch on first use (importing the plugin must not import torch).

    Before the first import, OpenMP threads are told to sleep rather than spin while waiting
    (``OMP_WAIT_POLICY=PASSIVE``, unless the user set it): on a machine shared with other busy
    processes, spinning threads made training up to 8x slower here, at no cost on an idle machine.
    """
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    return torch


def _n_threads() -> int:
    """torch threads for training: the benchmark job's budget inside a job, else every CPU here."""
    budget = job_threads()
    if budget is not None:
        return budget
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def auto_batch_size(n_rows: int, pac: int) -> int:
    """The batch of ``batch_size=None``: ``n_rows / 50`` within [250, 1000], a multiple of ``pac``.

    About 50 generator steps per epoch: with one step per batch of 1,000 a 25,000-row table got 25 per
    epoch and learnt its column pairs late (default_credit_card at 30 epochs: Column Pair Trends 0.707
    with 1,000 rows per batch, 0.875 with 500; docs/wgan.md). Large tables keep 1,000 rows per step,
    where rows per second matter more than steps per epoch."""
    bs = int(min(1000, max(250, round(n_rows / 50))))
    return max(pac, (bs // pac) * pac)


class WGANGenerator(Generator):
    """Conditional WGAN-GP for mixed tables (see the module docstring).

    Keyword-only hyper-parameters, stored unchanged: ``epochs`` and ``max_seconds`` (training stops at
    whichever comes first; ``max_seconds=None`` means no time limit), ``batch_size`` (rows per critic
    step, rounded down to a multiple of ``pac``; None = by table size, about 50 generator steps per
    epoch: ``n_rows / 50`` within [250, 1000], see :func:`auto_batch_size`), ``lr``, ``embedding_dim`` (noise size), ``generator_dims``/``critic_dims``
    (hidden widths), ``n_critic`` (critic steps per generator step), ``gp_weight``, ``pac``, ``tau``
    (Gumbel-softmax temperature), ``n_quantiles`` (knots of the numerical transform), ``calibrate``
    (after training, shift categorical logits and map numeric scores so columns come out at their real
    rates, and keep sampled rows per class of the classifier's target so targets do too),
    ``target_share`` (share of training rows conditioned on the schema's categorical target; sampling then
    always conditions on it), ``classifier_weight`` (weight of the auxiliary target classifier's hinge
    loss for the generator), ``label_from_classifier`` (draw each sampled row's target from that
    classifier given the row's other columns, at the target's real rates), ``classifier_holdout`` (share of
    the real rows, at most 5,000, that the classifier never trains on; the classifier state with the
    lowest cross-entropy on them is the one that draws the targets; 0 = train on every row and keep
    the last state), ``keep_best`` (keep the weights of the best held-in validation score),
    ``validate_every`` (epochs between validations; None = about once per 50,000 training rows); the
    first three act only with such a target, the validation scores TSTR only with one (docs/wgan.md). ``device``
    ("auto" = CUDA when available, else CPU), ``seed``, ``verbose`` (tqdm bar; None = only on a
    terminal). Like every :class:`~benchkit.Generator`, its ``progress`` attribute (set by the runner, not a
    constructor argument) is called after each epoch with ``epoch``, ``epochs``, ``seconds``, ``loss`` (the
    generator's) and the per-part losses ``loss_c``, ``gp``, ``loss_g``, ``loss_cond``, ``loss_aux`` (and
    ``val_score``, ``val_pairs`` and, with a target, ``val_tstr`` on validated epochs).
    """

    entity_support = True
    """With entity roles (an entity key, optionally an order and rules) ``fit`` learns whole histories:
    an entity profile model and a row model given the profile (:mod:`benchkit_wgan.entity`)."""

    def __init__(
        self,
        *,
        epochs: int = 300,
        batch_size: int | None = None,
        lr: float = 2e-4,
        embedding_dim: int = 64,
        generator_dims: Sequence[int] = (256, 256),
        critic_dims: Sequence[int] = (256, 256),
        n_critic: int = 1,
        gp_weight: float = 10.0,
        pac: int = 10,
        tau: float = 0.2,
        n_quantiles: int = 1000,
        calibrate: bool = True,
        target_share: float = 0.5,
        classifier_weight: float = 1.0,
        keep_best: bool = True,
        validate_every: int | None = None,
        label_from_classifier: bool = True,
        classifier_holdout: float = 0.1,
        max_seconds: float | None = None,
        device: str = "auto",
        seed: int | None = 0,
        verbose: bool | None = None,
    ):
        self.store_params(locals())

    @staticmethod
    def test_params() -> dict[str, Any]:
        """Cheap settings for the conformance checks and unit tests."""
        return {"epochs": 2, "batch_size": 50, "pac": 5, "generator_dims": (32, 32), "critic_dims": (32,),
                "embedding_dim": 16, "n_quantiles": 50, "device": "cpu"}

    # --------------------------------------------------------------- helpers
    def _check_params(self) -> None:
        if not isinstance(self.pac, int) or self.pac < 1:
            raise BenchkitError(f"wgan: pac must be a positive integer, got {self.pac!r}")
        if self.batch_size is not None and (not isinstance(self.batch_size, int) or self.batch_size < self.pac):
            raise BenchkitError(f"wgan: batch_size must be None (by table size) or an integer >= pac ({self.pac}), "
                                f"got {self.batch_size!r}")
        if not isinstance(self.epochs, int) or self.epochs < 0:
            raise BenchkitError(f"wgan: epochs must be a non-negative integer, got {self.epochs!r}")
        if not isinstance(self.n_critic, int) or self.n_critic < 1:
            raise BenchkitError(f"wgan: n_critic must be a positive integer, got {self.n_critic!r}")
        if not isinstance(self.target_share, (int, float)) or not 0.0 <= self.target_share <= 1.0:
            raise BenchkitError(f"wgan: target_share must be a number in [0, 1], got {self.target_share!r}")
        if self.validate_every is not None and (not isinstance(self.validate_every, int) or self.validate_every < 1):
            raise BenchkitError(f"wgan: validate_every must be a positive integer or None, got {self.validate_every!r}")
        if isinstance(self.classifier_holdout, bool) or not isinstance(self.classifier_holdout, (int, float)) \
                or not 0.0 <= self.classifier_holdout < 1.0:
            raise BenchkitError(f"wgan: classifier_holdout must be a number in [0, 1), got {self.classifier_holdout!r}")
        if not isinstance(self.label_from_classifier, bool):
            raise BenchkitError(f"wgan: label_from_classifier must be true or false, got {self.label_from_classifier!r}")
        if self.max_seconds is not None and not self.max_seconds > 0:
            raise BenchkitError(f"wgan: max_seconds must be positive or None, got {self.max_seconds!r}")

    def _torch_device(self):
        torch = _torch()
        if self.device in (None, "auto"):
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            dev = torch.device(self.device)
        except (RuntimeError, TypeError) as exc:
            raise BenchkitError(f"wgan: unknown device {self.device!r} ({exc}); use 'auto', 'cpu' or 'cuda'") from None
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise BenchkitError("wgan: device='cuda' was asked for but torch sees no CUDA device; use device='auto'")
        return dev

    def _base_seed(self) -> int:
        if self.seed is None:
            if getattr(self, "_seed_used", None) is None:
                self._seed_used = int(np.random.SeedSequence().generate_state(1)[0])
            return self._seed_used
        self._seed_used = int(self.seed)
        return self._seed_used

    def _target_span(self, schema: Schema) -> int | None:
        """Index of the discrete span of the schema's target, when it is categorical or boolean."""
        target = getattr(schema, "target", None)
        if target is None:
            return None
        return next((j for j, sp in enumerate(self.transformer_.spans) if sp.column == target), None)

    def _context_width(self) -> int:
        """Width of the per-row context (entity mode's row model: its entity's profile and position); 0 otherwise."""
        return int(getattr(self, "context_width_", 0) or 0)

    def _with_context(self, torch, x, ctx):
        return x if ctx is None else torch.cat([x, ctx], dim=1)

    def sample_with_context(self, context: np.ndarray) -> pd.DataFrame:
        """One row per row of ``context`` (n x context width), each generated given its context: the
        entity mode's row model (see :mod:`benchkit_wgan.entity`)."""
        if self._context_width() == 0 or context.shape[1] != self._context_width():
            raise BenchkitError(f"wgan: sample_with_context needs a model fitted with a context of width "
                                f"{self._context_width()}, got {context.shape[1]} columns")
        self._sample_context = np.ascontiguousarray(context, dtype=np.float32)
        try:
            return self.sample(len(context))
        finally:
            self._sample_context = None

    def _build(self, torch_device):
        from .networks import CriticNet, GeneratorNet, SpanLayout

        sizes = [s.size for s in self.transformer_.spans]
        layout = SpanLayout(sizes).to(torch_device)
        cw = self._context_width()  # 0 in row mode: the networks are exactly the row-mode ones
        gen = GeneratorNet(self.embedding_dim + layout.width + cw, list(self.generator_dims), self.transformer_.n_numeric, layout)
        critic = CriticNet(self.transformer_.width + layout.width + cw, list(self.critic_dims), self.pac)
        return layout, gen.to(torch_device), critic.to(torch_device)

    # ------------------------------------------------------------------- fit
    def _fit(self, data: pd.DataFrame, schema: Schema) -> None:
        self._check_params()
        self.entity_ = None
        roles = getattr(schema, "roles", None)
        if roles is not None and self._context_width() == 0:
            from .entity import fit_entities

            fit_entities(self, data, schema)
            return
        torch = _torch()
        torch.set_num_threads(_n_threads())
        dev = self._torch_device()
        self.device_ = str(dev)
        t0 = time.perf_counter()
        self.transformer_ = DataTransformer(n_quantiles=self.n_quantiles).fit(data, schema)
        enc = self.transformer_.transform(data)
        if self.transformer_.width == 0:
            raise DataError("wgan: the table has no column to model (only id columns); nothing to learn")
        matrix = torch.as_tensor(enc.matrix(self.transformer_.spans), device=dev)
        self.counts_ = [np.bincount(enc.codes[:, j], minlength=s.size) for j, s in enumerate(self.transformer_.spans)]
        self.n_sample_calls_ = 0
        self.target_span_ = self._target_span(schema)
        self.history_: list[dict[str, float]] = []
        seed = self._base_seed()
        devices = [dev.index or 0] if dev.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            self._train(torch, dev, matrix, enc.codes, t0)
        self.fit_seconds_ = time.perf_counter() - t0
        self.training_ = {
            "epochs_done": self.epochs_done_, "epochs_planned": self.epochs,
            "stopped_because": "time budget" if self.stopped_early_ else "epochs done",
            "best_epoch": self.best_epoch_, "best_score": self.best_score_,
            "validation": self.validation_,
            "label_classifier": self.label_clf_stop_,
            "budget_s": None if self.max_seconds is None else float(self.max_seconds),
            "train_s": round(self.train_seconds_, 3), "calibration_s": round(self.calibration_seconds_, 3),
            "fit_s": round(self.fit_seconds_, 3), "rows_seen": self.rows_seen_, "batch_size": self.batch_size_,
            "threads": int(torch.get_num_threads()),
        }

    def training_summary(self) -> dict[str, Any]:
        """How much training the fit got: epochs done and planned, why it stopped, budget and seconds."""
        if not getattr(self, "_fitted", False):
            raise NotFittedError("wgan: training_summary() needs a fitted model; call fit() first")
        return dict(self.training_)

    def _train(self, torch, dev, matrix, codes: np.ndarray, t0: float) -> None:
        from tqdm.auto import tqdm

        from .conditional import ConditionalSampler
        from .networks import gradient_penalty

        layout, gen, critic = self._build(dev)
        sampler = ConditionalSampler(codes, [s.size for s in self.transformer_.spans], dev,
                                     target_span=self.target_span_, target_share=float(self.target_share))
        validator = self._validator(torch, dev, matrix, codes, layout, sampler)
        opt_g = torch.optim.Adam(gen.parameters(), lr=self.lr, betas=(0.5, 0.9), weight_decay=1e-6)
        opt_c = torch.optim.Adam(critic.parameters(), lr=self.lr, betas=(0.5, 0.9))
        n = matrix.shape[0]
        bs = auto_batch_size(n, self.pac) if self.batch_size is None else (self.batch_size // self.pac) * self.pac
        self.batch_size_ = bs
        steps = max(1, math.ceil(n / (bs * self.n_critic)))
        has_cond = layout.n_spans > 0
        aux = self._aux_classifier(torch, dev, codes, layout)
        if aux is not None:
            clf, keep, y_all, t_off, t_size = aux
            opt_a = torch.optim.Adam(clf.parameters(), lr=1e-3, betas=(0.5, 0.9))
        held = self._classifier_holdout(torch, dev, n) if aux is not None else None
        if held is not None:
            held_rows, clf_weight = held
            held_x, held_y = matrix[held_rows][:, keep], y_all[held_rows]
        clf_best = None  # (held-out cross-entropy, epoch, state) of the classifier's best epoch
        arange_bs = torch.arange(bs, device=dev)
        ctx_all = None
        if self._context_width():
            ctx_all = torch.as_tensor(self._context_train, dtype=torch.float32, device=dev)
        self._ctx_pool = ctx_all

        def ctx_of(rows):
            return None if ctx_all is None else ctx_all[rows]

        def fake_batch(cond, ctx):
            noise = torch.randn(bs, self.embedding_dim, device=dev)
            num, logits = gen(self._with_context(torch, torch.cat([noise, cond], dim=1) if has_cond else noise, ctx))
            parts = [num]
            if has_cond:
                parts.append(layout.gumbel_softmax(logits, self.tau))
            return torch.cat(parts, dim=1), logits

        def draw():
            if has_cond:
                return sampler.training_batch(bs)
            rows = torch.randint(0, n, (bs,), device=dev)
            return torch.zeros(bs, 0, device=dev), None, None, rows

        t_loop = time.perf_counter()
        bar = tqdm(range(self.epochs), desc="wgan", unit="epoch", disable=None if self.verbose is None else not self.verbose,
                   leave=False)
        deadline = None if self.max_seconds is None else t0 + float(self.max_seconds)
        self.stopped_early_ = False
        best_state, self.best_epoch_, self.best_score_ = None, None, None
        every = validator["every"] if validator else 0
        val_seconds = 0.0
        epochs_done = 0
        rows_seen = 0
        for epoch in bar:
            sums = np.zeros(5)
            for _ in range(steps):
                for i in range(self.n_critic):
                    cond, span, k, rows = draw()
                    ctx = ctx_of(rows)
                    real = self._with_context(torch, torch.cat([matrix[rows], cond], dim=1), ctx)
                    last = i == self.n_critic - 1
                    # the last critic step's fake batch is kept (with its graph) for the generator
                    # step, as in PyTorch's DCGAN example: one generator forward per step, not two
                    with torch.set_grad_enabled(last):
                        fake, logits = fake_batch(cond, ctx)
                        fake = self._with_context(torch, torch.cat([fake, cond], dim=1), ctx)
                    loss_c = critic(fake.detach()).mean() - critic(real).mean()
                    gp = gradient_penalty(critic, real, fake.detach())
                    opt_c.zero_grad(set_to_none=True)
                    (loss_c + self.gp_weight * gp).backward()
                    opt_c.step()
                    rows_seen += bs
                aux_loss = torch.zeros((), device=dev)
                if aux is not None:
                    # the auxiliary classifier learns target | features on the real batch ...
                    real_logits = clf(matrix[rows][:, keep])
                    if held is None:
                        real_loss = torch.nn.functional.cross_entropy(real_logits, y_all[rows])
                    else:  # the held-out rows weigh 0: the classifier never learns from them
                        w = clf_weight[rows]
                        ce = torch.nn.functional.cross_entropy(real_logits, y_all[rows], reduction="none")
                        real_loss = (ce * w).sum() / w.sum().clamp_min(1.0)
                    opt_a.zero_grad(set_to_none=True)
                    real_loss.backward()
                    opt_a.step()
                critic.requires_grad_(False)  # the generator step needs no critic weight gradients
                loss_g = -critic(fake).mean()
                cond_loss = torch.zeros((), device=dev)
                if has_cond:
                    logp = layout.log_softmax_padded(logits)
                    cond_loss = -logp[arange_bs, span, k].mean()
                if aux is not None:
                    # ... and the generator is asked for rows whose features predict their own target:
                    # the condition where the target was conditioned on, else the target it drew
                    x_fake = fake[:, : matrix.shape[1]]
                    y_fake = x_fake[:, t_off : t_off + t_size].argmax(dim=1)
                    y_fake = torch.where(span == self.target_span_, k, y_fake)
                    clf.requires_grad_(False)
                    # a hinge at the classifier's loss on the real batch: the generator is pushed only while
                    # its rows are less predictable than real ones, never towards over-separated classes
                    fake_ce = torch.nn.functional.cross_entropy(clf(x_fake[:, keep]), y_fake)
                    aux_loss = torch.relu(fake_ce - real_loss.detach())
                    clf.requires_grad_(True)
                opt_g.zero_grad(set_to_none=True)
                (loss_g + cond_loss + self.classifier_weight * aux_loss).backward()
                opt_g.step()
                critic.requires_grad_(True)
                sums += [loss_c.item(), gp.item(), loss_g.item(), cond_loss.item(), aux_loss.item()]
                if deadline is not None and time.perf_counter() > deadline:
                    self.stopped_early_ = True
                    break
            epochs_done += 1
            rec = dict(zip(("loss_c", "gp", "loss_g", "loss_cond", "loss_aux"), (sums / steps).round(4).tolist()))
            if held is not None:
                with torch.no_grad():
                    held_loss = float(torch.nn.functional.cross_entropy(clf(held_x), held_y))
                rec["clf_held_out_loss"] = round(held_loss, 4)
                if clf_best is None or held_loss < clf_best[0]:
                    clf_best = (held_loss, epochs_done, {k: v.detach().clone() for k, v in clf.state_dict().items()})
            last_epoch = self.stopped_early_ or epochs_done == self.epochs
            if validator and (epochs_done % every == 0 or last_epoch):
                t_val = time.perf_counter()
                gen.eval()
                val, tstr, pairs = self._validation_score(torch, validator, gen, layout, sampler)
                rec["val_score"], rec["val_pairs"] = round(val, 4), round(pairs, 4)
                if tstr is not None:
                    rec["val_tstr"] = round(tstr, 4)
                if self.best_score_ is None or val > self.best_score_:
                    self.best_score_, self.best_epoch_ = round(val, 4), epochs_done
                    if self.keep_best:
                        best_state = {k: v.detach().clone() for k, v in gen.state_dict().items()}
                gen.train()
                val_seconds += time.perf_counter() - t_val
            rec.update(epoch=epoch + 1, epochs=self.epochs, seconds=round(time.perf_counter() - t0, 3), loss=rec["loss_g"])
            self.history_.append(rec)
            bar.set_postfix(loss_c=rec["loss_c"], loss_g=rec["loss_g"], cond=rec["loss_cond"])
            log.debug("wgan epoch %d/%d %s", epoch + 1, self.epochs, rec)
            if self.progress is not None:
                self.progress(dict(rec))
            if self.stopped_early_:
                log.info("wgan: stopped after %d epoch(s): time budget of %ss spent", epochs_done, self.max_seconds)
                break
        bar.close()
        if best_state is not None and self.best_epoch_ != epochs_done:
            gen.load_state_dict(best_state)
        self.validation_ = None if not validator else {
            "metric": ("mean of tstr_auc (LightGBM on synthetic, real training rows) and pair fidelity"
                       if "y" in validator else "pair fidelity (1 - TVD of each column pair's joint frequencies)"),
            "every": every,
            "rows": validator["rows"], "seconds": round(val_seconds, 3), "kept": "best" if self.keep_best else "last"}
        self.epochs_done_ = epochs_done
        self.rows_seen_ = rows_seen
        self.train_seconds_ = time.perf_counter() - t_loop
        self.layout_, self.gen_ = layout, gen.eval()
        self.sampler_ = sampler
        # the auxiliary classifier (it never sees generated rows), kept to draw sampled rows' targets
        # while label_from_classifier is on (it may be switched after fitting): its state of the lowest
        # held-out cross-entropy, else as trained to the end. Trained to the end it over-fits the real
        # rows (default_credit_card, 30 epochs: held-out ROC AUC 0.774 at epoch 5, 0.734 at 30), and the
        # sampled targets, hence TSTR, follow it
        self.label_clf_ = None if aux is None else aux[0].eval()
        self.label_clf_stop_ = None
        if clf_best is not None:
            self.label_clf_.load_state_dict(clf_best[2])
            self.label_clf_stop_ = {"held_out_rows": int(len(held_rows)), "best_epoch": clf_best[1],
                                    "held_out_loss": round(clf_best[0], 4)}
        t_cal = time.perf_counter()
        self._calibrate(torch)
        self.calibration_seconds_ = time.perf_counter() - t_cal

    def _aux_classifier(self, torch, dev, codes: np.ndarray, layout):
        """(classifier, feature columns, real target codes, target one-hot offset and size), or None.

        An MLP that predicts the target's category from the other encoded columns (numeric scores and
        one-hots), trained on real batches; the generator pays ``classifier_weight`` times its cross-entropy
        on generated rows (as CTAB-GAN's auxiliary classifier), which teaches it how the features depend
        on the target far sooner than the critic alone does. With ``label_from_classifier`` it also
        draws the target of every sampled row (:meth:`_relabel`).
        """
        t = self.target_span_
        if t is None or not self.classifier_weight or layout.n_spans == 0:
            return None
        clf, keep, t_off, t_size = self._classifier_net(torch, dev, layout)
        y_all = torch.as_tensor(codes[:, t].astype(np.int64), device=dev)
        return clf, keep, y_all, t_off, t_size

    def _classifier_holdout(self, torch, dev, n: int):
        """(held-out rows, per-row training weight: 0 on them, 1 elsewhere), or None.

        ``classifier_holdout`` of the real rows (at most 5,000), drawn with the fit's seed on a stream of
        their own, are left out of the auxiliary classifier's loss (the critic still sees them); their
        cross-entropy after each epoch picks the classifier state that draws the sampled targets.
        Too few rows (under 100) to judge on: no holdout, the last state is kept.
        """
        m = min(_CLF_HOLDOUT_MAX, int(n * float(self.classifier_holdout)))
        if m < _CLF_HOLDOUT_MIN or m >= n:
            return None
        rng = np.random.default_rng(np.random.SeedSequence([self._seed_used, 11]))
        rows = np.sort(rng.choice(n, size=m, replace=False))
        weight = torch.ones(n, device=dev)
        weight[torch.as_tensor(rows, device=dev)] = 0.0
        return torch.as_tensor(rows, device=dev), weight

    def _classifier_net(self, torch, dev, layout):
        """The auxiliary classifier's (untrained) network, its input columns and the target's one-hot place."""
        keep, t_off, t_size = self._classifier_columns(torch, dev, layout)
        hidden = int(max(self.critic_dims, default=128)) // 2 or 64
        clf = torch.nn.Sequential(torch.nn.Linear(len(keep), hidden), torch.nn.LeakyReLU(0.2),
                                  torch.nn.Linear(hidden, hidden), torch.nn.LeakyReLU(0.2),
                                  torch.nn.Linear(hidden, t_size)).to(dev)
        return clf, keep, t_off, t_size

    def _classifier_columns(self, torch, dev, layout):
        """The classifier's input columns of the training matrix (all but the target's one-hot block),
        and that block's offset and size."""
        t = self.target_span_
        n_num = self.transformer_.n_numeric
        t_off = n_num + int(layout.offsets[t])
        t_size = self.transformer_.spans[t].size
        keep = torch.as_tensor([j for j in range(n_num + layout.width) if not t_off <= j < t_off + t_size], device=dev)
        return keep, t_off, t_size

    # ------------------------------------------------------------ validation
    def _validator(self, torch, dev, matrix, codes: np.ndarray, layout, sampler) -> dict[str, Any] | None:
        """What the held-in validation needs, or None when there is nothing to validate.

        The score is the mean of two cheap checks on up to ``_VAL_ROWS`` real training rows (a fixed
        draw) and as many synthetic rows (see :func:`pair_fidelity` and :meth:`_validation_score`):

        * TSTR (with a categorical target): a small LightGBM trained on synthetic rows (in the encoded
          space: numeric scores and one code per span) predicts the real rows' target; ROC AUC
          (one-vs-rest macro for several classes);
        * pair fidelity: the mean over column pairs of 1 - total variation distance between the real
          and synthetic joint frequencies (numeric columns in deciles of the real values), so the
          kept checkpoint also has the columns' co-occurrence, not only the target's predictability.

        Without a target the score is the pair fidelity alone. Real training rows are used, not a
        held-out slice, so no data are taken from training; the classifier never sees them.
        """
        n_num = self.transformer_.n_numeric
        if n_num + layout.n_spans < 2 or (not self.keep_best and self.validate_every is None):
            return None  # nothing to keep and no validation asked for
        n = matrix.shape[0]
        rng = np.random.default_rng(np.random.SeedSequence([self._seed_used, 7]))
        rows = np.sort(rng.choice(n, size=min(n, _VAL_ROWS), replace=False))
        real_num = matrix[rows, :n_num].cpu().numpy().astype(np.float64)
        sorted_num = np.sort(real_num, axis=0)
        inner = np.linspace(0, 1, _VAL_BINS + 1)[1:-1]
        edges = [np.unique(np.quantile(sorted_num[:, c], inner)) for c in range(n_num)]
        # bins of the sorted real values: a synthetic value of rank q lands where the calibration puts it
        sorted_bins = np.stack([np.searchsorted(e, sorted_num[:, c], side="right") for c, e in enumerate(edges)], axis=1) \
            if n_num else np.zeros((len(rows), 0), dtype=np.int64)
        real_bins = np.stack([np.searchsorted(e, real_num[:, c], side="right") for c, e in enumerate(edges)], axis=1) \
            if n_num else sorted_bins
        val = {"rows": len(rows), "every": int(self.validate_every or max(1, round(_VAL_EVERY_ROWS / n))),
               "m": int(max(1000, min(_VAL_ROWS, n))), "sorted_bins": sorted_bins, "sorted_num": sorted_num,
               "real_disc": np.concatenate([real_bins, codes[rows]], axis=1).astype(np.int64),
               "real_corr": rank_correlation(real_num)}
        if self._context_width():  # each generated row gets the context of a real row of the draw
            at = rows[np.arange(val["m"]) % len(rows)]
            val["ctx"] = torch.as_tensor(self._context_train[at], dtype=torch.float32, device=dev)
        t = self.target_span_
        y = codes[rows, t] if t is not None else None
        if y is not None and len(np.unique(y)) >= 2:
            feats = [j for j in range(layout.n_spans) if j != t]
            val.update(x=np.concatenate([real_num, codes[rows][:, feats].astype(np.float64)], axis=1), y=y,
                       feats=feats, classes=np.unique(y))
        return val

    def _validation_score(self, torch, val: dict[str, Any], gen, layout, sampler) -> tuple[float, float | None, float]:
        """``(score, tstr_auc, pair_fidelity)`` of the generator as it stands (see :meth:`_validator`)."""
        from scipy.special import ndtri

        dev = torch.device(self.device_)
        m = val["m"]
        g = torch.Generator(device=dev)
        g.manual_seed(int(np.random.SeedSequence([self._seed_used, 11]).generate_state(1)[0]))
        with torch.no_grad():
            noise = torch.randn(m, self.embedding_dim, device=dev, generator=g)
            ctx = val.get("ctx")
            if layout.n_spans:
                cond, span, k = sampler.sampling_cond(m, g)
                num, logits = gen(self._with_context(torch, torch.cat([noise, cond], dim=1), ctx))
                code = layout.sample_codes(logits, g)
                code[torch.arange(m, device=dev), span] = k
            else:
                num, _ = gen(self._with_context(torch, noise, ctx))
                code = torch.zeros((m, 0), dtype=torch.long)
        num, code = num.double().cpu().numpy(), code.cpu().numpy()
        rank = num.argsort(0).argsort(0)
        # numeric columns placed as the calibration would: rank q -> the real value of rank q
        sb, sn = val["sorted_bins"], val["sorted_num"]
        at = (rank * len(sb)) // m
        syn_bins = np.take_along_axis(sb, at, axis=0) if num.shape[1] else sb[:0]
        syn_corr = rank_correlation(np.take_along_axis(sn, at, axis=0)) if num.shape[1] else None
        pairs = pair_fidelity(val["real_disc"], np.concatenate([syn_bins, code], axis=1).astype(np.int64),
                              (val["real_corr"], syn_corr) if num.shape[1] else None)
        if "y" not in val:
            return pairs, None, pairs
        # each numeric score by its rank to a normal score, as the calibration would
        num = ndtri((rank + 0.5) / m) if num.shape[1] else num
        tstr = self._tstr(torch, val, np.concatenate([num, code[:, val["feats"]].astype(np.float64)], axis=1),
                          code[:, self.target_span_], num.shape[1])
        return 0.5 * (tstr + pairs), tstr, pairs

    def _tstr(self, torch, val: dict[str, Any], x: np.ndarray, y: np.ndarray, n_num: int) -> float:
        import lightgbm as lgb
        from sklearn.metrics import roc_auc_score

        if len(np.unique(y)) < 2:
            return 0.5
        model = lgb.LGBMClassifier(n_estimators=50, num_leaves=15, learning_rate=0.1, min_child_samples=10,
                                   verbose=-1, n_jobs=max(1, torch.get_num_threads()), random_state=0,
                                   deterministic=True, force_col_wise=True)
        model.fit(x, y, categorical_feature=list(range(n_num, x.shape[1])))
        proba = model.predict_proba(val["x"])
        yv, classes = val["y"], val["classes"]
        full = np.zeros((len(yv), len(classes)))
        for j, c in enumerate(model.classes_):
            if c in classes:
                full[:, np.searchsorted(classes, c)] = proba[:, j]
        try:
            if len(classes) == 2:
                return float(roc_auc_score(yv == classes[1], full[:, 1]))
            full = full / np.clip(full.sum(1, keepdims=True), 1e-12, None)
            return float(roc_auc_score(yv, full, multi_class="ovr", labels=classes))
        except ValueError:
            return 0.5

    # ---------------------------------------------------------------- sample
    def _sample(self, n: int) -> pd.DataFrame:
        if getattr(self, "entity_", None) is not None:
            from .entity import sample_entities

            return sample_entities(self, n)
        torch = _torch()
        call = self.n_sample_calls_
        self.n_sample_calls_ += 1
        g = self._rng(torch, call + 1)
        nums, codes = [], []
        context = getattr(self, "_sample_context", None)
        if self._context_width() and context is None:
            raise BenchkitError("wgan: this is an entity-mode row model; sample it with sample_with_context()")
        relabel = self.label_from_classifier and self.label_clf_ is not None
        keep = getattr(self, "label_keep_", None)
        # with the classifier's targets and the calibration: rows kept with their target class's
        # acceptance (label-shift correction, see _calibrate); never with contexts (one row per context)
        keep = keep if relabel and self.calibrate and keep is not None and context is None else None
        got = 0
        with torch.no_grad():
            while got < n:
                want = n - got
                # about enough rows to keep ``want`` of them (a few more, so one more round is rare)
                m = min(_SAMPLE_CHUNK, want if keep is None else math.ceil(want / self.label_acceptance_ * 1.05) + 16)
                ctx = None if context is None else torch.as_tensor(context[got:got + m], device=torch.device(self.device_))
                num, code, _ = self._generate(torch, m, g, ctx, calibrated=self.calibrate)
                # calibrate=False set after fitting samples the generator as trained (the side-by-side of
                # benchmarks/wgan_quality.py --calibration both); the fitted corrections stay for later samples
                z = num.double().cpu().numpy()
                z = self._calibrated(z) if self.calibrate else z
                code = code.cpu().numpy()
                if relabel:
                    code = self._relabel(torch, z, code, g)
                if keep is not None:
                    u = torch.rand(len(code), generator=g, dtype=torch.float64, device=g.device).cpu().numpy()
                    ok = np.flatnonzero(u < keep[code[:, self.target_span_]])[:want]
                    z, code = z[ok], code[ok]
                nums.append(z)
                codes.append(code)
                got += len(z)
        return self.transformer_.inverse_transform(np.concatenate(nums), np.concatenate(codes))

    def _label_logits(self, torch, z: np.ndarray, codes: np.ndarray):
        """The auxiliary classifier's target logits for generated rows (numeric scores as sampled, span codes).

        The classifier learnt on real rows' scores, so each generated score goes in as the score a real
        row with the same decoded value has (:meth:`DataTransformer.canonical_scores`): a generated
        capital gain of 0 is the one score every real 0 has, not a point of the plateau the real rows
        never show (fed raw, such scores sent Adult's TSTR at 300 s from 0.86 down to 0.72). The input
        is then laid out as the training matrix is (:meth:`Encoded.matrix`).
        """
        dev = torch.device(self.device_)
        keep, _, _ = self._classifier_columns(torch, dev, self.layout_)
        x = Encoded(self.transformer_.canonical_scores(z, codes), codes).matrix(self.transformer_.spans)
        return self.label_clf_(torch.as_tensor(x, device=dev)[:, keep])

    def _relabel(self, torch, z: np.ndarray, codes: np.ndarray, g) -> np.ndarray:
        """Draw each row's target from the auxiliary classifier given the row's other columns.

        The generator's rows come as p(target) p(features | target); the classifier, trained on real rows
        only, gives p(target | features) directly, which is what a model trained on the synthetic rows
        has to learn (docs/wgan.md, "The target from the classifier"). The targets' rates are put right
        by keeping rows per class (:meth:`_calibrate`), never by shifting these probabilities.
        """
        logits = self._label_logits(torch, z, codes)
        codes = codes.copy()
        codes[:, self.target_span_] = torch.multinomial(torch.softmax(logits, dim=1), 1, generator=g)[:, 0].cpu().numpy()
        return codes

    def _calibrated(self, z: np.ndarray) -> np.ndarray:
        """Map each generated numeric score through its own quantile map (monotone, per column)."""
        maps = getattr(self, "numeric_calibration_", None) or []
        for j, qmap in enumerate(maps):
            if qmap is not None:
                z[:, j] = qmap.forward(z[:, j])
        return z

    def _rng(self, torch, stream: int):
        """A torch generator for one numbered stream of this model's seed (0 = calibration)."""
        g = torch.Generator(device=torch.device(self.device_))
        g.manual_seed(int(np.random.SeedSequence([self._seed_used, stream]).generate_state(1)[0]))
        return g

    def _generate(self, torch, m: int, g, ctx=None, calibrated: bool = True):
        """m rows: numeric scores, span codes (the conditioned span set to its condition), span ids.
        With a context (entity mode's row model), ``ctx`` gives each row's; None there (the calibration)
        takes the contexts of random training rows."""
        dev = torch.device(self.device_)
        noise = torch.randn(m, self.embedding_dim, device=dev, generator=g)
        if self._context_width() and ctx is None:
            pool = self._ctx_pool
            ctx = pool[torch.randint(0, len(pool), (m,), device=dev, generator=g)]
        if self.layout_.n_spans == 0:
            num, _ = self.gen_(self._with_context(torch, noise, ctx))
            return num, torch.zeros(m, 0, dtype=torch.long), None
        cond, span, k = self.sampler_.sampling_cond(m, g)
        num, logits = self.gen_(self._with_context(torch, torch.cat([noise, cond], dim=1), ctx))
        code = self.layout_.sample_codes(logits + self.logit_bias_ if calibrated else logits, g)
        code[torch.arange(m, device=dev), span] = k
        return num, code, span

    def _calibrate(self, torch) -> None:
        """Correct the generator's marginals after training, keeping how columns relate.

        Categorical spans: the conditioned span of a row always has its real frequency; the others
        depend on how well the generator learnt the joint distribution, and a short training
        over-produces rare categories. A few rounds of ``bias += log(real rate / generated rate)``
        (estimated on rows where the span was not the condition) fix the marginals; each category's
        odds are scaled the same way in every context, so associations are kept.

        Numerical columns: the generated normal scores are mapped through their own empirical
        quantiles to exact normal scores (a monotone map per column), so each column's distribution
        matches the real one while the ranks, and hence the dependence between columns, stay as the
        generator made them.

        The target, when the auxiliary classifier draws it (``label_from_classifier``): the classifier
        learnt p(target | features) on real rows, so its probabilities are right for any row; what can
        be off is how many generated rows look like each class (on the Berka prefix 6-10% of the rows
        look like a class that 1.6% of real rows have). That is label shift, and it is corrected by
        keeping each sampled row with its drawn class's acceptance ``min(1, (real rate / generated
        rate) / r)``, ``r`` the largest ratio (at most :data:`_MAX_OVERSAMPLING`), not by shifting the
        classifier's probabilities, which relabelled rows that looked like the over-produced class
        (Berka, 300 s, seed 0: TSTR 0.953 with one bias per class, 0.986 with the acceptance). The
        categorical and numerical corrections are fitted on rows weighted by that acceptance, since
        those are the rows a sample keeps. ``calibrate=False`` turns all three off.
        """
        from .quantile import QuantileNormalMap

        width = self.layout_.width
        self.logit_bias_ = torch.zeros(width, device=torch.device(self.device_))
        self.numeric_calibration_ = []
        self.label_keep_, self.label_acceptance_ = None, 1.0
        if not self.calibrate:
            return
        g = self._rng(torch, 0)
        m = int(min(_CALIBRATION_ROWS, max(20 * width, 10_000)))
        # the acceptance is fitted for the classifier's targets: a fit with label_from_classifier=False
        # calibrates every row alike (switched on after fitting, its targets keep the classifier's rates),
        # and so does entity mode's row model, whose rows (one per context) are never left out
        relabel = self.label_clf_ is not None and self.label_from_classifier and not self._context_width()
        if relabel:
            counts = self.counts_[self.target_span_]
            target_rate = counts / counts.sum()

        def weighted_draw(calibrated_numbers: bool):
            """m generated rows (scores, codes, span ids) and each row's chance to be kept (the mean
            acceptance of its target under the classifier; 1 without one), with this draw's acceptance."""
            with torch.no_grad():
                num, code, span = self._generate(torch, m, g)
            z, code = num.double().cpu().numpy(), code.cpu().numpy()
            if not relabel:
                return z, code, span, np.ones(m), None
            zc = self._calibrated(z.copy()) if calibrated_numbers else z
            with torch.no_grad():
                prob = torch.softmax(self._label_logits(torch, zc, code).double(), dim=1).cpu().numpy()
            keep = class_acceptance(target_rate, prob.mean(axis=0))
            return z, code, span, prob @ keep, keep

        if self.layout_.n_spans:
            real = torch.as_tensor(np.concatenate([c / c.sum() for c in self.counts_]), dtype=torch.float64)
            sizes = torch.as_tensor([len(c) for c in self.counts_])
            seg = torch.repeat_interleave(torch.arange(self.layout_.n_spans), sizes)
            offsets = self.layout_.offsets.cpu()
            for _ in range(_CALIBRATION_ROUNDS):
                _, code, span, w, _ = weighted_draw(False)
                code, span, w = torch.as_tensor(code), span.cpu(), torch.as_tensor(w)
                free = torch.ones_like(code, dtype=torch.bool)
                free[torch.arange(m), span] = False
                hits = torch.zeros(width, dtype=torch.float64)
                hits.index_add_(0, (code + offsets)[free], w[:, None].expand(code.shape)[free])
                n_free = (free.double() * w[:, None]).sum(0)[seg]
                gen_rate = (hits + 0.5) / (n_free + 1.0)
                step = torch.log(real.clamp_min(1e-12) / gen_rate).clamp(-4.0, 4.0).where(n_free > 0, 0.0)
                self.logit_bias_ += step.to(self.logit_bias_.dtype).to(self.logit_bias_.device)
        if self.transformer_.n_numeric:
            z, code, _, w, _ = weighted_draw(False)
            kept = torch.rand(m, generator=g, dtype=torch.float64, device=g.device).cpu().numpy() < w
            for j, col in enumerate(self.transformer_.numeric):
                keep = kept if col.missing_span is None else kept & (code[:, col.missing_span] == 0)
                values = z[keep, j]
                ok = col.qmap is not None and len(values) >= 100 and np.isfinite(values).all()
                self.numeric_calibration_.append(QuantileNormalMap.fit(values, self.n_quantiles) if ok else None)
        if relabel:
            _, _, _, w, keep = weighted_draw(True)
            self.label_keep_, self.label_acceptance_ = keep, float(max(w.mean(), 1e-3))

    def _state(self) -> dict[str, Any]:
        """The fitted model as tensors and plain data (see :meth:`save`); entity mode nests its two models."""
        state = {"format": _FORMAT, "params": self.get_params(), "schema": self.schema_.to_dict()}
        if getattr(self, "entity_", None) is not None:
            from .entity import entity_state

            state["entity"] = entity_state(self)
            return state
        state.update({
            "transformer": self.transformer_.to_state(),
            "counts": [array_to_state(np.asarray(c, dtype=np.int64)) for c in self.counts_],
            "generator": {k: v.cpu() for k, v in self.gen_.state_dict().items()},
            "logit_bias": self.logit_bias_.cpu(),
            "numeric_calibration": [None if q is None else q.to_state() for q in self.numeric_calibration_],
            "seed_used": int(self._seed_used),
            "n_sample_calls": int(self.n_sample_calls_),
            "history": self.history_,
            "training": self.training_,
        })
        if self._context_width():
            state["context_width"] = self._context_width()
        if self.label_clf_ is not None:
            state["label_classifier"] = {k: v.cpu() for k, v in self.label_clf_.state_dict().items()}
            keep = getattr(self, "label_keep_", None)
            state["label_keep"] = None if keep is None else [float(v) for v in keep]
            state["label_acceptance"] = float(getattr(self, "label_acceptance_", 1.0))
        return state

    # ------------------------------------------------------------ save/load
    def save(self, path: str | Path) -> None:
        """Write the fitted model to one torch file of tensors and plain data (no pickled classes), so
        :meth:`load` reads it with ``torch.load(weights_only=True)``."""
        torch = _torch()
        if not getattr(self, "_fitted", False):
            raise NotFittedError("wgan: save() needs a fitted model; call fit() first")
        state = self._state()
        check_plain(state, "the model state")
        torch.save(state, Path(path))

    @classmethod
    def load(cls, path: str | Path, device: str | None = None) -> "WGANGenerator":
        """Read a model written by :meth:`save` (a classmethod: returns a new, fitted generator).

        The file is read with ``torch.load(weights_only=True)``: tensors and plain data only, so a
        crafted file cannot run code. Files of the older, pickled format are refused, not unpickled.
        """
        torch = _torch()
        path = Path(path)
        if not path.exists():
            raise BenchkitError(f"wgan: model file {path} does not exist")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise _load_error(path, exc) from None
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise BenchkitError(f"wgan: {path} is not a saved wgan model (format {_FORMAT} expected)")
        return cls._from_state(state, device, path)

    @classmethod
    def _from_state(cls, state: dict[str, Any], device: str | None, path: Path) -> "WGANGenerator":
        """A fitted generator from :meth:`_state`'s dict (``path`` names the file in errors)."""
        from .conditional import ConditionalSampler
        from .quantile import QuantileNormalMap

        try:
            params = dict(state["params"])
            if device is not None:
                params["device"] = device
            self = cls(**params)
            self.schema_ = Schema.from_dict(state["schema"])
            if "entity" in state:
                from .entity import entity_from_state

                entity_from_state(self, state["entity"], device, path)
                self._fitted = True
                return self
            dev = self._torch_device()
            self.device_ = str(dev)
            self.entity_ = None
            self.context_width_ = int(state.get("context_width", 0))
            self.transformer_ = DataTransformer.from_state(state["transformer"])
            self.counts_ = [array_from_state(c) for c in state["counts"]]
            self.layout_, gen, _ = self._build(dev)
            gen.load_state_dict(state["generator"])
            self.gen_ = gen.eval()
            self.logit_bias_ = state["logit_bias"].to(dev)
            self.numeric_calibration_ = [None if q is None else QuantileNormalMap.from_state(q)
                                         for q in state["numeric_calibration"]]
            self._seed_used = state["seed_used"]
            self.n_sample_calls_ = state["n_sample_calls"]
            self.history_ = state["history"]
            self.training_ = state["training"]
        except BenchkitError:
            raise
        except Exception as exc:  # a damaged state: missing keys, wrong shapes
            raise BenchkitError(f"wgan: {path} is a damaged wgan model file ({type(exc).__name__}: {exc}); "
                                "refit and save again") from None
        self.target_span_ = self._target_span(self.schema_)
        self.label_clf_, self.label_keep_, self.label_acceptance_ = None, None, 1.0
        if "label_classifier" in state:
            try:
                clf = self._classifier_net(_torch(), dev, self.layout_)[0]
                clf.load_state_dict(state["label_classifier"])
            except Exception as exc:
                raise BenchkitError(f"wgan: {path} is a damaged wgan model file (label classifier: "
                                    f"{type(exc).__name__}: {exc}); refit and save again") from None
            self.label_clf_ = clf.eval()
            # files written before the per-class acceptance (with "label_bias") sample without a
            # correction of the targets' rates
            keep = state.get("label_keep")
            self.label_keep_ = None if keep is None else np.asarray(keep, dtype=np.float64)
            self.label_acceptance_ = float(state.get("label_acceptance", 1.0))
        self.sampler_ = ConditionalSampler(None, [s.size for s in self.transformer_.spans], dev, counts=self.counts_,
                                           target_span=self.target_span_, target_share=float(self.target_share))
        self._fitted = True
        return self


def class_acceptance(real_rate: np.ndarray, generated_rate: np.ndarray,
                     max_oversampling: float = _MAX_OVERSAMPLING) -> np.ndarray:
    """Per class, the chance to keep a generated row of that class so that the kept rows have the real
    class rates: ``min(1, (real / generated) / r)`` with ``r`` the largest ratio, at most
    ``max_oversampling`` (a class the generator makes far too rarely then keeps every row and stays
    under its real rate, rather than the sample needing many times the rows)."""
    real = np.asarray(real_rate, dtype=np.float64)
    ratio = real / np.maximum(np.asarray(generated_rate, dtype=np.float64), 1e-12)
    ratio[real <= 0] = 0.0
    top = float(ratio.max()) if len(ratio) else 1.0
    if top <= 0:
        return np.ones_like(ratio)
    return np.minimum(1.0, ratio / min(top, float(max_oversampling)))


def rank_correlation(x: np.ndarray) -> np.ndarray:
    """Spearman correlation matrix of the columns of ``x`` (average ranks for ties); 0 where a
    column is constant."""
    from scipy.stats import rankdata

    if x.shape[1] == 0:
        return np.zeros((0, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(rankdata(x, axis=0), rowvar=False)
    return np.nan_to_num(np.atleast_2d(corr), nan=0.0)


def pair_fidelity(real: np.ndarray, synthetic: np.ndarray,
                  corr: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """Mean over column pairs of a similarity of two integer-coded tables (rows x columns, codes >= 0),
    as SDMetrics' Column Pair Trends scores them:

    * ``1 - TVD`` between the pair's joint frequencies (ContingencySimilarity on the codes; one
      ``bincount`` per pair and table: the columns, not the rows, are looped over);
    * for the pairs among the first ``k`` columns when ``corr = (real_corr, synthetic_corr)``, two
      k x k correlation matrices, are given: ``1 - |real_corr - synthetic_corr| / 2``
      (CorrelationSimilarity), which tells a lost correlation apart where binned counts on a few
      thousand rows barely move.

    A single column gives its own 1 - TVD."""
    d = real.shape[1]
    k_corr = 0 if corr is None else len(corr[0])
    size = np.maximum(real.max(0, initial=0), synthetic.max(0, initial=0)) + 1
    if d == 1:
        pairs = [(0, 0)]
    else:
        pairs = [(i, j) for i in range(d) for j in range(i + 1, d)]
    out = np.empty(len(pairs))
    for p, (i, j) in enumerate(pairs):
        if j < k_corr and i != j:
            out[p] = 1.0 - abs(corr[0][i, j] - corr[1][i, j]) / 2.0
            continue
        k = int(size[i] * size[j])
        a = np.bincount(real[:, i] * size[j] + real[:, j], minlength=k) / len(real)
        b = np.bincount(synthetic[:, i] * size[j] + synthetic[:, j], minlength=k) / len(synthetic)
        out[p] = 1.0 - 0.5 * np.abs(a - b).sum()
    return float(out.mean())


def _load_error(path: Path, exc: Exception) -> BenchkitError:
    """Why ``torch.load(weights_only=True)`` refused ``path``: a file of the old pickled format (found by
    reading its pickle's opcodes, never by running them), a file that asks for code, or no model at all."""
    refused = isinstance(exc, pickle.UnpicklingError)
    if refused and _old_format(path):
        return BenchkitError(f"wgan: {path} was saved by an older benchkit with an unsafe format "
                             f"({_OLD_FORMAT}, pickled classes); refit and save again")
    found = re.search(r"GLOBAL ([\w.]+)", str(exc)) if refused else None
    if found:
        return BenchkitError(f"wgan: refused to load {path}: it asks to import {found.group(1)}, which a wgan "
                             "model file never does (not loaded; nothing in it was run)")
    if refused:
        detail = "its pickle holds more than tensors and plain data"
    else:
        detail = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
    return BenchkitError(f"wgan: {path} is not a saved wgan model, or is truncated or damaged ({detail})")


def _old_format(path: Path) -> bool:
    """Whether the torch file's pickle holds the old format string (opcodes are read, not executed)."""
    try:
        with zipfile.ZipFile(path) as zf:
            name = next(n for n in zf.namelist() if n.endswith("/data.pkl"))
            return any(arg == _OLD_FORMAT for _, arg, _ in pickletools.genops(zf.read(name)))
    except Exception:
        return False
