"""Run an experiment grid and write the results folder of DESIGN.md.

Layout written under ``out``: ``config.toml``, ``summary.csv``, ``points/``,
``fields/``, ``metrics/`` (one CSV per problem) and ``figures/``. Every file is
written atomically. An interrupted run resumes where it stopped: a distilled
set already in ``points/`` (it records its distillation time) is loaded, not
distilled again, and each evaluated group of equally sized sets on one
architecture is kept in ``metrics/parts/`` until its problem is complete.
"""

from __future__ import annotations

import logging
import time
from itertools import product
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from tqdm.auto import tqdm

from pde_catalog import get_problem

from ..distillers import get_distiller
from ..errors import ConfigError
from ..provenance import code_version
from ..evaluate import Evaluator, EvaluationSet, aggregate, fields_dataset, metric_names
from .. import results
from ..io import write_csv, write_netcdf
from ..results import cell_stem
from ..pointset import PointSet
from ..risk import parse_risk
from ..task import PdeTask
from ._resources import PeakMemory

__all__ = ["run_experiment", "cell_stem", "distill_cell", "evaluate_cell"]

log = logging.getLogger(__name__)


def _build_problem(config, name):
    try:
        return get_problem(name, **config.problem_constants.get(name, {}))
    except (TypeError, ValueError) as err:
        raise ConfigError(f"[problem.{name}] {err}") from None


def _cells(config) -> list:
    """Every (distiller spec, budget, seed) of the grid, in a fixed order."""
    return list(product(config.distillers, config.budgets, config.seeds))


def _points_path(out: Path, name: str, spec, budget: int, seed: int) -> Path:
    return results.points_path(out, name, spec.label, budget, seed)


def _pin_threads(threads) -> None:
    """Set torch's and the BLAS/OpenMP pools' threads (a worker process's own setting); ``None`` leaves them.

    Both matter for identical results: a reduction split over more threads
    rounds differently.
    """
    if threads:
        import torch
        from threadpoolctl import threadpool_limits

        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        threadpool_limits(limits=threads)


def distill_cell(config, name: str, index: int, out, threads=None) -> str:
    """Distil cell ``index`` of problem ``name`` into ``points/`` unless it is there; returns its path.

    A unit of work of the runner: it reads nothing but the config and writes
    one file atomically, so cells run in any order, on any worker, and a
    finished cell is never recomputed.
    """
    out = Path(out)
    spec, budget, seed = _cells(config)[index]
    path = _points_path(out, name, spec, budget, seed)
    if path.exists() and "distill_s" in PointSet.load(path).attrs:
        return str(path)
    _pin_threads(threads)
    task = _task(config, name)
    distiller = get_distiller(spec.method, **spec.options)
    with PeakMemory() as peak:
        start = time.perf_counter()
        points = distiller.distill(distiller.sees(task), budget, seed=seed, progress=False)
        seconds = time.perf_counter() - start
    points = points.with_attrs(distiller=spec.label, method=spec.method, budget=budget, seed=seed, distill_s=seconds,
                               peak_rss_mb=peak.megabytes, code=code_version())
    points.save(path)
    return str(path)


def _task(config, name: str) -> PdeTask:
    problem = _build_problem(config, name)
    return PdeTask(problem, "train", config.targets, config.target_weights, risk=parse_risk(config.risk), learner=config.learner)


class DistilledCell(NamedTuple):
    """A distilled cell as the evaluation reads it back from ``points/``."""

    spec: object
    budget: int
    seed: int
    points: PointSet
    distill_s: float
    peak_mb: float  # NaN for a set distilled before the runner recorded it


def _load_cells(config, name: str, out: Path) -> list:
    """The :class:`DistilledCell` of every distilled cell of ``name``."""
    cells = []
    for spec, budget, seed in _cells(config):
        points = PointSet.load(_points_path(out, name, spec, budget, seed))
        cells.append(DistilledCell(spec, budget, seed, points, float(points.attrs["distill_s"]), float(points.attrs.get("peak_rss_mb", "nan"))))
    return cells


def _architectures(config):
    arches = [("main", config.learner.width, config.learner.depth)]
    ev = config.evaluation
    if ev.transfer_width:
        arches.append(("transfer", ev.transfer_width, ev.transfer_depth))
    return arches


