"""Run ``task_tradeoff.toml`` for several train weights of the target family and tabulate the trade-off.

Each weight gets its own results folder ``OUT/train_w<k>`` (a complete,
resumable ``pinndd run`` folder whose ``config.toml`` is the config actually
run); ``OUT/tradeoff.csv`` and the printed Markdown table hold mean ± std L2RE
over distillation and evaluation seeds per problem, train weight, distiller
and split, and the two ratios the issue's targets are about.

Run:  OMP_NUM_THREADS=1 python experiments/task_tradeoff.py --out results/task_tradeoff
"""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

import pandas as pd

from pinndd.experiment import parse_config, run_experiment
from pinndd.io import write_csv

CONFIG = Path(__file__).with_name("task_tradeoff.toml")


def config_for(train_weight: float) -> str:
    """The base config's text with ``target_weights = [train_weight, 1, 1]``."""
    text = CONFIG.read_text()
    line = f"target_weights = [{train_weight:g}, 1, 1]"
    out, n = re.subn(r"^target_weights = .*$", line, text, flags=re.M)
    if n != 1:
        raise SystemExit(f"{CONFIG}: expected exactly one 'target_weights = ...' line, found {n}")
    return out


def tabulate(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Mean and std of L2RE per (problem, train_weight, distiller, split)."""
    summary = pd.concat(frames, ignore_index=True)
    grouped = summary.groupby(["problem", "train_weight", "distiller", "split"], sort=False).l2re
    return grouped.agg(["mean", "std", "count"]).reset_index()


def markdown(table: pd.DataFrame) -> str:
    """One row per (problem, train weight, distiller); columns the splits; then the target ratios."""
    lines = ["| problem | train weight | distiller | train | ood_near | ood_far |", "|---|---|---|---|---|---|"]
    for (problem, weight, name), rows in table.groupby(["problem", "train_weight", "distiller"], sort=False):
        cells = {r["split"]: f"{r['mean']:.3f} ± {r['std']:.3f}" for _, r in rows.iterrows()}
        lines.append(f"| {problem} | {weight:g} | {name} | {cells['train']} | {cells['ood_near']} | {cells['ood_far']} |")
    lines += ["", "| problem | train weight | task / hammersley on train | task / uniform_target on ood_far |", "|---|---|---|---|"]
    means = table.set_index(["problem", "train_weight", "distiller", "split"])["mean"]
    for problem, weight in dict.fromkeys(zip(table.problem, table.train_weight)):
        on_train = means[problem, weight, "task", "train"] / means[problem, weight, "hammersley", "train"]
        on_far = means[problem, weight, "task", "ood_far"] / means[problem, weight, "uniform_target", "ood_far"]
        lines.append(f"| {problem} | {weight:g} | {on_train:.2f} | {on_far:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="results folder (one subfolder per train weight)")
    parser.add_argument("--train-weights", default="1,2,4", help="comma-separated masses of train against 1 for each OOD split")
    args = parser.parse_args(argv)
    try:
        weights = [float(w) for w in args.train_weights.split(",")]
    except ValueError:
        raise SystemExit(f"--train-weights must be comma-separated numbers, got {args.train_weights!r}") from None
    frames = []
    for weight in weights:
        text = config_for(weight)
        folder = run_experiment(parse_config(tomllib.loads(text)), args.out / f"train_w{weight:g}", config_text=text, figures=False)
        frames.append(pd.read_csv(folder / "summary.csv").assign(train_weight=weight))
    table = tabulate(frames)
    write_csv(table, args.out / "tradeoff.csv")
    print(markdown(table))


if __name__ == "__main__":
    main()
