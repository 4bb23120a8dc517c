"""The benchmark stack: a spec names datasets × generators × seeds; the runner plans the jobs and
hands them to an executor (local processes or Dask); each job runs isolated in a child process;
results are appended to the output folder as each job finishes.

- :mod:`.spec`: the TOML spec and its checks;
- :mod:`.runner`: planning, resuming and running the jobs;
- :mod:`.job`: what runs inside a job (fit, sample, evaluate) and the dataset preparation the parent does;
- :mod:`.isolation`: the job child process (time and memory limits, crash isolation);
- :mod:`.executors`: local pool and Dask executors;
- :mod:`.results`: the append-only results store.
"""
