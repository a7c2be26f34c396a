"""Batched L-BFGS with line-search trials over the searching models only, against full-batch trials.

The stage-1 evaluation group of heat1d at 128 points (the benchmark's
architecture 32 x 3 in float32, the 16 committed stage-1 sets of
``experiments/results/ood_benchmark_recipe``, two learners each: 32 models)
first trains Adam with the default recipe's schedule; from the same
parameters, L-BFGS then runs twice, side by side in this process and in
alternating order: once with ``row_objective`` (each backtracking trial
evaluates only the models still searching, with the objectives
:func:`pinndd.learner.train` builds) and once without (every trial
evaluates the whole batch, the former behaviour). Prints the wall time and
objective evaluations of each, whether the two end bit for bit equal, and on
the last line ``full_over_rows=R`` (the median over rounds of the time ratio).

Run (about twenty minutes on one thread for the run reported)::

    python benchmarks/bench_lbfgs_rows.py --iters 2500 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from pde_catalog import get_problem
from pinndd.distillers import get_distiller
from pinndd.learner import ConditionalPINN, PointBatch, Recipe, batched_lbfgs, train
from pinndd.learner._parametrize import Parametrization, to_matrix
from pinndd.learner._train import _Objective, lbfgs_objectives
from pinndd.pointset import PointSet
from pinndd.task import PdeTask


def _sets(problem, budget: int, folder: Path):
    """The ``budget``-point sets of ``problem`` in ``folder`` (distillation seed 0), or sampled ones without it.

    Without the folder: sixteen sets from five static samplers over the
    training family, several seeds.
    """
    found = [PointSet.load(p) for p in sorted(folder.glob(f"{problem.name}__*__m{budget}__s0.nc"))] if folder.is_dir() else []
    found = [s for s in found if s.size == budget]
    if found:
        return found
    task = PdeTask(problem)
    methods = ("uniform", "lhs", "halton", "hammersley", "sobol")
    return [get_distiller(methods[k % len(methods)]).distill(task, budget, seed=k) for k in range(16)]


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adam", type=int, default=3000, help="Adam steps before L-BFGS (default 3000)")
    parser.add_argument("--iters", type=int, default=1000, help="L-BFGS iterations per run (default 1000)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the two runs (default 2)")
    parser.add_argument("--budget", type=int, default=128)
    parser.add_argument("--sets", default="experiments/results/ood_benchmark_recipe/points",
                        help="folder of distilled sets to train on (default: the OOD benchmark's stage-1 sets)")
    parser.add_argument("--out", default="benchmarks/results/bench_lbfgs_rows.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    problem = get_problem("heat1d")
    pinn = ConditionalPINN(problem, 32, 3)
    batch = PointBatch.from_point_sets(_sets(problem, args.budget, Path(args.sets)), problem, dtype=pinn.dtype, device=pinn.device).repeat(2)
    n_models = batch.interior.shape[0]
    adam = train(pinn, pinn.init(range(n_models)), batch, Recipe(steps=args.adam, lbfgs_iters=0))
    weights = torch.as_tensor(adam.term_weights, dtype=pinn.dtype)
    param = Parametrization(adam.params)
    x0 = to_matrix(param.initial)
    fun, rows = lbfgs_objectives(_Objective(pinn, batch, param), weights, [t.detach() for t in param.initial])
    seconds, evaluations, results = {"rows": [], "full": []}, {}, {}
    for r in range(args.rounds):
        for kind in (("rows", "full") if r % 2 == 0 else ("full", "rows")):
            counted = [0]

            def whole(x):
                counted[0] += x.shape[0]
                return fun(x)

            def some(x, index):
                counted[0] += x.shape[0]
                return rows(x, index)

            start = time.perf_counter()
            result = batched_lbfgs(whole, x0, max_iter=args.iters, row_objective=some if kind == "rows" else None)
            seconds[kind].append(time.perf_counter() - start)
            evaluations[kind], results[kind] = {"calls": result.evaluations, "model_evaluations": counted[0]}, result
    same = torch.equal(results["rows"].x, results["full"].x) and results["rows"].stop_reason == results["full"].stop_reason
    ratio = statistics.median(f / w for f, w in zip(seconds["full"], seconds["rows"]))
    for kind in ("rows", "full"):
        e = evaluations[kind]
        print(f"{kind}: " + ", ".join(f"{s:.1f} s" for s in seconds[kind]) + f"; {e['calls']} objective calls, {e['model_evaluations']} model evaluations")
    iters = results["rows"].iterations
    print(f"{n_models} models, {args.budget} points, {args.adam} Adam steps, {args.iters} L-BFGS iterations "
          f"(models took {int(iters.min())}-{int(iters.max())}); bit for bit equal: {same}")
    print(f"full_over_rows={ratio:.2f}")
    record = dict(vars(args), models=n_models, seconds=seconds, evaluations=evaluations, bitwise_equal=same,
                  full_over_rows=ratio, torch=torch.__version__)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=2) + "\n")
    return ratio


if __name__ == "__main__":
    main()
