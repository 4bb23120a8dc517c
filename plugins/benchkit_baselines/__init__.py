"""benchkit's baseline generators: the floor and the ceiling every comparison needs.

- ``independent``: every column drawn from its own empirical marginal (the "random" baseline:
  perfect column shapes, no relationships between columns);
- ``gaussian_copula``: the same marginals tied together by a Gaussian copula fitted on normal scores;
- ``bootstrap``: real rows resampled with replacement (the fidelity ceiling, and a privacy red flag);
- ``entity_bootstrap``: whole real entity histories resampled under fresh entity ids (the ceiling of the
  ``entity`` metrics, and the entity-level privacy red flag); it declares ``entity_support``.

Registered through the ordinary ``benchkit_register_generators`` hook, like any third-party plugin.
"""

from __future__ import annotations

from typing import Callable

from benchkit import hookimpl

from .bootstrap import BootstrapGenerator
from .copula import GaussianCopulaGenerator
from .entity_bootstrap import EntityBootstrapGenerator
from .independent import IndependentGenerator

__all__ = ["BootstrapGenerator", "EntityBootstrapGenerator", "GaussianCopulaGenerator", "IndependentGenerator"]


@hookimpl
def benchkit_register_generators(register: Callable[..., None]) -> None:
    """Register the four baselines."""
    register(
        "independent",
        IndependentGenerator,
        description="each column sampled from its own empirical marginal (no dependence)",
        tags=["baseline"],
    )
    register(
        "gaussian_copula",
        GaussianCopulaGenerator,
        description="empirical marginals joined by a Gaussian copula on normal scores",
        tags=["baseline", "statistical"],
    )
    register(
        "bootstrap",
        BootstrapGenerator,
        description="resamples real rows with replacement (fidelity ceiling, privacy red flag)",
        tags=["baseline", "copy"],
    )
    register(
        "entity_bootstrap",
        EntityBootstrapGenerator,
        description="resamples whole real entity histories under fresh entity ids (entity ceiling, privacy red flag)",
        tags=["baseline", "copy", "entity"],
    )
