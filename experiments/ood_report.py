"""Markdown tables, paired comparisons, costs and target checks of the OOD benchmark (issue 13).

Reads one or more results folders of ``experiments/ood_benchmark*.toml`` (stage 1: every
distiller, seed 0; stage 2: further distillation seeds of ``task`` and each problem's
strongest baselines) and prints, per problem:

- the full-data in-distribution error beside the learner study's (the converged-learner check);
- L2RE per distiller and budget on ``train`` and ``ood_far``: mean over distillation seeds
  (each the mean of its evaluation learners), with the spread over seeds;
- paired comparisons of ``task`` against every other distiller at equal m on ``ood_far``:
  the ratio of L2RE (geometric mean over the distillation seeds both have, each seed paired
  with the same evaluation-learner initialisations) with its 95% t-interval;
- distillation cost: wall time over one full-data training (the ``full`` rows' training time
  per model, same machine, same run), and peak resident memory of the distilling process;
- the issue's targets, each marked met or not with the numbers;
- at a glance, one row per problem at its largest budget: the full data in distribution beside the
  learner study, the best distiller on ``ood_far``, ``task``'s error and rank there, both
  full-data references, and the best distiller and ``task`` in distribution;
- the targets at a glance: one row per problem, one column per target, and how many problems meet each.

Run:  python experiments/ood_report.py experiments/results/ood_benchmark_recipe [more folders] > /tmp/report.md
      python experiments/ood_report.py FOLDERS --figures OUT   (also error-versus-shift figures, bands over seeds)
      python experiments/ood_report.py FOLDERS --partial       (while a run goes on: unfinished problems from metrics/parts)
      python experiments/ood_report.py FOLDERS --versus sobol_target   (only task against one distiller, every problem)
      python experiments/ood_report.py FOLDERS --base task_implicit --versus task   (another distiller against one)
      python experiments/ood_report.py FOLDERS --versus sobol_target --terms   (also the residual and misfit RMS of both)
      python experiments/ood_report.py FOLDERS --drop ood_benchmark_recipe:wave1d --learner-study wave1d=candidate+fourier_wave
          (leave out one folder's rows of a problem, here wave1d's with the default learner; compare a
          problem's full data with another learner-study variant, here the learner its own stage 1 used)

A problem whose rows come from folders with different ``[learner]`` tables is refused: rows of two
learners are not seeds of one cell. ``--drop`` says which folder's rows to leave out.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from pde_catalog import SPLITS

REFERENCES = ("full", "full_target")
LEARNER_STUDY = Path(__file__).resolve().parent / "results"
DEFAULT_VARIANT = "adam3000_exp+lbfgs10k+gradnorm"


def load(folders, partial: bool = False, drop=()) -> pd.DataFrame:
    """The rows of every folder's summary (or finished metrics), one frame.

    With ``partial``, a problem still running contributes its evaluated groups
    (``metrics/parts/``), and the report says so. ``drop`` holds ``(folder name,
    problem)`` pairs whose rows are left out. A problem whose remaining rows come
    from folders with different ``[learner]`` tables raises ``SystemExit``.
    """
    frames = []
    learners = {}
    for folder in map(Path, folders):
        config = folder / "config.toml"
        learners[folder.name] = tomllib.loads(config.read_text()).get("learner", {}) if config.exists() else {}
        summary = folder / "summary.csv"
        paths = [summary] if summary.exists() else sorted((folder / "metrics").glob("*.csv"))
        frames += [pd.read_csv(p).assign(folder=folder.name) for p in paths]
        if partial and not summary.exists():
            finished = {p.stem for p in paths}
            parts = [p for p in sorted((folder / "metrics" / "parts").glob("*.csv"))
                     if p.name.split("__")[0] not in finished and (folder.name, p.name.split("__")[0]) not in drop]
            for problem in dict.fromkeys(p.name.split("__")[0] for p in parts):
                groups = ", ".join(p.stem.split("__", 1)[1] for p in parts if p.name.startswith(f"{problem}__"))
                print(f"partial: {problem} of {folder} from its evaluated groups only ({groups})")
            frames += [pd.read_csv(p).assign(folder=folder.name) for p in parts]
    if not frames:
        raise SystemExit(f"no summary.csv or finished metrics/<problem>.csv in {', '.join(map(str, folders))}")
    rows = pd.concat(frames, ignore_index=True)
    for folder_name, problem in drop:
        rows = rows[~((rows.folder == folder_name) & (rows.problem == problem))]
    for problem, names in rows.groupby("problem").folder.unique().items():
        if len({json.dumps(learners[n], sort_keys=True) for n in names}) > 1:
            raise SystemExit(f"{problem}: folders {', '.join(names)} used different [learner] tables; "
                             f"leave one out with --drop FOLDER:{problem}")
    if "distill_peak_mb" not in rows:  # results from before the runner recorded peak memory
        rows["distill_peak_mb"] = np.nan
    return rows.drop_duplicates(["problem", "distiller", "budget", "seed", "replicate", "arch", "split"])


def per_seed(rows: pd.DataFrame) -> pd.Series:
    """Mean L2RE over the evaluation learners of each (problem, arch, split, distiller, budget, seed)."""
    return rows.groupby(["problem", "arch", "split", "distiller", "budget", "seed"]).l2re.mean()


def learner_study_error(problem: str, variant: str = DEFAULT_VARIANT) -> float | None:
    """Full-data in-distribution L2RE the learner study measured with ``variant`` (issue 9)."""
    for folder in ("learner_ablation_per_condition", "learner_ablation"):
        path = LEARNER_STUDY / folder / f"{problem}__{variant}__s0.json"
        if path.exists():
            return float(json.loads(path.read_text())["l2re_mean"])
    return None


def fmt(value: float) -> str:
    return f"{value:.3g}" if np.isfinite(value) else "n/a"


def cell(values: pd.Series) -> str:
    """Mean over seeds, and the seeds' range when there are several."""
    if len(values) == 1:
        return fmt(values.iloc[0])
    return f"{fmt(values.mean())} [{fmt(values.min())}, {fmt(values.max())}] (n={len(values)})"


