"""``benchkit recommend``'s plan: split one wall-clock budget fairly across the candidate generators and
run them through the ordinary runner (isolated jobs, one results folder, resumable).

Fair means equal: every candidate that can be told how long to train (its constructor takes
``max_seconds``) gets the **same** training seconds per job; candidates without such a parameter
(statistical baselines) are not budgeted and train as long as they need, which on these tables is
seconds. The plan runs in two phases through :func:`benchkit.bench.runner.run_benchmark`, into one folder:

1. the holdout reference and the unbudgeted candidates (``independent``, the noise baseline every
   verdict is checked against, is always among them), every seed: this also measures how long
   scoring one job takes on this dataset and machine;
2. the budgeted candidates, every seed, each given ``max_seconds`` = what is left of the budget
   (less a reserve for the report) spread over the rounds of parallel jobs, less the measured
   scoring time per job.

The plan (training seconds, seeds, candidates) is saved as ``recommend.json`` in the results folder
before phase 2 starts, so running the same command again resumes with the same plan (the finished
jobs are skipped because their ids are unchanged) instead of re-planning from a shorter clock.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import os
import re
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

from .. import plugins
from ..errors import BenchkitError
from ..bench.results import REFERENCE_GENERATOR, write_json_atomic
from .recommend import BASELINE

log = logging.getLogger(__name__)

PLAN_FILE = "recommend.json"
REPORT_RESERVE = 0.08
"""Share of the budget kept for writing the report and process start-up."""
MIN_TRAIN_SECONDS = 5.0
DEFAULT_FAMILIES = ("marginal", "pairwise", "aggregate", "utility", "privacy")
"""What a recommendation scores: everything the verdict reads. The detection family is left out by
default (it decides nothing here and costs about a third of the scoring time); ``--families`` adds it."""


def parse_budget(text: str | float | int) -> float:
    """``"10m"``, ``"90s"``, ``"1h"``, ``"1h30m"`` or a number of seconds -> seconds."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text)
    else:
        s = str(text).strip().lower()
        parts = re.fullmatch(r"(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m(?:in)?)?\s*(?:(\d+(?:\.\d+)?)s?)?", s)
        if not s or parts is None or not any(parts.groups()):
            raise BenchkitError(f"--budget {text!r}: use seconds (300), minutes (5m), hours (1h) or a mix (1h30m)")
        h, m, sec = (float(g) if g else 0.0 for g in parts.groups())
        seconds = h * 3600 + m * 60 + sec
    if not math.isfinite(seconds) or seconds < 30:
        raise BenchkitError(f"--budget {text!r}: give at least 30 seconds (a candidate must train and be scored)")
    return seconds


def takes_budget(name: str) -> bool:
    """Whether a generator's constructor accepts ``max_seconds`` (so it can be given a time budget)."""
    factory = plugins.get_generator(name).obj
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return "max_seconds" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def default_candidates() -> list[str]:
    """Every installed generator (the holdout reference is not a generator)."""
    return sorted(n for n in plugins.list_generators() if n != REFERENCE_GENERATOR)


@dataclass
class Plan:
    """What a recommendation runs; saved beside the results so a rerun resumes it unchanged."""

    budget_s: float
    seeds: list[int]
    budgeted: list[str]
    unbudgeted: list[str]
    jobs: int
    train_s: float | None = None  # per job, for every budgeted candidate
    score_s: float | None = None  # measured in phase 1
    phase1_s: float | None = None

    def save(self, folder: Path) -> None:
        write_json_atomic(folder / PLAN_FILE, asdict(self))

    @classmethod
    def load(cls, folder: Path) -> "Plan | None":
        path = folder / PLAN_FILE
        if not path.exists():
            return None
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise BenchkitError(f"{path} is not a recommend plan ({exc}); delete it or use another --out") from None


def training_seconds(remaining_s: float, n_budgeted_jobs: int, jobs: int, score_s: float) -> float:
    """Training seconds per budgeted job: the time left spread over the rounds of parallel jobs, each
    round also paying one job's scoring and start-up (``score_s``)."""
    rounds = max(1, math.ceil(n_budgeted_jobs / max(1, jobs)))
    return remaining_s / rounds - score_s


