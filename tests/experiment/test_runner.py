import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from pinndd.errors import ConfigError
from pinndd.experiment import parse_config, run_experiment
from pinndd.pointset import PointSet


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_config_text):
    TINY_CONFIG = tiny_config_text
    out = tmp_path_factory.mktemp("run") / "tiny"
    run_experiment(parse_config(tomllib.loads(TINY_CONFIG)), out, config_text=TINY_CONFIG, progress=False)
    return out


def test_results_folder_contract(tiny_run):
    assert (tiny_run / "config.toml").read_text().startswith("\n[experiment]")
    summary = pd.read_csv(tiny_run / "summary.csv")
    for column in ("problem", "distiller", "budget", "seed", "split", "l2re", "distill_s", "train_s"):
        assert column in summary
    # one row per (problem, distiller, budget, seed, split)
    assert len(summary) == 1 * 2 * 2 * 2 * 2
    assert not summary.duplicated(["problem", "distiller", "budget", "seed", "split"]).any()
    assert np.isfinite(summary.l2re).all() and (summary.l2re > 0).all()
    assert len(list((tiny_run / "points").glob("*.nc"))) == 8
    assert len(list((tiny_run / "fields").glob("*.nc"))) == 8
    names = {p.name for p in (tiny_run / "figures").iterdir()}
    assert {"error_vs_budget.png", "error_by_split.png", "fields_heat1d.png", "points_heat1d.png"} <= names
    assert not list(tiny_run.rglob("*.tmp"))


def test_every_set_and_row_names_the_code_that_made_it(tiny_run):
    from pinndd.provenance import code_version

    assert set(pd.read_csv(tiny_run / "summary.csv").code) == {code_version()}
    assert {PointSet.load(p).attrs["code"] for p in (tiny_run / "points").glob("*.nc")} == {code_version()}


def test_saved_points_and_fields(tiny_run):
    ps = PointSet.load(tiny_run / "points" / "heat1d__sobol_target__m32__s1.nc")
    assert ps.size == 32 and ps.attrs["distiller"] == "sobol_target" and ps.attrs["method"] == "sobol"
    fields = sorted((tiny_run / "fields").glob("heat1d__uniform__m24__s0__*.nc"))
    with xr.open_dataset(fields[0]) as ds:
        assert set(ds.data_vars) == {"u_pred", "u_ref", "error"}
        assert ds.u_pred.dims == ("condition", "output", "x", "t") and list(ds.output.values) == ["u"]
        assert list(ds.split.values) == ["train", "train", "ood_far", "ood_far"]
        np.testing.assert_allclose(ds.error, ds.u_pred - ds.u_ref, atol=1e-5)


def test_eval_seeds_disjoint_from_distillation_seeds(tiny_run):
    summary = pd.read_csv(tiny_run / "summary.csv")
    assert set(summary.eval_seed).isdisjoint(set(summary.seed))


def test_resume_and_refuse_other_config(tiny_run, tiny_config_text):
    TINY_CONFIG = tiny_config_text
    before = (tiny_run / "summary.csv").read_text()
    run_experiment(parse_config(tomllib.loads(TINY_CONFIG)), tiny_run, config_text=TINY_CONFIG, progress=False, figures=False)
    assert (tiny_run / "summary.csv").read_text() == before
    other = TINY_CONFIG.replace("steps = 30", "steps = 31")
    with pytest.raises(ConfigError, match="different config"):
        run_experiment(parse_config(tomllib.loads(other)), tiny_run, config_text=other, progress=False)
    assert (tiny_run / "config.toml").read_text() == TINY_CONFIG


TIMINGS = ["distill_s", "train_s", "distill_peak_mb"]  # measurements of the machine, not results


def test_dask_cells_on_two_worker_processes_match_serial(tmp_path, tiny_config_text):
    """A real LocalCluster with two worker processes: every column but the timings is identical."""
    text = tiny_config_text.replace('problems = ["heat1d"]', 'problems = ["heat1d", "poisson2d"]').replace("budgets = [24, 32]", "budgets = [24]")
    config = parse_config(tomllib.loads(text))
    serial = run_experiment(config, tmp_path / "serial", config_text=text, progress=False, figures=False)
    parallel = run_experiment(config, tmp_path / "parallel", config_text=text, progress=False, figures=False, workers=2)
    a, b = pd.read_csv(serial / "summary.csv"), pd.read_csv(parallel / "summary.csv")
    assert list(a.problem.unique()) == ["heat1d", "poisson2d"] == list(b.problem.unique())
    pd.testing.assert_frame_equal(a.drop(columns=TIMINGS), b.drop(columns=TIMINGS), check_exact=True)
    assert not list(parallel.rglob("*.tmp"))