def table(seeds: pd.Series, problem: str, arch: str, split: str) -> str:
    """Rows distillers, columns budgets."""
    sel = seeds[problem, arch, split]
    budgets = sorted(sel.index.get_level_values("budget").unique())
    lines = ["| distiller | " + " | ".join(f"m = {b}" for b in budgets) + " |", "|---" * (len(budgets) + 1) + "|"]
    for name in dict.fromkeys(sel.index.get_level_values("distiller")):
        cells = [cell(sel[name, b]) if (name, b) in sel.index.droplevel("seed") else "" for b in budgets]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def paired_ratio(a: pd.Series, b: pd.Series):
    """Geometric-mean ratio a / b over the seeds both have, with its 95% t-interval (``None`` for one seed)."""
    common = a.index.intersection(b.index)
    d = np.log(a[common].to_numpy()) - np.log(b[common].to_numpy())
    if len(d) < 2:
        return float(np.exp(d.mean())) if len(d) else float("nan"), None, len(d)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return float(np.exp(d.mean())), (float(np.exp(d.mean() - half)), float(np.exp(d.mean() + half))), len(d)


def ratio_text(ratio: float, interval) -> str:
    """A paired ratio with its 95% interval, or "(one seed)" without one."""
    return f"{ratio:.3g}" + (f" ({interval[0]:.3g}, {interval[1]:.3g})" if interval else " (one seed)")


def comparisons(seeds: pd.Series, problem: str, arch: str, split: str = "ood_far") -> tuple[str, dict]:
    """``task`` against every other distiller at equal m; returns the table and, per budget, the verdicts."""
    sel = seeds[problem, arch, split]
    lines = ["| m | other | task / other (95% interval) | seeds | task better, interval excludes 1 |", "|---|---|---|---|---|"]
    verdicts = {}
    for budget in sorted(sel.index.get_level_values("budget").unique()):
        if ("task", budget) not in sel.index.droplevel("seed"):
            continue
        task = sel["task", budget]
        wins = []
        for other in dict.fromkeys(sel.index.get_level_values("distiller")):
            if other == "task" or (other, budget) not in sel.index.droplevel("seed"):
                continue
            ratio, interval, n = paired_ratio(task, sel[other, budget])
            better = ratio < 1 and interval is not None and interval[1] < 1
            if other not in REFERENCES:
                wins.append(better)
            lines.append(f"| {budget} | {other} | {ratio_text(ratio, interval)} | {n} | {'yes' if better else 'no'} |")
        verdicts[budget] = all(wins) if wins else False
    return "\n".join(lines), verdicts


