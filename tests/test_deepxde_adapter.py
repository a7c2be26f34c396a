"""The DeepXDE adapter: backend selection, points, targets, residual and a short training run."""

import os
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest
import torch

from pde_catalog import get_problem
from pinndd.distillers import get_distiller
from pinndd.learner import ConditionalPINN
from pinndd.pointset import make_point_set
from pinndd.sampling import sample_point_arrays
from pinndd.task import PdeTask

adapter = pytest.importorskip("pinndd.deepxde_adapter")
pytest.importorskip("deepxde")


@pytest.fixture(scope="module")
def heat():
    return get_problem("heat1d")


@pytest.fixture(scope="module")
def heat_points(heat):
    # Points spread over the train split: the adapter must drop the parameter columns.
    interior, constraint, kind = sample_point_arrays(heat, heat.family.region("train"), 120, method="hammersley", seed=3)
    return make_point_set(heat, interior, constraint, kind)


def test_backend_selected_without_touching_home(tmp_path):
    home, mpl = tmp_path / "home", tmp_path / "mpl"
    home.mkdir()
    script = textwrap.dedent(
        """
        import os, sys
        import pinndd, pinndd.deepxde_adapter as a
        assert "deepxde" not in sys.modules, "deepxde imported at pinndd import time"
        dde = a.import_deepxde()
        assert dde.backend.backend_name == "pytorch", dde.backend.backend_name
        assert "DDE_BACKEND" not in os.environ, "environment not restored"
        from torch.overrides import _get_current_function_mode_stack
        assert not _get_current_function_mode_stack(), "a torch function mode (default device) was left active"
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DDE_BACKEND", "DDEBACKEND")}
    # matplotlib (imported by deepxde) keeps its own cache; point it elsewhere so HOME must stay empty.
    env.update(HOME=str(home), MPLCONFIGDIR=str(mpl))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in home.rglob("*")) == []


def test_other_backend_is_an_error(monkeypatch):
    fake = types.SimpleNamespace(backend=types.SimpleNamespace(backend_name="tensorflow"))
    monkeypatch.setitem(sys.modules, "deepxde", fake)
    with pytest.raises(RuntimeError, match="tensorflow"):
        adapter.import_deepxde()


def test_anchors_are_the_points(heat, heat_points):
    data = adapter.to_deepxde_data(heat, heat_points)
    np.testing.assert_array_equal(data.anchors, heat_points.interior[:, :2].astype(np.float32))
    assert len(data.bcs) == len(heat.conditions)  # one DeepXDE condition per catalog condition
    for k, bc in enumerate(data.bcs):
        rows = heat_points.constraint_condition == k
        np.testing.assert_array_equal(bc.points, heat_points.constraint[rows, :2].astype(np.float32))
    # Training inputs: constraint points first, then the anchors, nothing sampled.
    assert data.train_x.shape == (heat_points.size, 2)


def test_targets_follow_the_fixed_params(heat, heat_points):
    params = {"A": 0.7, "omega": 3.0}
    bcs = adapter.to_deepxde_data(heat, heat_points, params).bcs
    beta = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    for k, bc in enumerate(bcs):
        xy = heat_points.constraint[heat_points.constraint_condition == k, :2]
        t = torch.as_tensor(xy)
        expected = heat.wave({"x": t[:, 0], "t": t[:, 1]}, beta).numpy()
        np.testing.assert_allclose(bc.values.numpy()[:, 0], expected, rtol=1e-6, atol=1e-6)
        # heat1d's data is its exact solution: an independent check.
        np.testing.assert_allclose(bc.values.numpy()[:, 0], heat.solution(xy, np.array([0.7, 3.0])), rtol=1e-5, atol=1e-5)


def test_point_set_of_another_problem_is_rejected(heat_points):
    with pytest.raises(ValueError, match="burgers1d"):
        adapter.to_deepxde_data(get_problem("burgers1d"), heat_points)


def _residual(heat, pde, field, x):
    dde = adapter.import_deepxde()
    dde.grad.clear()
    try:
        return pde(x, field(x)).detach()
    finally:
        dde.grad.clear()


def test_residual_matches_forward_jets_and_vanishes_on_exact_solution(heat, heat_points):
    params = np.array([0.7, 3.0])
    pde = adapter.to_deepxde_data(heat, heat_points, params).pde
    x = torch.as_tensor(heat_points.interior[:, :2], dtype=torch.float64).requires_grad_()

    # The exact solution at the fixed parameters: residual about zero.
    k = np.sqrt(params[1] / (2 * heat.kappa))
    exact = lambda x: params[0] * torch.exp(-k * x[:, :1]) * torch.cos(params[1] * x[:, 1:] - k * x[:, :1])  # noqa: E731
    assert torch.max(torch.abs(_residual(heat, pde, exact, x))) < 1e-10

    # A random conditional network: reverse-mode DeepXDE derivatives equal our forward jets.
    pinn = ConditionalPINN(heat, width=16, depth=2, dtype="float64")
    weights = pinn.init([7])
    cols = torch.as_tensor(np.broadcast_to(params, (len(x), 2)).copy())
    net = lambda x: pinn.predict(weights, torch.cat([x, cols], dim=1)[None])[0]  # noqa: E731
    ours = pinn.residual(weights, torch.cat([x.detach(), cols], dim=1)[None])[0]
    np.testing.assert_allclose(_residual(heat, pde, net, x)[:, 0].numpy(), ours[:, 0].detach().numpy(), rtol=1e-10, atol=1e-10)


def test_seeded_init_is_reproducible_and_leaves_global_rng_alone(heat, heat_points):
    state = torch.get_rng_state()
    first = adapter.make_deepxde_model(heat, heat_points, seed=5, width=8, depth=2)
    second = adapter.make_deepxde_model(heat, heat_points, seed=5, width=8, depth=2)
    other = adapter.make_deepxde_model(heat, heat_points, seed=6, width=8, depth=2)
    w = [next(m.net.parameters()).detach() for m in (first, second, other)]
    assert torch.equal(w[0], w[1]) and not torch.equal(w[0], w[2])
    assert torch.equal(torch.get_rng_state(), state)


def test_float64_does_not_change_torch_defaults(heat, heat_points):
    model = adapter.make_deepxde_model(heat, heat_points, width=8, depth=2, float64=True)
    assert next(model.net.parameters()).dtype == torch.float64
    assert torch.get_default_dtype() == torch.float32
    assert adapter.import_deepxde().config.real.precision == 32


def test_short_training_reduces_the_loss(heat, heat_points):
    result = adapter.train_deepxde(heat, heat_points, width=16, depth=2, steps=150, lr=3e-3, display_every=50)
    assert result.steps_recorded.tolist() == [0, 50, 100, 150]
    assert result.loss_history[-1] < 0.5 * result.loss_history[0]
    u = adapter.predict(result.model, heat_points.interior[:5, :2])
    assert u.shape == (5, 1) and np.all(np.isfinite(u))


def test_robin_condition_becomes_an_operator_condition_that_the_exact_solution_meets():
    problem = get_problem("poisson_disk")
    ps = get_distiller("uniform").distill(PdeTask(problem), 64, seed=0)
    data = adapter.to_deepxde_data(problem, ps)
    dde = adapter.import_deepxde()
    (bc,) = data.bcs
    assert isinstance(bc, dde.icbc.PointSetOperatorBC)
    beta = problem.params_array()
    x = torch.as_tensor(bc.points, dtype=torch.float64).requires_grad_()
    exact = torch.as_tensor(problem.solution(bc.points.astype(float), beta))[:, None]
    # The exact solution through a differentiable stand-in: its values plus a zero-weight copy of x.
    u = _exact_field(problem, beta, x)
    error = bc.error(bc.points, x, u, 0, len(x))
    assert torch.max(torch.abs(error)) < 1e-6 and exact.shape == u.shape


def test_periodic_condition_is_refused_with_a_clear_error():
    problem = get_problem("convection1d")
    ps = get_distiller("uniform").distill(PdeTask(problem), 32, seed=0)
    with pytest.raises(ValueError, match="periodic"):
        adapter.to_deepxde_data(problem, ps)


def _exact_field(problem, beta, x):
    """poisson_disk's exact solution (1 - r^2)/4 + a exp(k (x - 1)) cos(k y), written out in torch."""
    a, k = (float(v) for v in beta)
    u = (1 - x[:, 0] ** 2 - x[:, 1] ** 2) / 4 + a * torch.exp(k * (x[:, 0] - 1)) * torch.cos(k * x[:, 1])
    return u[:, None]