def test_problems_run_one_at_a_time_make_the_same_folder(tmp_path, tiny_config_text):
    """``problems=[...]`` runs part of the config; the run that finishes the last problem writes the summary."""
    text = tiny_config_text.replace('problems = ["heat1d"]', 'problems = ["heat1d", "poisson2d"]').replace("budgets = [24, 32]", "budgets = [24]")
    config = parse_config(tomllib.loads(text))
    whole = run_experiment(config, tmp_path / "whole", config_text=text, progress=False, figures=False)
    out = tmp_path / "split"
    run_experiment(config, out, config_text=text, progress=False, figures=False, problems=["poisson2d"])
    assert (out / "metrics" / "poisson2d.csv").exists() and not (out / "metrics" / "heat1d.csv").exists()
    assert not (out / "summary.csv").exists()
    run_experiment(config, out, config_text=text, progress=False, figures=False, problems=["heat1d"])
    a, b = pd.read_csv(whole / "summary.csv"), pd.read_csv(out / "summary.csv")
    pd.testing.assert_frame_equal(a.drop(columns=TIMINGS), b.drop(columns=TIMINGS), check_exact=True)


def test_a_problem_outside_the_config_is_refused(tmp_path, tiny_config_text):
    config = parse_config(tomllib.loads(tiny_config_text))
    with pytest.raises(ConfigError, match=r"problem 'burgers1d' is not in experiment.problems; allowed: heat1d"):
        run_experiment(config, tmp_path / "run", config_text=tiny_config_text, progress=False, problems=["burgers1d"])
    assert not (tmp_path / "run").exists()


def test_an_empty_problem_list_is_refused(tmp_path, tiny_config_text):
    config = parse_config(tomllib.loads(tiny_config_text))
    with pytest.raises(ConfigError, match=r"problems must name at least one problem \(or be omitted for all\); allowed: heat1d"):
        run_experiment(config, tmp_path / "run", config_text=tiny_config_text, progress=False, problems=[])
    assert not (tmp_path / "run").exists()


def test_a_killed_worker_does_not_lose_the_run(tmp_path, tiny_config_text):
    """A worker process dies while cells run: Dask reschedules its cells and the results equal a serial run."""
    import os
    import signal
    import threading
    import time

    from distributed import Client, LocalCluster

    text = tiny_config_text.replace("budgets = [24, 32]", "budgets = [24]")
    config = parse_config(tomllib.loads(text))
    serial = run_experiment(config, tmp_path / "serial", config_text=text, progress=False, figures=False)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    try:
        with Client(cluster) as client:  # only to learn a worker's process id; the run uses its own client
            pids = client.run(os.getpid)
        victim = pids[sorted(pids)[0]]
        killed = threading.Event()

        def kill_one_worker():  # SIGKILL from outside, as an out-of-memory kill would; no client shared across threads
            while not list((tmp_path / "killed" / "points").glob("*.nc")):
                time.sleep(0.05)
            killed.set()
            os.kill(victim, signal.SIGKILL)

        killer = threading.Thread(target=kill_one_worker, daemon=True)
        killer.start()
        run_experiment(config, tmp_path / "killed", config_text=text, progress=False, figures=False, scheduler=cluster.scheduler_address)
        killer.join(timeout=60)
        assert killed.is_set()
    finally:
        cluster.close()
    a, b = pd.read_csv(serial / "summary.csv"), pd.read_csv(tmp_path / "killed" / "summary.csv")
    pd.testing.assert_frame_equal(a.drop(columns=TIMINGS), b.drop(columns=TIMINGS), check_exact=True)


def test_interrupted_problem_resumes_from_points_and_parts(tmp_path, tiny_config_text, monkeypatch):
    config = parse_config(tomllib.loads(tiny_config_text))
    out = run_experiment(config, tmp_path / "run", config_text=tiny_config_text, progress=False, figures=False)
    before = pd.read_csv(out / "summary.csv")
    assert sorted(p.name for p in (out / "metrics" / "parts").iterdir()) == ["heat1d__main__n24.csv", "heat1d__main__n32.csv"]
    # Interrupt: the problem's table and one evaluated group are gone.
    (out / "metrics" / "heat1d.csv").unlink()
    (out / "metrics" / "parts" / "heat1d__main__n32.csv").unlink()
    calls = []

    def no_distilling(*args, **kwargs):
        raise AssertionError("a set already in points/ was distilled again")

    import pinndd.experiment._runner as runner

    original = runner._evaluate_group
    monkeypatch.setattr(runner, "get_distiller", no_distilling)
    monkeypatch.setattr(runner, "_evaluate_group", lambda *a, **k: calls.append(a[3][0].points.size) or original(*a, **k))
    run_experiment(config, out, config_text=tiny_config_text, progress=False, figures=False)
    assert calls == [32]
    after = pd.read_csv(out / "summary.csv")
    columns = ["problem", "distiller", "budget", "seed", "split", "eval_seed", "l2re", "distill_s"]
    pd.testing.assert_frame_equal(before[columns], after[columns], rtol=1e-6)


def test_stale_temporaries_of_a_killed_run_are_removed_on_resume(tmp_path, tiny_config_text):
    import os
    import time

    from pinndd.io import remove_stale_temporaries

    out = tmp_path / "run"
    (out / "fields").mkdir(parents=True)
    stale, fresh = out / "fields" / ".a.nc.x1.tmp", out / "fields" / ".b.nc.x2.tmp"
    stale.write_text("half")
    fresh.write_text("being written")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    assert remove_stale_temporaries(out) == [stale]
    assert not stale.exists() and fresh.exists()  # another run's live write is left alone


