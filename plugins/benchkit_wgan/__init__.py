"""benchkit's built-in ``wgan`` generator: a conditional WGAN-GP with MLP networks (torch).

Importing this package does not import torch (the networks load inside ``fit``/``load``), so
``benchkit list`` stays fast.
"""

from __future__ import annotations

from typing import Callable

from benchkit.hookspecs import hookimpl

from .generator import WGANGenerator

__all__ = ["WGANGenerator"]


@hookimpl
def benchkit_register_generators(register: Callable[..., None]) -> None:
    """Register ``wgan``."""
    register(
        "wgan",
        WGANGenerator,
        description="conditional WGAN-GP with MLP generator/critic, quantile-normal numerics (torch)",
        tags=["gan", "torch", "deep"],
    )
