"""One training cell in a local Dask worker, with Dask's default worker environment and with pinndd's.

Dask starts its local workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which
also fixes glibc's ``mmap`` threshold at 128 KiB, so that every larger tensor
is mapped, zero-filled by the kernel and unmapped again at each step.
:func:`pinndd.experiment._distributed.worker_environ` drops the variable.
This script starts a one-worker ``LocalCluster`` with each environment in
turn (alternating order over rounds, from this one process), trains the same
group on it (the benchmark's architecture 32 x 3 in float32 on the stage-1
sets of one problem and budget, two learners a set: Adam, then L-BFGS) and
reads the worker's wall, user and kernel CPU seconds. Prints them, whether
the two trainings end bit for bit equal, and on the last line
``dask_over_pinndd=R`` (the median over rounds of the wall-time ratio).

Run (about five minutes on one thread)::

    python benchmarks/bench_worker_malloc.py --rounds 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lbfgs_rows import _sets  # noqa: E402  (the same sets: stage-1 ones, or sampled without them)


def _train_cell(problem_name: str, budget: int, folder: str, steps: int, lbfgs_iters: int) -> dict:
    """Train the group in this (worker) process; wall and CPU seconds, and a digest of the parameters."""
    import torch

    from pde_catalog import get_problem
    from pinndd.learner import ConditionalPINN, PointBatch, Recipe, train

    torch.set_num_threads(1)
    problem = get_problem(problem_name)
    pinn = ConditionalPINN(problem, 32, 3)
    batch = PointBatch.from_point_sets(_sets(problem, budget, Path(folder)), problem, dtype=pinn.dtype, device=pinn.device).repeat(2)
    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    result = train(pinn, pinn.init(range(batch.interior.shape[0])), batch, Recipe(steps=steps, lbfgs_iters=lbfgs_iters))
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
    digest = hashlib.sha256()
    for layer in result.params:
        for leaf in layer:
            digest.update(leaf.detach().numpy().tobytes())
    return {"wall": wall, "user": after.ru_utime - before.ru_utime, "kernel": after.ru_stime - before.ru_stime,
            "models": batch.interior.shape[0], "digest": digest.hexdigest()}


def _run(environ: dict, args) -> dict:
    """Start a one-worker local cluster whose workers get ``environ``, train the cell on it.

    Dask's nanny writes ``environ`` into this process's own environment before
    it spawns the worker, where every later worker would inherit it; the
    environment is put back afterwards.
    """
    import os

    from pinndd.experiment._distributed import _client

    saved = dict(os.environ)
    client, cluster = _client(1, None, environ=environ)
    try:
        return client.submit(_train_cell, args.problem, args.budget, args.sets, args.adam, args.iters, pure=False).result()
    finally:
        client.close()
        cluster.close()
        os.environ.clear()
        os.environ.update(saved)


def main(argv=None) -> float:
    import dask
    import distributed  # noqa: F401  (registers the ``distributed`` config)

    from pinndd.experiment._distributed import worker_environ

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="poisson2d")
    parser.add_argument("--budget", type=int, default=256)
    parser.add_argument("--adam", type=int, default=300, help="Adam steps (default 300)")
    parser.add_argument("--iters", type=int, default=100, help="L-BFGS iterations (default 100)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the two runs (default 2)")
    parser.add_argument("--sets", default="experiments/results/ood_benchmark_recipe/points",
                        help="folder of distilled sets to train on (default: the OOD benchmark's stage-1 sets)")
    parser.add_argument("--out", default="benchmarks/results/bench_worker_malloc.json")
    args = parser.parse_args(argv)
    environs = {"dask": dict(dask.config.get("distributed.nanny.pre-spawn-environ")), "pinndd": worker_environ()}
    runs = {kind: [] for kind in environs}
    for r in range(args.rounds):
        for kind in (("dask", "pinndd") if r % 2 == 0 else ("pinndd", "dask")):
            runs[kind].append(_run(environs[kind], args))
            last = runs[kind][-1]
            print(f"{kind}: {last['wall']:.1f} s wall, {last['user']:.1f} s user, {last['kernel']:.1f} s kernel", flush=True)
    same = len({run["digest"] for kind in runs for run in runs[kind]}) == 1
    ratio = statistics.median(d["wall"] / p["wall"] for d, p in zip(runs["dask"], runs["pinndd"]))
    print(f"{args.problem}, {runs['dask'][0]['models']} models, {args.budget} points, {args.adam} Adam steps, "
          f"{args.iters} L-BFGS iterations; bit for bit equal: {same}")
    print(f"dask_over_pinndd={ratio:.2f}")
    record = dict(vars(args), environ=environs, runs=runs, bitwise_equal=same, dask_over_pinndd=ratio)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2) + "\n")
    return ratio


if __name__ == "__main__":
    main()