def test_tabular_run_refuses_a_folder_of_another_config(tmp_path):
    from pinndd.errors import ConfigError
    from pinndd.experiment import run_tabular_experiment

    (tmp_path / "config.toml").write_text("[experiment]\nname = 'a pde run'\n")
    raw = tomllib.loads((Path(__file__).resolve().parents[2] / "experiments" / "tabular_quickstart.toml").read_text())
    with pytest.raises(ConfigError, match="holds results of a different config"):
        run_tabular_experiment(raw, tmp_path, progress=False)


def test_same_config_twice_gives_identical_results(tmp_path, tiny_config_text):
    config = parse_config(tomllib.loads(tiny_config_text))
    first = run_experiment(config, tmp_path / "a", config_text=tiny_config_text, progress=False, figures=False)
    second = run_experiment(config, tmp_path / "b", config_text=tiny_config_text, progress=False, figures=False)
    a, b = pd.read_csv(first / "summary.csv"), pd.read_csv(second / "summary.csv")
    pd.testing.assert_frame_equal(a.drop(columns=TIMINGS), b.drop(columns=TIMINGS), check_exact=True)


def test_a_second_run_on_the_same_folder_is_refused_while_the_first_works(tmp_path, tiny_config_text):
    import fcntl

    config = parse_config(tomllib.loads(tiny_config_text))
    out = tmp_path / "busy"
    out.mkdir()
    with open(out / ".lock", "a+") as other_run:
        fcntl.flock(other_run, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ConfigError, match="another pinndd run is writing to"):
            run_experiment(config, out, config_text=tiny_config_text, progress=False, figures=False)
    assert not (out / "points").exists()


def test_sigkill_then_rerun_equals_an_uninterrupted_run(tmp_path, tiny_config_text):
    """Kill -9 a run once its first sets are written; the rerun finishes it, reusing what was done."""
    import os
    import signal
    import subprocess
    import sys
    import time

    config_path = tmp_path / "tiny.toml"
    config_path.write_text(tiny_config_text)
    reference = run_experiment(parse_config(tomllib.loads(tiny_config_text)), tmp_path / "whole", config_text=tiny_config_text, progress=False, figures=False)
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "pinndd.cli", "run", str(config_path), "--out", str(out), "--workers", "1", "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list((out / "points").glob("*.nc")) and time.time() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = {p.name: p.stat().st_mtime_ns for p in (out / "points").glob("*.nc")}
    assert done and not (out / "summary.csv").exists()
    assert subprocess.run(command, capture_output=True).returncode == 0
    assert all((out / "points" / name).stat().st_mtime_ns == mtime for name, mtime in done.items())  # not recomputed
    a, b = pd.read_csv(reference / "summary.csv"), pd.read_csv(out / "summary.csv")
    pd.testing.assert_frame_equal(a.drop(columns=TIMINGS), b.drop(columns=TIMINGS), check_exact=True)


def test_a_set_shared_by_several_budgets_is_trained_once(tmp_path, tiny_config_text, monkeypatch):
    """``full`` ignores the budget: its one set is trained once and reported at every budget."""
    import pinndd.experiment._runner as runner

    text = (tiny_config_text.replace('distillers = ["uniform", "sobol_target"]', 'distillers = ["full"]')
            .replace("seeds = [0, 1]", "seeds = [0]").replace("[evaluation]", "[evaluation]\nshift_scan = 3")
            .replace('[distiller.sobol_target]\nmethod = "sobol"\nfamily = "target"', "[distiller.full]\nn = 40"))
    trained = []
    original = runner.Evaluator.train
    monkeypatch.setattr(runner.Evaluator, "train", lambda self, sets, seeds: trained.append(len(sets)) or original(self, sets, seeds))
    out = tmp_path / "full"
    run_experiment(parse_config(tomllib.loads(text)), out, config_text=text, progress=False, figures=False)
    assert trained == [1]
    summary = pd.read_csv(out / "summary.csv")
    assert sorted(summary.budget.unique()) == [24, 32]
    assert (summary.distill_peak_mb > 10).all()  # resident memory of the distilling process, MiB
    by_budget = [g.sort_values("split")[["split", "eval_seed", "l2re", "n_points"]].reset_index(drop=True) for _, g in summary.groupby("budget")]
    pd.testing.assert_frame_equal(*by_budget)
    with xr.open_dataset(next((out / "shift").glob("*.nc"))) as ds:
        assert ds.sizes["model"] == 2


def test_distributed_priorities_finish_problems_in_order():
    from pinndd.experiment._distributed import _priorities

    rank = _priorities(["heat1d", "poisson2d", "burgers1d"])
    order = sorted(rank, key=rank.get, reverse=True)
    assert order == [
        ("heat1d", "evaluate"), ("heat1d", "distil"),
        ("poisson2d", "evaluate"), ("poisson2d", "distil"),
        ("burgers1d", "evaluate"), ("burgers1d", "distil"),
    ]
