"""Error versus shift: rays from the training centre to the edge of ood_far, their shift, the run's scan files and figure."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
import xarray as xr

from pde_catalog import get_problem
from pinndd.experiment import parse_config, run_experiment
from pinndd.shift import scan_directions, shift_of, shift_scan


def test_shift_is_zero_inside_train_and_counts_half_widths_outside():
    family = get_problem("heat1d").family  # train A in [0.5, 1], omega in [2, 6]
    beta = np.array([[0.75, 4.0], [1.0, 6.0], [1.25, 4.0], [0.75, 10.0], [1.5, 16.0]])
    np.testing.assert_allclose(shift_of(family, beta), [0.0, 0.0, 1.0, 2.0, 5.0])


def test_scan_runs_from_the_centre_to_the_far_edge_along_each_ray():
    problem = get_problem("poisson2d")
    rays = scan_directions(problem.family)
    assert list(rays) == ["+a", "+k", "diagonal"]
    scan, shift = shift_scan(problem, 5)
    assert scan.beta.shape == (15, 2) and scan.u_ref.shape[:2] == (15, 1)
    for name in rays:
        on = scan.split == name
        assert shift[on][0] == 0.0 and np.all(np.diff(shift[on]) >= 0)
        np.testing.assert_allclose(scan.beta[on][0], [0.75, 2.0])  # the centre of train
    assert np.all(problem.family.far.contains(scan.beta))
    np.testing.assert_allclose(scan.beta[scan.split == "diagonal"][-1], problem.family.far.upper)
    with pytest.raises(ValueError, match="n >= 2"):
        shift_scan(problem, 1)


def test_a_run_with_a_shift_scan_writes_its_data_and_figure(tmp_path, tiny_config_text):
    text = tiny_config_text.replace("conditions_per_split = 2", "conditions_per_split = 2\nshift_scan = 3")
    out = run_experiment(parse_config(tomllib.loads(text)), tmp_path / "run", config_text=text, progress=False)
    files = sorted((out / "shift").glob("*.nc"))
    assert [f.name for f in files] == ["heat1d__main__n24.nc", "heat1d__main__n32.nc"]
    with xr.open_dataset(files[0]) as ds:
        assert ds.l2re.dims == ("model", "condition") and ds.sizes["condition"] == 3 * 3  # three rays (+A, +omega, diagonal) of three
        assert set(ds.distiller.values) == {"uniform", "sobol_target"} and np.isfinite(ds.l2re).all()
        assert {"distance", "direction", "seed", "budget", "eval_seed", "arch"} <= set(ds.coords)
    assert (out / "figures" / "shift_heat1d.png").stat().st_size > 1000


def test_bad_scan_size_is_refused(tiny_config_text):
    from pinndd.errors import ConfigError

    with pytest.raises(ConfigError, match="evaluation.shift_scan must be 0"):
        parse_config(tomllib.loads(tiny_config_text.replace("conditions_per_split = 2", "conditions_per_split = 2\nshift_scan = 1")))
