"""benchkit's built-in ``wgan`` generator: a conditional WGAN-GP with MLP networks (torch).

torch is optional (``pip install 'benchkit[wgan]'``); without it the hook raises
:class:`~benchkit.errors.PluginInactive` and ``benchkit list`` says why, as for the SDV plugin.

Importing this package does not import torch (the networks load inside ``fit``/``load``), so
``benchkit list`` stays fast and works where torch is not installed.
"""

from __future__ import annotations

import importlib.util
from typing import Callable

from benchkit.errors import PluginInactive
from benchkit.hookspecs import hookimpl

from .generator import WGANGenerator

__all__ = ["WGANGenerator", "wgan_status"]

INSTALL_HINT = "pip install 'benchkit[wgan]'"


def wgan_status() -> str | None:
    """Why ``wgan`` cannot be used here, or None when torch is installed.

    Looks for the module only (no import: importing torch takes seconds).
    """
    try:
        found = importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):  # a finder refused it, or a broken half-import left in sys.modules
        found = False
    if not found:
        return f"torch is not installed; {INSTALL_HINT}"
    return None


@hookimpl
def benchkit_register_generators(register: Callable[..., None]) -> None:
    """Register ``wgan``, or say why not (``PluginInactive``)."""
    why = wgan_status()
    if why is not None:
        raise PluginInactive(why)
    register(
        "wgan",
        WGANGenerator,
        description="conditional WGAN-GP with MLP generator/critic, quantile-normal numerics (torch)",
        tags=["gan", "torch", "deep"],
    )
