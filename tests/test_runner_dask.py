"""The same spec gives the same numbers twice, on the local pool, in-process and on a Dask cluster."""

from __future__ import annotations

import distributed  # the README's test command installs the dask extra: missing is a failure
import pytest
from runner_fixtures import planted, spec_dict, tiny_csv, values_by_job  # noqa: F401 - fixture

from benchkit.bench.runner import run_benchmark

EVENT_DEADLINE_S = 120
GENS = [{"name": "toy"}, {"name": "toy", "label": "toy-wide", "params": {"scale": 2.0}}]


@pytest.fixture(scope="module")
def pool_run(planted, tmp_path_factory):  # noqa: F811
    root = tmp_path_factory.mktemp("pool")
    data = tiny_csv(root)
    spec = spec_dict(data, root / "pool", GENS, seeds=2, families=["marginal", "pairwise"], time_limit=120)
    return spec, run_benchmark(spec, jobs=2, progress=False, report=False)


def _same_spec(spec, out):
    return {**spec, "out": str(out)}


def test_same_spec_twice_gives_identical_values(pool_run, tmp_path):
    spec, first = pool_run
    again = run_benchmark(_same_spec(spec, tmp_path / "again"), executor="inprocess", progress=False, report=False)
    a, b = values_by_job(first), values_by_job(again)
    assert len(a) > 20 and a == b
    # and the seeds matter: the two seeds of one generator give different samples
    toy = first.runs[first.runs["generator"] == "toy"].set_index("seed")["run_id"]
    overall = first.scores[first.scores["metric"] == "aggregate.overall"].set_index("run_id")["value"]
    assert overall[toy[0]] != overall[toy[1]]


def test_dask_local_cluster_matches_local_pool(pool_run, tmp_path):
    spec, pool = pool_run
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        result = run_benchmark(_same_spec(spec, tmp_path / "dask"), scheduler=cluster.scheduler_address,
                               progress=False, report=False)
        with distributed.Client(cluster) as client:
            workers = set(client.scheduler_info()["workers"])
        events = _dask_epochs(cluster.scheduler_address, spec)
    assert (result.runs["status"] == "ok").all() and len(result.runs) == 6
    assert values_by_job(result) == values_by_job(pool)
    # each dataset was shipped to the workers once (by broadcast), not with every job
    manifest_exec = __import__("json").loads((result.folder / "manifest.json").read_text())["executor"]
    assert manifest_exec["executor"] == "dask"
    assert manifest_exec["datasets_on_workers"] == {"tiny": len(workers)} and len(workers) == 2
    # a generator's epochs reach the client as worker events (the progress bar's postfix)
    assert sorted(events) == [("toy", 1, 2), ("toy", 2, 2)]


def _dask_epochs(address, spec):
    """Run one toy job with 2 epochs through the Dask executor and collect its progress events."""
    import time

    from benchkit.bench.executors import DaskExecutor
    from benchkit.bench.prepare import prepare_dataset
    from benchkit.bench.runner import plan_jobs
    from benchkit.bench.spec import spec_from_dict

    s = spec_from_dict({**spec, "seeds": 1, "generators": [{"name": "toy", "params": {"epochs": 2}}]})
    data = {"tiny": prepare_dataset(s.datasets[0], holdout=s.holdout, split_seed=s.split_seed)}
    jobs = [j for j in plan_jobs(s, data) if not j.is_reference]
    events, results = [], []

    def collect(job, info):
        events.append((job.generator, info["epoch"], info["epochs"]))

    DaskExecutor(scheduler=address).run(jobs, data, results.append, collect)
    assert [r.record["status"] for r in results] == ["ok"]
    # events travel on their own stream and may trail the result: wait for both epochs' events,
    # with a deadline that only a lost event reaches
    deadline = time.monotonic() + EVENT_DEADLINE_S
    while len(events) < 2:
        assert time.monotonic() < deadline, f"only {events} of the 2 epoch events arrived in {EVENT_DEADLINE_S} s"
        time.sleep(0.05)
    return events