def costs(rows: pd.DataFrame) -> str:
    """Distillation time over one full-data training, and peak memory, per distiller and problem."""
    main = rows[rows.arch.str.startswith("main") & (rows.split == "train")]
    full_train = main[main.distiller == "full"].groupby("problem").train_s.mean()
    per = main.groupby(["distiller", "problem"], sort=False).agg(distill_s=("distill_s", "mean"), peak=("distill_peak_mb", "max"))
    problems = list(dict.fromkeys(main.problem))
    lines = ["| distiller | " + " | ".join(problems) + " |", "|---" * (len(problems) + 1) + "|"]
    for name in dict.fromkeys(main.distiller):
        cells = []
        for p in problems:
            if (name, p) not in per.index:
                cells.append("")
                continue
            r = per.loc[name, p]
            ratio = r.distill_s / full_train.get(p, np.nan)
            peak = f", {r.peak:.0f} MiB" if np.isfinite(r.peak) else ""
            cells.append(f"{fmt(ratio)}x{peak}" if np.isfinite(ratio) else f"{fmt(r.distill_s)} s{peak}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    trained = ", ".join(f"{p} {full_train[p]:.0f} s" if p in full_train.index else f"{p} not evaluated yet (seconds shown)"
                        for p in problems)
    return "\n".join(lines) + f"\n\nOne full-data training (per model, main architecture): {trained}."


def versus(seeds: pd.Series, other: str, base: str = "task") -> str:
    """``base`` against ``other`` on every problem and budget that has both, main architecture.

    Per split, the two means over distillation seeds and the paired ratio with its 95% interval.
    """
    lines = [f"| problem | m | split | {base} | {other} | {base} / {other} (95% interval) | seeds |", "|---|---|---|---|---|---|---|"]
    for problem in sorted(set(seeds.index.get_level_values("problem"))):
        arch = next(a for a in dict.fromkeys(seeds[problem].index.get_level_values("arch")) if a.startswith("main"))
        have = seeds[problem, arch].index.droplevel("seed")
        budgets = sorted(b for b in set(have.get_level_values("budget"))
                         if any((split, base, b) in have and (split, other, b) in have for split in SPLITS))
        for m in budgets:
            for split in SPLITS:
                if (split, base, m) not in have or (split, other, m) not in have:
                    continue
                ours, theirs = seeds[problem, arch, split, base, m], seeds[problem, arch, split, other, m]
                ratio, interval, n = paired_ratio(ours, theirs)
                lines.append(f"| {problem} | {m} | {split} | {cell(ours)} | {cell(theirs)} | {ratio_text(ratio, interval)} | {n} |")
    return "\n".join(lines)


