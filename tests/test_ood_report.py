"""experiments/ood_report.py and ood_task_movement.py: the ratios, target checks, tables and movements the benchmark README is generated from."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"


def _script(name: str):
    """An experiments/ script as a module; ``experiments/`` is on ``sys.path`` while it loads, as when it runs."""
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", EXPERIMENTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(EXPERIMENTS))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(EXPERIMENTS))
    return module


@pytest.fixture(scope="module")
def report():
    return _script("ood_report")


def _seeds(values: dict) -> pd.Series:
    """Per-seed L2RE keyed (problem, arch, split, distiller, budget, seed) from {(split, distiller, seed): l2re}."""
    index = pd.MultiIndex.from_tuples([("heat1d", "main:32x3", split, name, 512, seed) for split, name, seed in values],
                                      names=["problem", "arch", "split", "distiller", "budget", "seed"])
    return pd.Series(list(values.values()), index=index).sort_index()


def test_paired_ratio_is_the_geometric_mean_with_a_t_interval(report):
    a = pd.Series([0.1, 0.2, 0.4], index=[0, 1, 2])
    b = pd.Series([0.2, 0.2, 0.2, 9.9], index=[0, 1, 2, 7])  # seed 7 has no partner: left out
    ratio, interval, n = report.paired_ratio(a, b)
    d = np.log([0.5, 1.0, 2.0])
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    assert n == 3
    assert ratio == pytest.approx(1.0)
    assert interval == pytest.approx((np.exp(-half), np.exp(half)))
    assert report.paired_ratio(a[:1], b)[1:] == (None, 1)


def test_target_checks_mark_each_target_from_the_means(report):
    study = report.learner_study_error("heat1d")
    assert study is not None  # the learner study's committed record
    seeds = _seeds({
        ("train", "full", 0): 1.5 * study,
        ("train", "task", 0): 0.012, ("train", "task", 1): 0.012,
        ("train", "sobol", 0): 0.010,
        ("ood_far", "task", 0): 0.03, ("ood_far", "task", 1): 0.05,
        ("ood_far", "sobol", 0): 0.5,
        ("ood_far", "full", 0): 0.05, ("ood_far", "full_target", 0): 0.02,
    })
    checks = report.target_checks(seeds, "heat1d", "main:32x3", {512: True})
    assert checks["converged"][:2] == (pytest.approx(1.5), True)
    assert checks["ood_far"][:2] == (pytest.approx(0.04), True)
    assert checks["best"][1] is True
    assert checks["full"][:2] == (pytest.approx(0.8), True)
    assert checks["full_target"][:2] == (pytest.approx(2.0), False)
    assert checks["in_distribution"][:2] == (pytest.approx(1.2), True)
    assert "(sobol) = 1.2: met" in checks["in_distribution"][2]
    assert report.targets(seeds, "heat1d", "main:32x3", {512: True}) == [bullet for _, _, bullet in checks.values()]


def test_target_overview_counts_the_problems_meeting_each_target(report):
    seeds = _seeds({
        ("train", "full", 0): 0.006, ("train", "task", 0): 0.03, ("train", "sobol", 0): 0.01,
        ("ood_far", "task", 0): 0.9, ("ood_far", "task", 1): 1.1, ("ood_far", "sobol", 0): 2.0,
        ("ood_far", "full", 0): 4.0, ("ood_far", "full_target", 0): 0.05,
    })
    lines = report.target_overview(seeds, {}).splitlines()
    assert len(lines) == 4  # header, rule, heat1d, count
    heat = lines[2].split(" | ")
    assert heat[2] == "1, missed"  # task's ood_far mean against 5e-2
    assert heat[3] == "missed"  # one seed of sobol: no interval, no paired win
    assert heat[4] == "0.25, met"
    assert lines[3] == "| problems meeting it | 1 of 1 | 0 of 1 | 0 of 1 | 1 of 1 | 0 of 1 | 0 of 1 |"


def test_load_refuses_one_problem_from_two_learners(report, tmp_path):
    for name, width in (("a", 32), ("b", 48)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "config.toml").write_text(f"[learner]\nwidth = {width}\n")
        pd.DataFrame({"problem": ["heat1d"], "distiller": ["task"], "budget": [512], "seed": [0], "replicate": [0],
                      "arch": ["main:32x3"], "split": ["train"], "l2re": [0.1]}).to_csv(folder / "summary.csv", index=False)
    with pytest.raises(SystemExit, match="heat1d: folders a, b used different"):
        report.load([tmp_path / "a", tmp_path / "b"])
    assert len(report.load([tmp_path / "a", tmp_path / "b"], drop={("b", "heat1d")})) == 1


def test_movement_of_each_part_of_the_points():
    from pinndd.pointset import PointSet

    movement_module = _script("ood_task_movement")
    rng = np.random.default_rng(0)
    interior, constraint = rng.random((64, 2)), rng.random((16, 2))

    def points(shift_interior, shift_constraint, weights=np.ones(64)):
        return PointSet("p", ("x",), ("a",), interior + shift_interior, weights, constraint + shift_constraint, ("edge",),
                        np.zeros(16), np.zeros(16, dtype=int), np.zeros((16, 1)), np.ones(16))

    start = points(0.0, 0.0)
    final = points(np.array([0.03, 0.04]), 0.0, weights=np.r_[np.full(32, 0.5), np.full(32, 1.5)])
    lower, span = np.zeros(2), np.full(2, 0.5)  # unit coordinates are twice the raw ones
    moved = movement_module.movement(start, final, lower, span)
    assert moved["points"] == 64
    assert moved["move"] == pytest.approx(0.1)
    assert moved["per_column"] == pytest.approx([0.06, 0.08])
    assert moved["weight_cv"] == pytest.approx(0.5)
    still = movement_module.movement(start, final, lower, span, part="condition")
    assert still["points"] == 16 and still["move"] == 0.0 and still["weight_cv"] == 0.0