def run_recommendation(dataset: str, *, target: str | None, budget_s: float, out: str | Path,
                       generators: list[str] | None = None, seeds: int = 3, jobs: int | None = None,
                       families: list[str] | None = None, progress: bool = True,
                       on_phase: Callable[[str], None] | None = None) -> tuple[Any, Plan]:
    """Plan and run a recommendation for one dataset; returns (the runner's result, the plan)."""
    from ..bench.runner import run_benchmark
    from ..bench.spec import parse_dataset_flag

    started = time.perf_counter()
    folder = Path(out)
    say = on_phase or (lambda msg: log.info("%s", msg))
    names = list(generators) if generators else default_candidates()
    if BASELINE not in names:  # the noise baseline every verdict is checked against
        names.append(BASELINE)
    for n in names:
        plugins.get_generator(n)  # an unknown name fails now, with suggestions
    ds = parse_dataset_flag(dataset)
    if target is not None:
        ds = replace(ds, target=target)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    plan = Plan.load(folder)
    if plan is None:
        budgeted = [n for n in names if takes_budget(n)]
        plan = Plan(budget_s=budget_s, seeds=list(range(seeds)), budgeted=budgeted,
                    unbudgeted=[n for n in names if n not in budgeted], jobs=int(jobs or cpus))
    elif set(plan.budgeted + plan.unbudgeted) != set(names) or plan.budget_s != budget_s:
        raise BenchkitError(f"{folder} holds a recommendation planned for other candidates or another budget "
                            f"({', '.join(plan.budgeted + plan.unbudgeted)}; {plan.budget_s:g} s); use another --out")
    base = {"datasets": [{k: v for k, v in asdict(ds).items() if v is not None}], "seeds": plan.seeds, "out": str(folder),
            "families": list(families or DEFAULT_FAMILIES)}

    def spec(gens: list[dict[str, Any]], time_limit: float) -> dict[str, Any]:
        return {**base, "generators": gens, "time_limit": max(60.0, time_limit)}

    say(f"phase 1 of 2: the holdout reference and {len(plan.unbudgeted)} unbudgeted candidate(s) "
        f"({', '.join(plan.unbudgeted) or 'none'}), {len(plan.seeds)} seed(s)")
    t0 = time.perf_counter()
    first = run_benchmark(spec([{"name": n} for n in plan.unbudgeted], budget_s), executor="process",
                          jobs=plan.jobs, progress=progress)
    if plan.train_s is None:
        plan.phase1_s = time.perf_counter() - t0
        scored = first.runs[first.runs["status"] == "ok"]
        per_job = [float(x) for x in scored["score_s"].dropna()] if "score_s" in scored else []
        plan.score_s = 1.25 * max(per_job, default=10.0) + 5.0  # the slowest scoring, a margin, start-up
        remaining = plan.budget_s * (1 - REPORT_RESERVE) - (time.perf_counter() - started)
        plan.train_s = training_seconds(remaining, len(plan.budgeted) * len(plan.seeds), plan.jobs, plan.score_s)
        if plan.budgeted and plan.train_s < MIN_TRAIN_SECONDS:
            raise BenchkitError(
                f"a budget of {plan.budget_s:.0f} s leaves {max(plan.train_s, 0):.0f} s of training per job for "
                f"{len(plan.budgeted)} budgeted candidate(s) x {len(plan.seeds)} seed(s) after scoring "
                f"({plan.score_s:.0f} s a job here); give a larger --budget, fewer --generators or --seeds 2")
        plan.save(folder)
    gens = [{"name": n} for n in plan.unbudgeted]
    gens += [{"name": n, "params": {"max_seconds": round(plan.train_s, 1)}} for n in plan.budgeted]
    if plan.budgeted:
        say(f"phase 2 of 2: {', '.join(plan.budgeted)} with {plan.train_s:.0f} s of training each per seed "
            f"(the same for every budgeted candidate)")
    result = run_benchmark(spec(gens, 2 * plan.train_s + 3 * plan.score_s), executor="process", jobs=plan.jobs,
                           progress=progress)
    return result, plan


__all__ = ["Plan", "parse_budget", "run_recommendation", "takes_budget", "training_seconds", "default_candidates"]
