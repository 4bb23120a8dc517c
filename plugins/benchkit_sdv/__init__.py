"""benchkit adapter for SDV's single-table synthesizers: peers to compare against in the same run.

Registers ``sdv_gaussian_copula``, ``sdv_ctgan``, ``sdv_tvae``, ``sdv_copulagan`` and ``sdv_par`` (PAR, for
entity histories: see :mod:`benchkit_sdv.par`) through the ordinary
``benchkit_register_generators`` hook, exactly as a third-party plugin would. SDV is optional
(``pip install 'benchkit[sdv]'``); without it, or with an SDV release this adapter does not support,
the hook raises :class:`~benchkit.errors.PluginInactive` and ``benchkit list`` says why.

Importing this package imports neither SDV nor torch (they load in ``fit``), so ``benchkit list``
stays fast. See docs/sdv.md.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
from typing import Callable

from benchkit.errors import PluginInactive
from benchkit.hookspecs import hookimpl

from .generator import (
    SDVCopulaGANGenerator,
    SDVCTGANGenerator,
    SDVGaussianCopulaGenerator,
    SDVGenerator,
    SDVTVAEGenerator,
)
from .par import SDVPARGenerator

__all__ = [
    "SDVCTGANGenerator",
    "SDVCopulaGANGenerator",
    "SDVGaussianCopulaGenerator",
    "SDVGenerator",
    "SDVPARGenerator",
    "SDVTVAEGenerator",
    "sdv_status",
]

SUPPORTED = (2, 3)
"""SDV major versions this adapter supports: ``2 <= major < 3`` (the ``Metadata`` API of SDV 2)."""

INSTALL_HINT = "pip install 'benchkit[sdv]'"


def sdv_status() -> str | None:
    """Why the SDV generators cannot be used here, or None when SDV is installed in a supported version.

    Looks at the installed distribution only (no import: importing SDV takes seconds).
    """
    if importlib.util.find_spec("sdv") is None:
        return f"sdv is not installed; {INSTALL_HINT}"
    try:
        version = md.version("sdv")
    except md.PackageNotFoundError:
        return f"the sdv package has no distribution metadata; reinstall it with {INSTALL_HINT}"
    try:
        major = int(version.split(".")[0])
    except ValueError:
        return f"cannot read the sdv version {version!r}; reinstall it with {INSTALL_HINT}"
    if not SUPPORTED[0] <= major < SUPPORTED[1]:
        return f"sdv {version} is installed but this plugin needs sdv>={SUPPORTED[0]},<{SUPPORTED[1]}; {INSTALL_HINT}"
    return None


@hookimpl
def benchkit_register_generators(register: Callable[..., None]) -> None:
    """Register the five SDV synthesizers, or say why not (``PluginInactive``)."""
    why = sdv_status()
    if why is not None:
        raise PluginInactive(why)
    for cls in (SDVGaussianCopulaGenerator, SDVCTGANGenerator, SDVTVAEGenerator, SDVCopulaGANGenerator, SDVPARGenerator):
        register(cls.registered_name, cls, description=cls.description, tags=list(cls.tags))
