"""DeepXDE adapter: train a catalog problem with DeepXDE on a pinndd PointSet.

DeepXDE trains one boundary/initial condition at a time, so the adapter fixes
the condition parameters, drops the parameter columns of the points and hands
the rest to DeepXDE: interior points become the anchors of a
``dde.data.TimePDE`` (or ``dde.data.PDE``) with no sampled points, constraint
points one ``dde.icbc.PointSetBC`` whose targets are recomputed at the fixed
parameters. The residual is the catalog's own :meth:`~pde_catalog.Problem.residual`,
fed with DeepXDE's autograd derivatives, so the physics is defined once.

With one ``PointSetBC`` the DeepXDE loss is ``mean(r^2) + mean((u - g)^2)``,
the loss of :class:`~pinndd.learner.ConditionalPINN` with ``bc_weight=1`` and
unit weights.

DeepXDE is imported lazily, the first time one of these functions runs, with
its PyTorch backend selected through the ``DDE_BACKEND`` environment variable
for the duration of the import; nothing is written to the home directory.
Importing DeepXDE on a CUDA machine makes CUDA torch's default device; the
adapter restores the caller's default device afterwards, so DeepXDE runs on
whatever the caller's default device is (use ``with torch.device("cuda"):``).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import random
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from pde_catalog import Jet

__all__ = ["DeepXDEResult", "import_deepxde", "make_deepxde_model", "predict", "to_deepxde_data", "train_deepxde"]

log = logging.getLogger(__name__)


def import_deepxde():
    """Import DeepXDE with its PyTorch backend and return the module.

    Returns
    -------
    module
        ``deepxde``.

    Raises
    ------
    RuntimeError
        If DeepXDE was already imported with another backend.
    """
    if "deepxde" in sys.modules:
        dde = sys.modules["deepxde"]
        name = getattr(dde.backend, "backend_name", None)
        if name != "pytorch":
            raise RuntimeError(
                f"deepxde was already imported with backend {name!r}; the pinndd adapter needs 'pytorch' "
                "(set DDE_BACKEND=pytorch before anything imports deepxde)"
            )
        return dde
    previous = os.environ.get("DDE_BACKEND")
    device = torch.get_default_device()
    os.environ["DDE_BACKEND"] = "pytorch"  # read at import; beats ~/.deepxde/config.json, writes nothing
    banner = io.StringIO()
    try:
        with contextlib.redirect_stderr(banner), contextlib.redirect_stdout(banner):
            import deepxde as dde
    finally:
        if previous is None:
            del os.environ["DDE_BACKEND"]
        else:
            os.environ["DDE_BACKEND"] = previous
        if torch.get_default_device() != device:  # deepxde switches to CUDA when it sees one
            # None removes the device context; setting "cpu" would add one that intercepts every torch call.
            torch.set_default_device(None if device.type == "cpu" else device)
    log.debug("imported deepxde %s: %s", dde.__version__, banner.getvalue().strip())
    return dde


@contextlib.contextmanager
def _precision(dde, float64: bool):
    """Set DeepXDE's float type for the block (without touching torch's default dtype)."""
    real = dde.config.real
    before = real.precision
    if float64:
        real.set_float64()
    else:
        real.set_float32()
    try:
        yield
    finally:
        {16: real.set_float16, 32: real.set_float32, 64: real.set_float64}[before]()


@contextlib.contextmanager
def _seeded(dde, seed: int):
    """``dde.config.set_random_seed(seed)`` for the block; global RNG states are restored after."""
    py_state, np_state, dde_seed = random.getstate(), np.random.get_state(), dde.config.random_seed
    with torch.random.fork_rng(devices=[]):
        dde.config.set_random_seed(int(seed))
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)
            dde.config.random_seed = dde_seed


def _geometry(dde, problem):
    """DeepXDE geometry of the problem's box (time, if any, must be the last coordinate)."""
    coords = tuple(problem.coords)
    if "t" in coords and coords[-1] != "t":
        raise ValueError(f"{problem.name}: DeepXDE needs time as the last coordinate, got coords {coords}")
    space = [dom for c, dom in zip(coords, problem.domain) if c != "t"]
    lower, upper = [lo for lo, _ in space], [hi for _, hi in space]
    geom = dde.geometry.Interval(lower[0], upper[0]) if len(space) == 1 else dde.geometry.Hypercube(lower, upper)
    if "t" not in coords:
        return geom
    t0, t1 = problem.domain[-1]
    return dde.geometry.GeometryXTime(geom, dde.geometry.TimeDomain(t0, t1))


def _residual_callable(dde, problem, beta):
    """``pde(x, y)`` for DeepXDE: the catalog residual with derivatives from ``dde.grad``."""
    coords = tuple(problem.coords)

    def pde(x, y):
        d1 = {c: dde.grad.jacobian(y, x, i=0, j=k) for k, c in enumerate(coords)}
        d2 = {c: dde.grad.hessian(y, x, component=0, i=coords.index(c), j=coords.index(c)) for c in problem.second_derivatives}
        cols = {c: x[:, k : k + 1] for k, c in enumerate(coords)}
        b = {n: torch.as_tensor(v, dtype=x.dtype, device=x.device) for n, v in beta.items()}
        return problem.residual(Jet(u=y, d1=d1, d2=d2), cols, b)

    return pde


def _targets(problem, points: np.ndarray, beta: dict) -> np.ndarray:
    """Dirichlet data at ``points`` (shape (n, D)) for fixed parameters, shape (n, 1)."""
    cols = torch.as_tensor(points, dtype=torch.float64)
    x = {c: cols[:, k] for k, c in enumerate(problem.coords)}
    b = {n: torch.tensor(v, dtype=torch.float64) for n, v in beta.items()}
    return problem.condition(x, b).reshape(-1, 1).numpy()