def _evaluate_group(config, problem, evaluation, group, arch, out: Path, progress: bool):
    """Train and measure the learners of one group of equally sized point sets."""
    label, width, depth = arch
    pinn = config.learner.pinn(problem, width, depth)
    desc = f"train {problem.name} m={group[0].points.size} {label} ({len(group)} sets)"
    evaluator = Evaluator(pinn, config.learner.recipe, replicates=config.evaluation.replicates, progress=progress, desc=desc)
    unique, owner = _unique_sets(group)
    result, unique_seeds, train_s = evaluator.train([group[i].points for i in unique], [group[i].seed for i in unique])
    reps = config.evaluation.replicates
    # every cell's models, in group order: a set shared by several cells is trained once
    model_of = [owner[i] * reps + r for i in range(len(group)) for r in range(reps)]
    init_seeds = [unique_seeds[m] for m in model_of]
    metrics, u_pred = evaluator.measure(result.params, evaluation, result.diverged)
    code = code_version()
    table = aggregate(metrics[model_of], evaluation.split, config.splits, metric_names(evaluation.problem))
    rows = []
    for _, row in table.iterrows():
        expanded = int(row["model"])
        cell = group[expanded // reps]
        replicate, trained = expanded % reps, model_of[expanded]
        rows.append(
            {
                "problem": problem.name,
                "distiller": cell.spec.label,
                "method": cell.spec.method,
                "budget": cell.budget,
                "n_points": cell.points.size,
                "seed": cell.seed,
                "replicate": replicate,
                "eval_seed": init_seeds[expanded],
                "arch": f"{label}:{width}x{depth}",
                **row.drop("model").to_dict(),
                "diverged": bool(result.diverged[trained]),
                "distill_s": cell.distill_s,
                "distill_peak_mb": cell.peak_mb,
                "train_s": train_s / len(unique_seeds),
                "final_loss": float(result.loss_history[-1, trained]),
                "adam_steps": int(result.adam_steps[trained]),
                "lbfgs_iters": int(result.lbfgs_iterations[trained]),
                "stop_reason": result.stop_reason[trained],
                "code": code,
            }
        )
    if config.evaluation.shift_scan:
        _scan_group(config, problem, group, result, init_seeds, model_of, evaluator, arch, out)
    if config.evaluation.save_fields:
        for m, seed_value in enumerate(init_seeds):
            cell = group[m // reps]
            attrs = {"problem": problem.name, "distiller": cell.spec.label, "budget": cell.budget, "seed": cell.seed,
                     "eval_seed": seed_value, "arch": f"{width}x{depth}"}
            stem = f"{results.cell_stem(problem.name, cell.spec.label, cell.budget, cell.seed)}__e{seed_value}__{label}"
            write_netcdf(fields_dataset(evaluation, u_pred[model_of[m]], attrs), results.fields_path(out, stem))
    return rows


def _scan_group(config, problem, group, result, init_seeds, model_of, evaluator, arch, out: Path) -> None:
    """Every learner of a group measured along the shift scan; one netCDF per group.

    ``model_of`` maps each cell's model (group order) to the trained model.
    """
    from ..shift import shift_dataset, shift_scan

    label, width, depth = arch
    scan, shift = shift_scan(problem, config.evaluation.shift_scan, seed=config.evaluation.condition_seed)
    metrics, _ = evaluator.measure(result.params, scan, result.diverged)
    metrics = metrics[model_of]
    reps = config.evaluation.replicates
    models = [
        {"distiller": group[m // reps].spec.label, "budget": group[m // reps].budget, "seed": group[m // reps].seed,
         "eval_seed": seed_value, "arch": f"{label}:{width}x{depth}"}
        for m, seed_value in enumerate(init_seeds)
    ]
    ds = shift_dataset(metrics, scan, shift, models, metric_names(problem))
    write_netcdf(ds, results.shift_path(out, problem.name, label, group[0].points.size))


def _unique_sets(group) -> tuple[list, list]:
    """The distinct point sets of a group (a reference that ignores the budget, such as
    ``full``, gives one set at every budget, and each would be trained alike).

    Returns
    -------
    unique : list of int
        Index in ``group`` of the first cell of each distinct set.
    owner : list of int
        For each cell, the position of its set in ``unique``.
    """
    unique, owner, seen = [], [], {}
    for i, cell in enumerate(group):
        key = (cell.seed, cell.points.digest())
        if key not in seen:
            seen[key] = len(unique)
            unique.append(i)
        owner.append(seen[key])
    return unique, owner


def _part_path(out: Path, name: str, arch, size: int) -> Path:
    return results.part_path(out, name, arch[0], size)


def evaluate_cell(config, name: str, arch_index: int, size: int, out, threads=None, progress: bool = False) -> str:
    """Train and measure the group of ``name``'s sets of ``size`` points on one architecture.

    Writes ``metrics/parts/`` (atomically) unless the part is there; returns its path.
    """
    out = Path(out)
    arch = _architectures(config)[arch_index]
    path = _part_path(out, name, arch, size)
    if path.exists():
        return str(path)
    _pin_threads(threads)
    problem = _build_problem(config, name)
    evaluation = EvaluationSet.draw(problem, config.splits, config.evaluation.conditions_per_split, seed=config.evaluation.condition_seed)
    group = [c for c in _load_cells(config, name, out) if c.points.size == size]
    write_csv(pd.DataFrame(_evaluate_group(config, problem, evaluation, group, arch, out, progress)), path)
    return str(path)


def _evaluation_cells(config, name: str, out: Path) -> list:
    """(arch index, size) of every evaluation group of a problem whose sets are all distilled."""
    sizes = sorted({c.points.size for c in _load_cells(config, name, out)})
    return [(a, size) for a in range(len(_architectures(config))) for size in sizes]


def _finish_problem(config, name: str, out: Path) -> None:
    """``metrics/<name>.csv`` from the problem's evaluated parts."""
    parts = [pd.read_csv(_part_path(out, name, _architectures(config)[a], size)) for a, size in _evaluation_cells(config, name, out)]
    write_csv(pd.concat(parts, ignore_index=True), results.metrics_path(out, name))


def _run_serial(config, todo, out: Path, progress: bool, threads) -> None:
    """Every cell in this process, problem after problem."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    try:
        with threadpool_limits(limits=threads):
            torch.set_num_threads(threads)
            _run_problems_serially(config, todo, out, progress)
    finally:
        torch.set_num_threads(before)


def _run_problems_serially(config, todo, out: Path, progress: bool) -> None:
    for name in todo:
        for index in tqdm(range(len(_cells(config))), desc=f"distil {name}", disable=not progress):
            distill_cell(config, name, index, out)
        for a, size in _evaluation_cells(config, name, out):
            evaluate_cell(config, name, a, size, out, progress=progress)
        _finish_problem(config, name, out)


def run_experiment(
    config, out, *, config_text: str, progress: bool = True, figures: bool = True, workers: int = 1,
    scheduler: str | None = None, threads: int = 1, problems=None,
) -> Path:
    """Run every cell of ``config`` and write the results folder.

    Parameters
    ----------
    config : ExperimentConfig
    out : str or os.PathLike
        Results folder; created if missing. A folder holding results of a
        different config is refused; one of the same config resumes: problems
        whose ``metrics/<problem>.csv`` exists are not recomputed, and inside
        an unfinished problem the sets in ``points/`` and the groups in
        ``metrics/parts/`` are reused.
    config_text : str
        The TOML text, copied to ``out/config.toml``.
    progress : bool
        Show progress bars.
    figures : bool
        Render ``out/figures`` at the end.
    workers : int
        1 runs every cell in this process; more runs the cells (each
        distillation, each evaluation group) on a Dask ``LocalCluster`` of
        this many worker processes (see :mod:`pinndd.experiment._distributed`).
    scheduler : str, optional
        Address of a running Dask scheduler to run the cells on instead
        (``workers`` is then ignored); its workers must see ``out``.
    threads : int
        torch threads of each training (of this process with ``workers=1``,
        of each worker otherwise; default 1, see the README for why).
    problems : sequence of str, optional
        Run only these problems of the config (default: all). The folder is
        the same one either way: ``summary.csv`` and the figures are written
        by the run that finds every problem of the config finished.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    out = Path(out)
    for key, value in (("workers", workers), ("threads", threads)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{key} must be an integer of at least 1, got {value!r}")
    selected = _selected_problems(config, problems)
    results.prepare(out, config_text)
    with results.exclusive(out):
        _run_cells(config, selected, out, progress, workers, scheduler, threads)
        waiting = [name for name in config.problems if not results.metrics_path(out, name).exists()]
        if waiting:
            log.info("summary.csv waits for %s (not run here)", ", ".join(waiting))
            return out
        summary = pd.concat([pd.read_csv(results.metrics_path(out, name)) for name in config.problems], ignore_index=True)
        write_csv(summary, results.summary_path(out))
        if figures:
            from ..plot import render_figures

            render_figures(out)
    return out


def _selected_problems(config, problems) -> list:
    """The problems to run, in the config's order; every name must be one of the config's."""
    if problems is None:
        return list(config.problems)
    allowed = ", ".join(config.problems)
    if not problems:
        raise ConfigError(f"problems must name at least one problem (or be omitted for all); allowed: {allowed}")
    unknown = [name for name in problems if name not in config.problems]
    if unknown:
        raise ConfigError(f"problem {unknown[0]!r} is not in experiment.problems; allowed: {allowed}")
    return [name for name in config.problems if name in problems]


def _run_cells(config, selected, out: Path, progress: bool, workers: int, scheduler, threads: int) -> None:
    todo = [name for name in selected if not results.metrics_path(out, name).exists()]
    for name in set(selected) - set(todo):
        log.info("resuming: %s already evaluated", name)
    if todo and (workers > 1 or scheduler):
        from ._distributed import run_distributed

        run_distributed(config, todo, out, workers=workers, scheduler=scheduler, threads=threads, progress=progress)
    elif todo:
        _run_serial(config, todo, out, progress, threads)
