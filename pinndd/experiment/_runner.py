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

import pandas as pd
from tqdm.auto import tqdm

from pde_catalog import get_problem

from ..distillers import get_distiller
from ..errors import ConfigError
from ..evaluate import Evaluator, EvaluationSet, aggregate, fields_dataset, metric_names
from ..io import remove_stale_temporaries, write_csv, write_netcdf, write_text
from ..pointset import PointSet
from ..risk import parse_risk
from ..task import Task

__all__ = ["run_experiment", "cell_stem"]

log = logging.getLogger(__name__)


def cell_stem(problem: str, distiller: str, budget: int, seed: int) -> str:
    """File stem of one distilled set, e.g. ``heat1d__sobol__m128__s0``."""
    return f"{problem}__{distiller}__m{budget}__s{seed}"


def _prepare_folder(out: Path, config_text: str) -> None:
    existing = out / "config.toml"
    if existing.exists() and existing.read_text() != config_text:
        raise ConfigError(f"{out} holds results of a different config; choose another --out folder or remove it")
    remove_stale_temporaries(out)
    write_text(existing, config_text)


def _build_problem(config, name):
    try:
        return get_problem(name, **config.problem_constants.get(name, {}))
    except (TypeError, ValueError) as err:
        raise ConfigError(f"[problem.{name}] {err}") from None


def _distill_all(config, task, out: Path, progress: bool):
    """Distil every (distiller, budget, seed) cell; returns a list of (spec, budget, seed, PointSet, seconds).

    A cell whose set is already in ``out/points`` with its distillation time
    (``distill_s``) is loaded instead of distilled again.
    """
    cells = list(product(config.distillers, config.budgets, config.seeds))
    results = []
    for spec, budget, seed in tqdm(cells, desc=f"distil {task.problem.name}", disable=not progress):
        path = out / "points" / f"{cell_stem(task.problem.name, spec.label, budget, seed)}.nc"
        points = PointSet.load(path) if path.exists() else None
        if points is not None and "distill_s" in points.attrs:
            results.append((spec, budget, seed, points, float(points.attrs["distill_s"])))
            continue
        distiller = get_distiller(spec.method, **spec.options)
        start = time.perf_counter()
        points = distiller.distill(task, budget, seed=seed, progress=False)
        seconds = time.perf_counter() - start
        points = points.with_attrs(distiller=spec.label, method=spec.method, budget=budget, seed=seed, distill_s=seconds)
        points.save(path)
        results.append((spec, budget, seed, points, seconds))
    return results


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
    evaluator = Evaluator(pinn, config.learner.recipe, replicates=config.evaluation.replicates, progress=progress)
    result, init_seeds, train_s = evaluator.train([c[3] for c in group], [c[2] for c in group])
    metrics, u_pred = evaluator.measure(result.params, evaluation, result.diverged)
    table = aggregate(metrics, evaluation.split, config.splits, metric_names(evaluation.problem))
    reps = config.evaluation.replicates
    rows = []
    for model, row in table.iterrows():
        spec, budget, seed, points, distill_s = group[int(row["model"]) // reps]
        replicate = int(row["model"]) % reps
        rows.append(
            {
                "problem": problem.name,
                "distiller": spec.label,
                "method": spec.method,
                "budget": budget,
                "n_points": points.size,
                "seed": seed,
                "replicate": replicate,
                "eval_seed": init_seeds[int(row["model"])],
                "arch": f"{label}:{width}x{depth}",
                **row.drop("model").to_dict(),
                "diverged": bool(result.diverged[int(row["model"])]),
                "distill_s": distill_s,
                "train_s": train_s / len(init_seeds),
                "final_loss": float(result.loss_history[-1, int(row["model"])]),
                "adam_steps": int(result.adam_steps[int(row["model"])]),
                "lbfgs_iters": int(result.lbfgs_iterations[int(row["model"])]),
                "stop_reason": result.stop_reason[int(row["model"])],
            }
        )
    if config.evaluation.save_fields:
        for m, seed_value in enumerate(init_seeds):
            spec, budget, seed, _, _ = group[m // reps]
            attrs = {"problem": problem.name, "distiller": spec.label, "budget": budget, "seed": seed, "eval_seed": seed_value, "arch": f"{width}x{depth}"}
            stem = f"{cell_stem(problem.name, spec.label, budget, seed)}__e{seed_value}__{label}"
            write_netcdf(fields_dataset(evaluation, u_pred[m], attrs), out / "fields" / f"{stem}.nc")
    return rows


def _run_problem(config, name: str, out: Path, progress: bool) -> pd.DataFrame:
    problem = _build_problem(config, name)
    task = Task(problem, "train", config.targets, config.target_weights, risk=parse_risk(config.risk), learner=config.learner)
    evaluation = EvaluationSet.draw(problem, config.splits, config.evaluation.conditions_per_split, seed=config.evaluation.condition_seed)
    cells = _distill_all(config, task, out, progress)
    parts = []
    for arch in _architectures(config):
        for size in sorted({c[3].size for c in cells}):
            path = out / "metrics" / "parts" / f"{name}__{arch[0]}__n{size}.csv"
            if not path.exists():
                group = [c for c in cells if c[3].size == size]
                write_csv(pd.DataFrame(_evaluate_group(config, problem, evaluation, group, arch, out, progress)), path)
            parts.append(pd.read_csv(path))
    return pd.concat(parts, ignore_index=True)


def _run_problem_in_worker(config, name: str, out: Path) -> str:
    """Worker-process entry: one problem on one torch thread, metrics written to disk."""
    import torch

    torch.set_num_threads(1)  # this process is ours: one thread per worker, workers share the cores
    write_csv(_run_problem(config, name, out, progress=False), out / "metrics" / f"{name}.csv")
    return name


def run_experiment(config, out, *, config_text: str, progress: bool = True, figures: bool = True, workers: int = 1) -> Path:
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
        Problems run in parallel in this many worker processes (one torch
        thread each); 1 runs them in this process.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    out = Path(out)
    _prepare_folder(out, config_text)
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    todo = [name for name in config.problems if not (out / "metrics" / f"{name}.csv").exists()]
    for name in set(config.problems) - set(todo):
        log.info("resuming: %s already evaluated", name)
    if workers > 1 and len(todo) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(workers, len(todo)), mp_context=context) as pool:
            jobs = [pool.submit(_run_problem_in_worker, config, name, out) for name in todo]
            for job in tqdm(as_completed(jobs), total=len(jobs), desc="problems", disable=not progress):
                job.result()
    else:
        for name in tqdm(todo, desc="problems", disable=not progress):
            write_csv(_run_problem(config, name, out, progress), out / "metrics" / f"{name}.csv")
    summary = pd.concat([pd.read_csv(out / "metrics" / f"{name}.csv") for name in config.problems], ignore_index=True)
    write_csv(summary, out / "summary.csv")
    if figures:
        from ..plot import render_figures

        render_figures(out)
    return out
