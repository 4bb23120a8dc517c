"""The benchmark stack: a spec names datasets × generators × seeds; the runner plans the jobs and
hands them to an executor (local processes or Dask); each job runs isolated in a child process;
results are appended to the output folder as each job finishes.

- :mod:`.spec`: the TOML spec and its checks;
- :mod:`.runner`: planning, resuming and running the jobs;
- :mod:`.prepare`: each dataset loaded, hashed and split once, in the parent;
- :mod:`.job`: what runs inside a job process (fit, sample, validate, score);
- :mod:`.isolation`: the job child process (time and memory limits, crash isolation);
- :mod:`.executors`: local pool and Dask executors;
- :mod:`.results`: the append-only results store.
"""