def terms(rows: pd.DataFrame, base: str, other: str) -> str:
    """What ``base``'s error is made of beside ``other``'s: L2RE, the PDE residual's RMS and the
    boundary/initial misfit's RMS at the evaluation conditions, main architecture, means over every
    evaluated learner, on every problem, budget and split that has both."""
    lines = [f"| problem | m | split | L2RE {base} / {other} | residual RMS {base} / {other} | condition misfit RMS {base} / {other} |",
             "|---|---|---|---|---|---|"]
    main_rows = rows[rows.arch.str.startswith("main") & rows.distiller.isin([base, other])]
    means = main_rows.groupby(["problem", "budget", "split", "distiller"])[["l2re", "residual_rms", "boundary_rms"]].mean()
    for (problem, m), group in means.groupby(level=["problem", "budget"]):
        for split in SPLITS:
            if (problem, m, split, base) not in group.index or (problem, m, split, other) not in group.index:
                continue
            ours, theirs = group.loc[(problem, m, split, base)], group.loc[(problem, m, split, other)]
            cells = [f"{fmt(ours[c])} / {fmt(theirs[c])} ({ours[c] / theirs[c]:.2f}x)" for c in ("l2re", "residual_rms", "boundary_rms")]
            lines.append(f"| {problem} | {m} | {split} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def overview(seeds: pd.Series, variants: dict) -> str:
    """One row per problem at its largest budget, main architecture: who wins where, and ``task``'s place.

    Means over distillation seeds; ``task``'s rank counts the distillers (not the full-data
    references) by mean ``ood_far`` L2RE, 1 being the lowest.
    """
    lines = ["| problem | full data in distribution (learner study) | best distiller on ood_far | task on ood_far (rank) "
             "| full data over the training family, ood_far | full data over Q, ood_far | best distiller in distribution | task in distribution |",
             "|---|---|---|---|---|---|---|---|"]
    for problem in dict.fromkeys(seeds.index.get_level_values("problem")):
        arch = next(a for a in dict.fromkeys(seeds[problem].index.get_level_values("arch")) if a.startswith("main"))
        means = {split: seeds[problem, arch, split].groupby(["distiller", "budget"]).mean()
                 for split in ("train", "ood_far") if (problem, arch, split) in seeds.index.droplevel(["distiller", "budget", "seed"])}
        if len(means) < 2:
            continue
        m = max(means["ood_far"].index.get_level_values("budget"))
        far, train = means["ood_far"].xs(m, level="budget"), means["train"].xs(m, level="budget")
        ref = {name: fmt(far[name]) if name in far.index else "" for name in REFERENCES}
        full_train = fmt(train["full"]) if "full" in train.index else "n/a"
        study = learner_study_error(problem, variants.get(problem, DEFAULT_VARIANT))
        far, train = far.drop(list(REFERENCES), errors="ignore"), train.drop(list(REFERENCES), errors="ignore")
        ranked = far.sort_values()
        place = f"{fmt(far['task'])} ({list(ranked.index).index('task') + 1} of {len(ranked)})" if "task" in far.index else "n/a"
        in_task = fmt(train["task"]) if "task" in train.index else "n/a"
        lines.append(f"| {problem} | {full_train} ({fmt(study) if study is not None else 'n/a'}) | {ranked.index[0]} {fmt(ranked.iloc[0])} "
                     f"| {place} | {ref['full']} | {ref['full_target']} | {train.idxmin()} {fmt(train.min())} | {in_task} |")
    return "\n".join(lines)


TARGETS = {
    "converged": "full data in distribution / learner study (<= 2)",
    "ood_far": "task on ood_far (<= 5e-2; heat1d, poisson2d)",
    "best": "task below every distiller on ood_far, interval excluding 1",
    "full": "task / full on ood_far (<= 1)",
    "full_target": "task / full over Q on ood_far (<= 1.5)",
    "in_distribution": "task / best distiller in distribution (<= 1.5)",
}


def target_checks(seeds: pd.Series, problem: str, arch: str, verdicts: dict, variant: str = DEFAULT_VARIANT) -> dict:
    """The issue's targets for one problem, keyed as :data:`TARGETS`: each ``(value, met, bullet)``.

    ``value`` is the number the target bounds (``nan`` where there is none, as for the paired
    wins), ``met`` whether it holds, ``bullet`` the line :func:`targets` prints. A target that
    cannot be checked yet (its rows are missing) has ``met`` ``None``. ``variant`` names the
    learner-study record of the problem's learner.
    """
    checks = {}
    train, far = seeds[problem, arch, "train"], seeds[problem, arch, "ood_far"]
    means_far = far.groupby(["distiller", "budget"]).mean()
    means_train = train.groupby(["distiller", "budget"]).mean()
    full = means_train.xs("full", level="distiller").mean() if "full" in means_train.index.get_level_values(0) else np.nan
    study = learner_study_error(problem, variant)
    named = "" if variant == DEFAULT_VARIANT else f" ({variant})"
    if not np.isfinite(full):
        checks["converged"] = (np.nan, None, "- in distribution, full data not evaluated yet")
    elif study is not None:
        met = full <= 2 * study
        checks["converged"] = (full / study, met, f"- in distribution, full data {fmt(full)} vs the learner study's {fmt(study)}{named}: "
                               f"{'met' if met else 'NOT met'} (target within 2x)")
    else:
        checks["converged"] = (np.nan, None, f"- in distribution, full data {fmt(full)} (the learner study did not measure {problem}{named})")
    m = max(means_far.index.get_level_values("budget"))
    if ("task", m) not in means_far.index:
        return checks
    t = means_far["task", m]
    if problem in ("heat1d", "poisson2d"):
        checks["ood_far"] = (t, t <= 5e-2, f"- task at m = {m}, ood_far {fmt(t)}: {'met' if t <= 5e-2 else 'NOT met'} (target <= 5e-2)")
    checks["best"] = (np.nan, bool(verdicts.get(m)), f"- task lower than every other distiller at m = {m} on ood_far with the interval "
                      f"excluding 1: {'met' if verdicts.get(m) else 'NOT met'}")
    for ref, bound in (("full", 1.0), ("full_target", 1.5)):
        if (ref, m) in means_far.index:
            r = t / means_far[ref, m]
            checks[ref] = (r, r <= bound, f"- task / {ref} on ood_far = {r:.3g}: {'met' if r <= bound else 'NOT met'} (target <= {bound})")
    at_m = means_train.xs(m, level="budget")
    others = at_m.drop(labels=[d for d in ("task", *REFERENCES) if d in at_m.index])
    r = means_train["task", m] / others.min()
    checks["in_distribution"] = (r, r <= 1.5, f"- in distribution, task / best distiller ({others.idxmin()}) = {r:.3g}: "
                                 f"{'met' if r <= 1.5 else 'NOT met'} (target <= 1.5)")
    return checks


def targets(seeds: pd.Series, problem: str, arch: str, verdicts: dict, variant: str = DEFAULT_VARIANT) -> list[str]:
    """The issue's targets for one problem as bullets; ``variant`` names the learner-study record of its learner."""
    return [bullet for _, _, bullet in target_checks(seeds, problem, arch, verdicts, variant).values()]


def target_overview(seeds: pd.Series, variants: dict) -> str:
    """One row per problem, one column per target of :data:`TARGETS`: the number and whether it is met.

    The last row counts, per target, the problems that meet it out of those where it was checked.
    """
    lines = ["| problem | " + " | ".join(TARGETS.values()) + " |", "|---" * (len(TARGETS) + 1) + "|"]
    met_counts = {key: [0, 0] for key in TARGETS}
    for problem in dict.fromkeys(seeds.index.get_level_values("problem")):
        arch = next(a for a in dict.fromkeys(seeds[problem].index.get_level_values("arch")) if a.startswith("main"))
        have = seeds[problem, arch].index.get_level_values("split")
        if "train" not in have or "ood_far" not in have:
            continue
        _, verdicts = comparisons(seeds, problem, arch)
        checks = target_checks(seeds, problem, arch, verdicts, variants.get(problem, DEFAULT_VARIANT))
        cells = []
        for key in TARGETS:
            value, met, _ = checks.get(key, (np.nan, None, ""))
            if met is None:
                cells.append("")
                continue
            met_counts[key][0] += bool(met)
            met_counts[key][1] += 1
            number = f"{fmt(value)}, " if np.isfinite(value) else ""
            cells.append(f"{number}{'met' if met else 'missed'}")
        lines.append(f"| {problem} | " + " | ".join(cells) + " |")
    lines.append("| problems meeting it | " + " | ".join(f"{met} of {checked}" for met, checked in met_counts.values()) + " |")
    return "\n".join(lines)


def shift_figures(folders, out: Path, drop=()) -> list[Path]:
    """Error versus shift per problem, one panel per ray, bands over distillation seeds (main architecture).

    ``drop`` holds the ``(folder name, problem)`` pairs left out, as in :func:`load`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import xarray as xr

    from pinndd.plot import plot_error_vs_shift

    by_problem = {}
    for folder in map(Path, folders):
        for path in sorted((folder / "shift").glob("*__main__*.nc")):
            if (folder.name, path.name.split("__")[0]) in drop:
                continue
            by_problem.setdefault(path.name.split("__")[0], []).append(xr.load_dataset(path))
    written = []
    for problem, parts in by_problem.items():
        scan = xr.concat(parts, dim="model")
        scan.attrs = parts[0].attrs
        rays = list(dict.fromkeys(scan.direction.values.tolist()))
        fig, axes = plt.subplots(1, len(rays), figsize=(5 * len(rays), 4), squeeze=False)
        for ax, ray in zip(axes[0], rays):
            plot_error_vs_shift(scan, ray, ax=ax)
        axes[0][0].legend(fontsize=6, ncol=2)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"shift_{problem}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def main(folders, figures=None, partial=False, drop=(), variants=None, against=(), base="task", with_terms=False) -> None:
    rows = load(folders, partial, drop)
    variants = variants or {}
    seeds = per_seed(rows)
    if against:
        for other in against:
            print(f"\n### {base} against {other} (paired over distillation seeds; ratio < 1: {base} better)\n")
            print(versus(seeds, other, base))
            if with_terms:
                print(f"\n### What {base}'s error is made of beside {other}'s (means over seeds and learners)\n")
                print(terms(rows, base, other))
        return
    for problem in dict.fromkeys(rows.problem):
        archs = list(dict.fromkeys(rows[rows.problem == problem].arch))
        main_arch = next(a for a in archs if a.startswith("main"))
        print(f"\n### {problem}\n")
        for split in ("train", "ood_far"):
            print(f"\n#### {split}, {main_arch} (L2RE: mean over distillation seeds [range])\n")
            print(table(seeds, problem, main_arch, split))
        for arch in archs:
            if arch != main_arch and (problem, arch, "ood_far") in seeds.index.droplevel(["distiller", "budget", "seed"]):
                print(f"\n#### ood_far, second architecture {arch}\n")
                print(table(seeds, problem, arch, "ood_far"))
        text, verdicts = comparisons(seeds, problem, main_arch)
        print(f"\n#### task against each other distiller on ood_far ({main_arch}; ratio < 1: task better)\n")
        print(text)
        print("\n#### Targets\n")
        print("\n".join(targets(seeds, problem, main_arch, verdicts, variants.get(problem, DEFAULT_VARIANT))))
    print("\n### At a glance: the largest budget, main architecture (L2RE, mean over distillation seeds)\n")
    print(overview(seeds, variants))
    print("\n### Targets at a glance: the largest budget, main architecture\n")
    print(target_overview(seeds, variants))
    print("\n### Cost: distillation time over one full-data training, peak resident memory of the distilling process\n")
    print(costs(rows))
    if figures:
        for path in shift_figures(folders, Path(figures), drop):
            print(f"\nwrote {path}")


def pair(separator: str):
    """An argparse type reading ``LEFT<separator>RIGHT`` as a tuple, with a one-line error otherwise."""
    def parse(text: str) -> tuple[str, str]:
        left, sep, right = text.partition(separator)
        if not (sep and left and right):
            raise argparse.ArgumentTypeError(f"{text!r}: expected LEFT{separator}RIGHT")
        return left, right
    return parse


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", help="results folders of the OOD benchmark (stage 1, stage 2)")
    parser.add_argument("--figures", help="folder for the error-versus-shift figures (bands over seeds)")
    parser.add_argument("--partial", action="store_true", help="also report problems still running, from their evaluated groups")
    parser.add_argument("--drop", action="append", default=[], type=pair(":"), metavar="FOLDER:PROBLEM",
                        help="leave out one folder's rows of a problem (folder by name, e.g. ood_benchmark_recipe:wave1d); repeatable")
    parser.add_argument("--learner-study", action="append", default=[], type=pair("="), metavar="PROBLEM=VARIANT",
                        help=f"the learner-study record a problem's full data is compared with (default {DEFAULT_VARIANT}); repeatable")
    parser.add_argument("--versus", action="append", default=[], metavar="LABEL",
                        help="print only --base against this distiller on every problem (every split and shared budget); repeatable")
    parser.add_argument("--base", default="task", metavar="LABEL", help="the distiller --versus compares (default task)")
    parser.add_argument("--terms", action="store_true",
                        help="with --versus, also the residual's and the condition misfit's RMS of both at the evaluation conditions")
    args = parser.parse_args()
    main(args.folders, args.figures, args.partial, set(args.drop), dict(args.learner_study), args.versus, args.base, args.terms)
