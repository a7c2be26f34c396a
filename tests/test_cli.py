import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from pathlib import Path

from pde_catalog import problem_names
from pinndd.cli import main

QUICKSTART = str(Path(__file__).resolve().parents[1] / "experiments" / "quickstart.toml")
TABULAR_QUICKSTART = str(Path(__file__).resolve().parents[1] / "experiments" / "tabular_quickstart.toml")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "pinndd.cli", *args], capture_output=True, text=True)


def test_catalog_list(capsys):
    assert main(["catalog", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == problem_names() and len(lines) >= 11


def test_reference_on_requested_grid(tmp_path):
    out = tmp_path / "ref.nc"
    assert main(["reference", "burgers1d", "--grid", "x=-1:1:64", "--grid", "t=0:0.99:10", "-o", str(out)]) == 0
    with xr.open_dataset(out) as ds:
        assert ds.u.dims == ("x", "t") and ds.u.shape == (64, 10)
        np.testing.assert_allclose(ds.u.sel(t=0.0), -np.sin(np.pi * ds.x), atol=1e-12)
        assert ds.attrs["problem"] == "burgers1d" and "Cole-Hopf" in ds.attrs["method"]


def test_reference_with_params(tmp_path):
    out = tmp_path / "ref.nc"
    assert main(["reference", "heat1d", "--param", "omega=9", "-o", str(out)]) == 0
    with xr.open_dataset(out) as ds:
        assert ds.attrs["param_omega"] == 9.0 and ds.attrs["param_A"] == 1.0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["reference", "heat2d", "-o", "x.nc"], "unknown problem 'heat2d'; known problems: allen_cahn1d, burgers1d"),
        (["reference", "heat1d", "--param", "beta=1", "-o", "x.nc"], "unknown parameter 'beta' for heat1d; allowed: A, omega"),
        (["reference", "heat1d", "--param", "omega=fast", "-o", "x.nc"], "--param omega: 'fast' is not a number"),
        (["reference", "heat1d", "--grid", "x=0:1", "-o", "x.nc"], "expected NAME=START:STOP:NUM"),
        (["reference", "heat1d", "--grid", "x=0:2:5", "-o", "x.nc"], "grid 'x' must lie in [0, 1]"),
        (["reference", "heat1d", "--grid", "z=0:1:5", "-o", "x.nc"], "unknown grid variable 'z'"),
        (["run", "missing.toml", "--out", "o"], "cannot read config missing.toml"),
        (["figures", "nowhere"], "not a results folder"),
        (["reference", "heat1d", "--grid", "x=nan:1:5", "-o", "x.nc"], "with finite START, STOP"),
        (["reference", "heat1d", "--param", "A=inf", "-o", "x.nc"], "--param A: must be finite, got 'inf'"),
        (["reference", "heat1d", "--param", "omega=-5", "-o", "x.nc"], "is not finite at A=1, omega=-5; the family's widest range is A in [0.1, 1.5]"),
        (["reference", "heat1d", "-o", ""], "--output must name a file"),
        (["reference", "heat1d", "-o", "."], "--output must name a file"),
        (["reference", "heat1d", "-o", "afile/x.nc"], "afile is a file, not a folder"),
        (["run", QUICKSTART, "--out", "afile"], "--out afile is a file, not a folder"),
        (["run", QUICKSTART, "--out", "afile/sub"], "afile is a file, not a folder"),
        (["run", QUICKSTART, "--out", "o", "--problem", "heat2d"], "problem 'heat2d' is not in experiment.problems; allowed: heat1d"),
        (["run", TABULAR_QUICKSTART, "--out", "o", "--problem", "heat1d"], "--problem selects problems of a pde experiment; this config is tabular"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, fragment):
    (tmp_path / "afile").write_text("not a folder")
    result = subprocess.run([sys.executable, "-m", "pinndd.cli", *args], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.nc").exists()


def test_bad_config_exits_2(tmp_path, tiny_config_text):
    config = tmp_path / "bad.toml"
    config.write_text(tiny_config_text.replace("width = 8", "width = 'wide'"))
    result = run_cli("run", str(config), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "learner.width must be of type int" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    config.write_text("[experiment\n")
    result = run_cli("run", str(config), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "is not valid TOML" in result.stderr


def test_run_and_figures(tmp_path, tiny_config_text):
    config = tmp_path / "tiny.toml"
    config.write_text(tiny_config_text.replace('problems = ["heat1d"]', 'problems = ["poisson2d"]'))
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0
    (out / "figures" / "error_vs_budget.png").unlink()
    assert main(["figures", str(out)]) == 0
    assert (out / "figures" / "error_vs_budget.png").stat().st_size > 0
    assert (out / "figures" / "fields_poisson2d.png").exists()


def test_catalog_check_reports_pass(capsys):
    assert main(["catalog", "check", "heat1d"]) == 0
    out = capsys.readouterr().out
    assert "7 of 7 checks passed" in out and "FAIL" not in out


def test_catalog_check_fails_a_broken_problem(capsys, monkeypatch):
    from dataclasses import dataclass

    import pde_catalog
    from pde_catalog.heat1d import Heat1D

    @dataclass(frozen=True)
    class WrongHeat(Heat1D):
        def solution(self, points, beta):
            return super().solution(points, beta) + 0.01 * points[:, 0]

    monkeypatch.setitem(pde_catalog._registry._REGISTERED, "wrong_heat", WrongHeat)
    assert main(["catalog", "check", "wrong_heat"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "reference_residual" in out


def test_distillers_lists_both_kinds_and_documents_one(capsys):
    from pinndd.cli import main

    assert main(["distillers"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "pde\ttask\t" in "\n".join(listed) and any(line.startswith("tabular\toracle\t") for line in listed)
    assert main(["distillers", "rad"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("pde distiller rad (task-unaware)") and "pool : int" in text and "Default 8192." in text
    assert main(["distillers", "task", "--kind", "tabular"]) == 0
    assert "tabular distiller task (task-aware)" in capsys.readouterr().out
    assert main(["distillers", "nope"]) == 2
    assert "unknown pde distiller 'nope'" in capsys.readouterr().err


def test_run_on_workers_shows_no_dask_info_lines_unless_verbose(tmp_path, tiny_config_text):
    config = tmp_path / "tiny.toml"
    config.write_text(tiny_config_text)
    done = run_cli("run", str(config), "--out", str(tmp_path / "out"), "--workers", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "INFO:" not in done.stderr
    assert "results in" in done.stdout


def test_dask_info_lines_follow_verbose():
    import logging

    from pinndd.cli import _dask_logs

    logger = logging.getLogger("distributed")
    before = logger.level
    try:
        _dask_logs(verbose=True)
        assert logger.getEffectiveLevel() == logging.INFO
        _dask_logs(verbose=False)
        assert logger.getEffectiveLevel() == logging.WARNING
    finally:
        logger.setLevel(before)
