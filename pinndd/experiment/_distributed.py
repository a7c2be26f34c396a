"""The experiment grid as Dask tasks: each distillation and each evaluation group is one cell.

Cells are the functions :func:`~pinndd.experiment._runner.distill_cell` and
:func:`~pinndd.experiment._runner.evaluate_cell`: each reads the config and
the files of the cells it depends on, and writes its own file atomically, so
cells run on any worker in any order, a cell lost with its worker is simply
run again (Dask reschedules it), and a killed run resumes from the files.
A problem's evaluation groups are submitted once all its distillations are
done (the groups are the sets of equal size); its metrics table is written
once its groups are done. Cells are prioritised problem after problem in the
config's order, a problem's evaluation groups before the next problem's
distillations, so that a run cut short leaves the first problems finished
rather than every problem half done. It is a priority, not a barrier, and
Dask treats it as a hint (a worker may go on with a later problem's cells).

By default the cells run on a ``distributed.LocalCluster`` of ``workers``
processes with one thread each; ``scheduler`` names a running scheduler
instead (``dask scheduler`` plus ``dask worker`` by hand, or a cluster from
``dask-jobqueue``), whose workers must have this package installed and see the
results folder at the same path.
"""

from __future__ import annotations

import logging
import sys
import uuid
from pathlib import Path

from tqdm.auto import tqdm

from ._runner import _cells, _evaluation_cells, _finish_problem, distill_cell, evaluate_cell

__all__ = ["run_distributed"]

log = logging.getLogger(__name__)


def worker_environ() -> dict:
    """The environment Dask sets in a local worker process before it starts, without ``MALLOC_TRIM_THRESHOLD_``.

    Dask sets ``MALLOC_TRIM_THRESHOLD_=65536`` by default so that workers hand
    freed memory back to the system. Setting any of glibc's malloc variables
    also fixes its threshold for serving an allocation by ``mmap`` at 128 KiB:
    every tensor above it (most activations and gradients of a batched PINN)
    is then mapped, zero-filled by the kernel and unmapped again at each step.
    Training spent two thirds of its CPU time in the kernel that way, and ran
    about three times slower than the same cell outside Dask
    (``benchmarks/bench_worker_malloc.py``). The other variables (one BLAS
    and OpenMP thread) are kept.

    Returns
    -------
    dict
        Dask's ``distributed.nanny.pre-spawn-environ`` less that one key.
    """
    import dask
    import distributed  # noqa: F401  (registers the ``distributed`` config)

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return environ


def _client(workers: int, scheduler, *, environ=None):
    """A Dask client: on ``scheduler`` if given, else on a new local cluster; and the cluster to close.

    The local cluster's workers start with ``environ`` (default
    :func:`worker_environ`). Workers started by hand (``scheduler``) get the
    environment they were started with.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    with dask.config.set({"distributed.nanny.pre-spawn-environ": worker_environ() if environ is None else environ}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _priorities(todo) -> dict:
    """Dask priority of each (problem, cell kind): earlier problems first, and evaluation before the next problem.

    Parameters
    ----------
    todo : sequence of str
        Problems in the config's order.

    Returns
    -------
    dict
        ``(problem, "distil" | "evaluate")`` to an int; Dask runs higher first.
    """
    last = 2 * len(todo)
    ranks = {}
    for i, name in enumerate(todo):
        ranks[name, "evaluate"] = last - 2 * i
        ranks[name, "distil"] = last - 2 * i - 1
    return ranks


def run_distributed(config, todo, out: Path, *, workers: int, scheduler=None, threads: int = 1, progress: bool = True) -> None:
    """Run the cells of the problems ``todo`` on Dask; writes every problem's metrics table.

    Parameters
    ----------
    config : ExperimentConfig
    todo : sequence of str
        Problems whose ``metrics/<problem>.csv`` is still missing.
    out : pathlib.Path
        The results folder (prepared by the caller).
    workers : int
        Worker processes of the local cluster (ignored with ``scheduler``).
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    threads : int
        torch threads per cell.
    progress : bool
        A bar of cells done / total.
    """
    from distributed import as_completed

    client, cluster = _client(workers, scheduler)
    run = uuid.uuid4().hex[:8]  # keys unique to this run, on a scheduler that others may share
    try:
        print(f"dask dashboard: {client.dashboard_link}", file=sys.stderr)
        n_cells = len(_cells(config))
        priority = _priorities(todo)
        pending = {}
        futures = []
        for name in todo:
            for index in range(n_cells):
                future = client.submit(
                    distill_cell, config, name, index, str(out), threads, pure=False, key=f"distil-{name}-{index}-{run}", retries=1,
                    priority=priority[name, "distil"],
                )
                pending[future.key] = ("distil", name)
                futures.append(future)
        remaining = {name: n_cells for name in todo}
        groups = {}
        bar = tqdm(total=len(futures), desc="cells", unit="cell", disable=not progress)
        queue = as_completed(futures)
        for future in queue:
            future.result()  # a cell's error is the run's error
            bar.update()
            kind, name = pending.pop(future.key)
            remaining[name] -= 1
            if remaining[name]:
                continue
            if kind == "distil":
                cells = _evaluation_cells(config, name, out)
                remaining[name] = len(cells)
                groups[name] = cells
                bar.total += len(cells)
                bar.refresh()
                for a, size in cells:
                    follow = client.submit(
                        evaluate_cell, config, name, a, size, str(out), threads, pure=False, key=f"evaluate-{name}-{a}-{size}-{run}", retries=1,
                        priority=priority[name, "evaluate"],
                    )
                    pending[follow.key] = ("evaluate", name)
                    queue.add(follow)
            else:
                _finish_problem(config, name, out)
        bar.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