def to_deepxde_data(problem, point_set, params=None):
    """A DeepXDE data object whose training points are exactly those of ``point_set``.

    Parameters
    ----------
    problem : pde_catalog.Problem
        The problem the points belong to.
    point_set : pinndd.pointset.PointSet
        Its condition-parameter columns are ignored.
    params : dict or array-like, optional
        The fixed condition parameters (default: the family's default member).

    Returns
    -------
    deepxde.data.PDE
        A ``TimePDE`` if ``problem.coords`` contains ``"t"``. Anchors: the
        interior points, shape (n_interior, D); one ``PointSetBC`` on the
        constraint points with targets ``problem.condition`` at ``params``.
        Arrays follow DeepXDE's current float type (``dde.config.real``).

    Raises
    ------
    ValueError
        If the point set belongs to another problem or has other coordinates.
    """
    dde = import_deepxde()
    if point_set.problem != problem.name or tuple(point_set.coords) != tuple(problem.coords):
        raise ValueError(
            f"point_set is for {point_set.problem!r} with coords {tuple(point_set.coords)}, "
            f"problem is {problem.name!r} with coords {tuple(problem.coords)}"
        )
    if not (np.all(point_set.interior_weight == 1.0) and np.all(point_set.constraint_weight == 1.0)):
        warnings.warn("DeepXDE has no per-point weights; the point set's weights are ignored", UserWarning, stacklevel=2)
    beta = dict(zip(problem.family.names, problem.params_array(params).tolist()))
    d = len(problem.coords)
    interior, constraint = point_set.interior[:, :d], point_set.constraint[:, :d]
    real = dde.config.real(np)
    bcs = [dde.icbc.PointSetBC(constraint, _targets(problem, constraint, beta).astype(real))] if len(constraint) else []
    geom = _geometry(dde, problem)
    kind = dde.data.TimePDE if "t" in problem.coords else dde.data.PDE
    return kind(geom, _residual_callable(dde, problem, beta), bcs, num_domain=0, num_boundary=0, anchors=interior)


def make_deepxde_model(problem, point_set, *, params=None, width: int = 20, depth: int = 3, seed: int = 0, float64: bool = False):
    """An uncompiled ``dde.Model``: tanh FNN ``D -> width^depth -> 1``, Glorot-normal weights, zero biases.

    Parameters are those of :func:`train_deepxde`. The network is initialised
    under ``dde.config.set_random_seed(seed)``; Python, NumPy and torch global
    random states are restored afterwards.

    Returns
    -------
    deepxde.Model
    """
    for key, value in (("width", width), ("depth", depth)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{key} must be a positive integer, got {value!r}")
    dde = import_deepxde()
    with _precision(dde, float64):
        data = to_deepxde_data(problem, point_set, params)
        with _seeded(dde, seed):
            net = dde.nn.FNN([len(problem.coords)] + [width] * depth + [1], "tanh", "Glorot normal")
    return dde.Model(data, net)


@dataclass(frozen=True)
class DeepXDEResult:
    """Outcome of :func:`train_deepxde`.

    Attributes
    ----------
    model : deepxde.Model
        The trained model.
    loss_history : numpy.ndarray, shape (n_records,)
        Total training loss (residual + constraint) at each record.
    steps_recorded : numpy.ndarray, shape (n_records,)
    train_s : float
        Wall time of ``model.train`` in seconds.
    """

    model: object
    loss_history: np.ndarray
    steps_recorded: np.ndarray
    train_s: float


def train_deepxde(
    problem, point_set, *, params=None, width: int = 20, depth: int = 3, steps: int, lr: float = 1e-3,
    seed: int = 0, float64: bool = False, display_every: int | None = None,
) -> DeepXDEResult:
    """Train a DeepXDE PINN with Adam on a PointSet at fixed condition parameters.

    Parameters
    ----------
    problem : pde_catalog.Problem
    point_set : pinndd.pointset.PointSet
    params : dict or array-like, optional
        Fixed condition parameters (default: the family's default member).
    width, depth : int
        Hidden width and number of hidden layers.
    steps : int
        Adam steps.
    lr : float
        Learning rate.
    seed : int
        Seed of the network initialisation.
    float64 : bool
        Train in double precision (default single).
    display_every : int, optional
        DeepXDE's loss recording interval (default: only first and last step).

    Returns
    -------
    DeepXDEResult
    """
    if steps < 0:
        raise ValueError(f"steps must be non-negative, got {steps}")
    dde = import_deepxde()
    model = make_deepxde_model(problem, point_set, params=params, width=width, depth=depth, seed=seed, float64=float64)
    with _precision(dde, float64):
        model.compile("adam", lr=lr, verbose=0)
        start = time.perf_counter()
        model.train(iterations=steps, display_every=display_every or max(steps, 1), verbose=0)
        train_s = time.perf_counter() - start
    history = model.losshistory
    return DeepXDEResult(
        model=model,
        loss_history=np.array([np.sum(v) for v in history.loss_train]),
        steps_recorded=np.array(history.steps),
        train_s=train_s,
    )


def predict(model, points) -> np.ndarray:
    """Evaluate a DeepXDE model's network at points.

    Parameters
    ----------
    model : deepxde.Model
    points : array-like, shape (n, D)
        Columns ordered as the problem's ``coords``.

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    weight = next(model.net.parameters())
    x = torch.as_tensor(np.asarray(points), dtype=weight.dtype, device=weight.device)
    if x.ndim != 2 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"points must have shape (n, {weight.shape[1]}), got {tuple(x.shape)}")
    with torch.no_grad():
        return model.net(x)[:, 0].cpu().numpy()
