"""The torch modules of the WGAN: an MLP generator with residual blocks and an MLP critic.

Categorical outputs are handled for all discrete spans at once: the logits are gathered into a padded
``(batch, n_spans, max_span)`` tensor (padding = -inf), so one softmax / argmax covers every span
without a Python loop over columns.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class SpanLayout(nn.Module):
    """Index tensors that move one-hot logits to and from a padded per-span layout."""

    def __init__(self, sizes: Sequence[int]):
        super().__init__()
        self.n_spans = len(sizes)
        self.max_size = max(sizes) if sizes else 0
        width = int(sum(sizes))
        pad_idx = torch.full((self.n_spans, max(self.max_size, 1)), width, dtype=torch.long)
        unpad_idx = torch.zeros(width, dtype=torch.long)
        offsets = torch.zeros(self.n_spans, dtype=torch.long)
        pos = 0
        for s, k in enumerate(sizes):
            pad_idx[s, :k] = torch.arange(pos, pos + k)
            unpad_idx[pos : pos + k] = s * self.max_size + torch.arange(k)
            offsets[s] = pos
            pos += k
        self.width = width
        self.register_buffer("pad_idx", pad_idx.reshape(-1), persistent=False)
        self.register_buffer("unpad_idx", unpad_idx, persistent=False)
        self.register_buffer("offsets", offsets, persistent=False)

    def pad(self, logits: torch.Tensor) -> torch.Tensor:
        """(B, width) -> (B, n_spans, max_size), padding with -inf."""
        filler = torch.full((logits.shape[0], 1), float("-inf"), dtype=logits.dtype, device=logits.device)
        return torch.cat([logits, filler], dim=1)[:, self.pad_idx].view(-1, self.n_spans, self.max_size)

    def unpad(self, padded: torch.Tensor) -> torch.Tensor:
        """(B, n_spans, max_size) -> (B, width)."""
        return padded.reshape(padded.shape[0], -1)[:, self.unpad_idx]

    def gumbel_softmax(self, logits: torch.Tensor, tau: float) -> torch.Tensor:
        """Relaxed one-hot samples for every span at once (differentiable)."""
        u = torch.rand_like(logits).clamp_(1e-10, 1.0 - 1e-7)
        noisy = (logits - torch.log(-torch.log(u))) / tau
        return self.unpad(torch.softmax(self.pad(noisy), dim=-1))

    def sample_codes(self, logits: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """One category per span drawn from softmax(logits) (Gumbel-max): (B, n_spans) codes."""
        u = torch.rand(logits.shape, generator=generator, device=logits.device, dtype=logits.dtype)
        noisy = logits - torch.log(-torch.log(u.clamp_(1e-10, 1.0 - 1e-7)))
        return self.pad(noisy).argmax(dim=-1)

    def log_softmax_padded(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(self.pad(logits), dim=-1)


class Residual(nn.Module):
    """h + ReLU(LayerNorm(Linear(h))): keeps gradients healthy in a deeper generator."""

    def __init__(self, dim: int):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + torch.relu(self.norm(self.fc(h)))


class GeneratorNet(nn.Module):
    """noise + conditional vector -> numeric scores and one-hot logits."""

    def __init__(self, in_dim: int, dims: Sequence[int], n_numeric: int, layout: SpanLayout):
        super().__init__()
        layers: list[nn.Module] = []
        prev = in_dim
        for d in dims:
            if d == prev:
                layers.append(Residual(d))
            else:
                layers += [nn.Linear(prev, d), nn.LayerNorm(d), nn.ReLU()]
            prev = d
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(prev, n_numeric + layout.width)
        self.n_numeric = n_numeric
        self.layout = layout

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.head(self.body(x))
        return out[:, : self.n_numeric], out[:, self.n_numeric :]


class CriticNet(nn.Module):
    """Scores packs of ``pac`` rows (PacGAN) so that the critic can notice missing diversity."""

    def __init__(self, in_dim: int, dims: Sequence[int], pac: int):
        super().__init__()
        layers: list[nn.Module] = []
        prev = in_dim * pac
        for d in dims:
            layers += [nn.Linear(prev, d), nn.LeakyReLU(0.2)]
            prev = d
        layers.append(nn.Linear(prev, 1))
        self.net = nn.Sequential(*layers)
        self.pac = pac
        self.in_dim = in_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.reshape(-1, self.in_dim * self.pac))


def gradient_penalty(critic: CriticNet, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: mean of (||grad critic(interpolate)|| - 1)^2 over packs."""
    pac = critic.pac
    alpha = torch.rand(real.shape[0] // pac, 1, 1, device=real.device, dtype=real.dtype)
    alpha = alpha.expand(-1, pac, real.shape[1]).reshape(real.shape)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    score = critic(mixed)
    (grad,) = torch.autograd.grad(score.sum(), mixed, create_graph=True)
    norms = grad.reshape(-1, pac * real.shape[1]).norm(2, dim=1)
    return ((norms - 1.0) ** 2).mean()
