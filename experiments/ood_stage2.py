"""Stage 2 of the OOD benchmark: more distillation seeds for `task` and a problem's four strongest baselines.

Stage 1 (``experiments/ood_benchmark.toml``) runs every distiller with distillation seed 0. Once a
problem's stage-1 metrics are in (``metrics/<problem>.csv``), this script picks that problem's four
strongest baselines, the distillers other than ``task`` and the two full-data references with the
lowest mean ``ood_far`` L2RE at the largest budget on the main architecture, and writes
``experiments/ood_benchmark_seeds_<problem>.toml``: the same protocol (learner, evaluation,
distiller options) for ``task`` and those four at distillation seeds 1 and 2. The choice is made
on stage-1 data alone and favours the baselines (the best of sixteen on one seed), which makes the
paired comparison conservative for ``task``.

Run:  python experiments/ood_stage2.py experiments/results/ood_benchmark_recipe heat1d [--partial]
      pinndd run experiments/ood_benchmark_seeds_heat1d.toml --out experiments/results/ood_benchmark_seeds_heat1d
      python experiments/ood_stage2.py experiments/results/ood_benchmark_allen_cahn1d allen_cahn1d --partial \
          --name ood_benchmark_seeds_allen_cahn1d_hard   (a name other than the default; an existing config is never overwritten)
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import pandas as pd

from pinndd import io, results

HERE = Path(__file__).resolve().parent
EXCLUDED = ("task", "full", "full_target")
SEEDS = [1, 2]


def strongest(folder: Path, problem: str, n: int = 4, *, partial: bool = False) -> list[str]:
    """The ``n`` distillers (not ``task``, not the references) with the lowest stage-1 ood_far L2RE at the largest budget.

    With ``partial``, a problem still running is read from its evaluated
    groups; the main architecture's group at the largest budget, the only one
    the choice reads, must be among them.
    """
    path = results.metrics_path(folder, problem)
    if path.exists():
        rows = pd.read_csv(path)
    elif partial:
        largest = max(tomllib.loads(results.config_path(folder).read_text())["experiment"]["budgets"])
        part = results.part_path(folder, problem, "main", largest)
        if not part.exists():
            raise SystemExit(f"{part} is missing: stage 1 has not evaluated {problem}'s main group at m = {largest}")
        rows = pd.read_csv(part)
    else:
        raise SystemExit(f"{path} is missing: stage 1 has not finished {problem} (--partial reads its evaluated groups)")
    rows = rows[rows.arch.str.startswith("main") & (rows.split == "ood_far") & (rows.budget == rows.budget.max())]
    means = rows[~rows.distiller.isin(EXCLUDED)].groupby("distiller").l2re.mean().sort_values()
    return list(means.index[:n])


def stage2_config(stage1: dict, problem: str, baselines: list[str], name: str | None = None) -> dict:
    """The stage-1 config for one problem, ``task`` and ``baselines``, at the further seeds."""
    raw = {key: dict(value) for key, value in stage1.items()}
    distillers = ["task", *baselines]
    raw["experiment"].update({"name": name or f"ood_benchmark_seeds_{problem}", "problems": [problem],
                              "distillers": distillers, "seeds": SEEDS})
    raw["distiller"] = {k: v for k, v in stage1.get("distiller", {}).items() if k in distillers}
    if not raw["distiller"]:
        del raw["distiller"]
    raw.pop("problem", None)
    if problem in stage1.get("problem", {}):
        raw["problem"] = {problem: stage1["problem"][problem]}
    return raw


def main(folder: str, problem: str, partial: bool = False, name: str | None = None) -> Path:
    folder = Path(folder)
    name = name or f"ood_benchmark_seeds_{problem}"
    out = HERE / f"{name}.toml"
    if out.exists():
        raise SystemExit(f"{out} exists; give another --name (a committed stage-2 config is never overwritten)")
    stage1 = tomllib.loads(results.config_path(folder).read_text())
    baselines = strongest(folder, problem, partial=partial)
    header = (f"# Issue 13, stage 2 for {problem}: `task` and the four strongest baselines of stage 1\n"
              f"# ({', '.join(baselines)}: lowest ood_far L2RE at the largest budget, main architecture, seed 0)\n"
              "# at distillation seeds 1 and 2, with stage 1's protocol. Written by experiments/ood_stage2.py.\n"
              f"# Run:  pinndd run experiments/{out.name} --out experiments/results/{out.stem}\n")
    io.write_text(out, header + io.dump_toml(stage2_config(stage1, problem, baselines, name)))
    print(f"wrote {out} ({', '.join(baselines)})")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", help="stage-1 results folder")
    parser.add_argument("problem")
    parser.add_argument("--partial", action="store_true",
                        help="choose from the evaluated groups of a problem still running (its main group at the largest budget)")
    parser.add_argument("--name", help="the config's name (default ood_benchmark_seeds_PROBLEM); also its results folder's")
    args = parser.parse_args()
    main(args.folder, args.problem, args.partial, args.name)
