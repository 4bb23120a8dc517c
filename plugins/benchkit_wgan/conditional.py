"""Conditional vectors and training-by-sampling (as in CTGAN), without Python loops over rows.

Training: pick a discrete span uniformly (or, for a share ``target_share`` of the rows, the span of
the schema's categorical target), a category of it with probability proportional to
log(1 + count), and a real row having that category. Rare categories are thereby shown to the
generator (with their real context) far more often than their frequency, and a cross-entropy term
makes the generator honour the condition. Sampling: the same, but categories are drawn with their real
frequencies, so every category is produced at its real rate; with a target, the condition is always
the target's span, so the target has its real rates and the other columns follow p(features | target).

Row lookup uses precomputed arrays: per span, the row numbers sorted by category (``rows``), and per
global category its start and count in that array.
"""

from __future__ import annotations

import numpy as np
import torch


class ConditionalSampler:
    """Draws conditional vectors and matching real rows; all tensors live on ``device``."""

    def __init__(self, codes: np.ndarray | None, sizes: list[int], device: torch.device, counts: list[np.ndarray] | None = None,
                 target_span: int | None = None, target_share: float = 0.0):
        self.sizes = list(sizes)
        # the target's span (the schema's categorical target) is the condition of a share of the training
        # rows, so the generator learns p(features | target); sampling then always conditions on it
        self.target_span = target_span if target_share > 0 else None
        self.target_share = float(target_share) if target_span is not None else 0.0
        self.n_spans = len(sizes)
        self.width = int(sum(sizes))
        self.device = device
        if self.n_spans == 0:
            return
        kmax = max(sizes)
        offsets = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
        if codes is not None:
            n = len(codes)
            counts = [np.bincount(codes[:, s], minlength=k) for s, k in enumerate(sizes)]
            order = np.concatenate([np.argsort(codes[:, s], kind="stable") for s in range(self.n_spans)])
            starts = np.concatenate(
                [s * n + np.r_[0, np.cumsum(c)[:-1]] for s, c in enumerate(counts)]
            )
            self.rows = torch.as_tensor(order.astype(np.int32 if n < 2**31 else np.int64), device=device)
            self.starts = torch.as_tensor(starts, device=device)
            self.counts = torch.as_tensor(np.concatenate(counts), device=device)
        assert counts is not None, "give codes (training) or counts (a loaded model)"
        self.counts_np = [np.asarray(c, dtype=np.int64) for c in counts]
        log_p = np.zeros((self.n_spans, kmax))
        real_p = np.zeros((self.n_spans, kmax))
        for s, c in enumerate(self.counts_np):
            lf = np.log1p(c)  # CTGAN's log-frequency
            log_p[s, : len(c)] = lf / lf.sum()
            real_p[s, : len(c)] = c / c.sum()
        self.log_cdf = torch.as_tensor(np.cumsum(log_p, axis=1), dtype=torch.float64, device=device)
        self.real_cdf = torch.as_tensor(np.cumsum(real_p, axis=1), dtype=torch.float64, device=device)
        self.offsets = torch.as_tensor(offsets, device=device)

    def _draw(self, n: int, cdf: torch.Tensor, generator: torch.Generator | None, target: str = "none") -> tuple[torch.Tensor, torch.Tensor]:
        if target == "all":
            span = torch.full((n,), self.target_span, dtype=torch.long, device=self.device)
        else:
            span = torch.randint(0, self.n_spans, (n,), device=self.device, generator=generator)
            if target == "share":
                pick = torch.rand(n, device=self.device, generator=generator) < self.target_share
                span = torch.where(pick, torch.full_like(span, self.target_span), span)
        u = torch.rand(n, 1, device=self.device, dtype=torch.float64, generator=generator)
        c = cdf[span]
        k = (u * c[:, -1:] > c).sum(dim=1).clamp_(max=cdf.shape[1] - 1)
        k = torch.minimum(k, torch.as_tensor(self.sizes, device=self.device)[span] - 1)
        return span, k

    def one_hot(self, span: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        cond = torch.zeros(len(span), self.width, device=self.device)
        cond[torch.arange(len(span), device=self.device), self.offsets[span] + k] = 1.0
        return cond

    def training_batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(cond one-hot, span, category, real row numbers) for a batch of ``n``."""
        span, k = self._draw(n, self.log_cdf, None, "share" if self.target_span is not None else "none")
        g = self.offsets[span] + k
        pick = (torch.rand(n, device=self.device, dtype=torch.float64) * self.counts[g]).long()
        pick = torch.minimum(pick, self.counts[g] - 1)
        rows = self.rows[self.starts[g] + pick].long()
        return self.one_hot(span, k), span, k, rows

    def sampling_cond(self, n: int, generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(cond one-hot, span, category) drawn with the real (not log) category frequencies; the span is
        the target's when there is one (rows then come as p(target) p(features | target))."""
        span, k = self._draw(n, self.real_cdf, generator, "all" if self.target_span is not None else "none")
        return self.one_hot(span, k), span, k
