"""Authenticity (Alaa et al. 2022, "How Faithful is your Synthetic Data?"): share of synthetic rows
that are not (near-)copies of a real training row.

Share of synthetic rows farther from their closest real row ``i*`` than ``i*`` is from its own
closest other real row (the paper's definition; synthcity indexes ``d_rr`` by the synthetic row's
neighbour differently). A copy scores 0; fresh rows from the real distribution score about 0.5 on
this estimator, not 1. It is computed in the same pass, on the same embedding and samples, as
alpha-precision and beta-recall (:func:`benchkit.metrics.aggregate.faithful_result`).
"""

from __future__ import annotations

from typing import Callable

from ...hookspecs import hookimpl
from .. import MetricContext, Score
from ..aggregate import faithful_result


def authenticity(ctx: MetricContext) -> list[Score]:
    """Share of synthetic rows that are not (near-)copies of a real training row, per Alaa et al."""
    r = faithful_result(ctx)
    return [Score("privacy.authenticity", r["authenticity"], higher_is_better=True, details=r["details"])]


@hookimpl
def benchkit_register_metrics(register: Callable[..., None]) -> None:
    register("privacy.authenticity", authenticity, family="privacy", higher_is_better=True,
             description="authenticity (Alaa et al. 2022): share of synthetic rows that are not copies of training rows")
