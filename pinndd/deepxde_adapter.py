"""DeepXDE adapter: train a catalog problem with DeepXDE on a pinndd PointSet.

DeepXDE trains one boundary/initial condition at a time, so the adapter fixes
the condition parameters, drops the parameter columns of the points and hands
the rest to DeepXDE: interior points become the anchors of a
``dde.data.TimePDE`` (or ``dde.data.PDE``) with no sampled points, over the
DeepXDE counterpart of the problem's geometry. Each condition's points become
one DeepXDE condition with its data recomputed at the fixed parameters: a
``dde.icbc.PointSetBC`` for values (Dirichlet, initial value), a
``dde.icbc.PointSetOperatorBC`` for derivatives (Neumann, Robin, initial
velocity). Periodic conditions have no point-set form in DeepXDE (its
``PeriodicBC`` samples its own points) and are refused. The residual is the
catalog's own :meth:`~pde_catalog.Problem.residual`, fed with DeepXDE's
autograd derivatives, so the physics is defined once.

The DeepXDE loss is ``mean(r^2)`` plus each condition's mean squared misfit,
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

from pde_catalog import Disk, Polygon, Rectangle, parse_field

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
    """DeepXDE geometry of the problem's domain (times its time interval, if any)."""
    g = problem.geometry
    if isinstance(g, Rectangle):
        geom = dde.geometry.Interval(g.lower[0], g.upper[0]) if g.dim == 1 else dde.geometry.Hypercube(list(g.lower), list(g.upper))
    elif isinstance(g, Polygon):
        geom = dde.geometry.Polygon([list(v) for v in g.vertices])
    elif isinstance(g, Disk):
        geom = dde.geometry.Disk(list(g.centre), g.radius)
    else:
        raise ValueError(f"{problem.name}: no DeepXDE counterpart of geometry {type(g).__name__}")
    if problem.time is None:
        return geom
    return dde.geometry.GeometryXTime(geom, dde.geometry.TimeDomain(*problem.time))


def _fields(dde, problem, x, y, names):
    """Named fields from DeepXDE's derivatives (``dde.grad`` up to second order, autograd beyond)."""
    index = {c: k for k, c in enumerate(problem.coords)}
    out = {}
    for name in names:
        output, wrt = parse_field(name, problem.outputs, problem.coords)
        o = problem.outputs.index(output)
        if not wrt:
            out[name] = y[:, o : o + 1]
        elif len(wrt) == 1:
            out[name] = dde.grad.jacobian(y, x, i=o, j=index[wrt[0]])
        else:
            g = dde.grad.hessian(y, x, component=o, i=index[wrt[0]], j=index[wrt[1]])
            for c in wrt[2:]:
                g = torch.autograd.grad(g.sum(), x, create_graph=True)[0][:, index[c] : index[c] + 1]
            out[name] = g
    return out


def _residual_callable(dde, problem, beta):
    """``pde(x, y)`` for DeepXDE: the catalog residual(s) with derivatives from ``dde.grad``."""
    names = tuple(problem.outputs) + tuple(problem.derivatives)

    def pde(x, y):
        f = _fields(dde, problem, x, y, names)
        cols = {c: x[:, k : k + 1] for k, c in enumerate(problem.coords)}
        b = {n: torch.as_tensor(v, dtype=x.dtype, device=x.device) for n, v in beta.items()}
        residual = problem.residual(f, cols, b)
        return list(residual) if isinstance(residual, (tuple, list)) else residual

    return pde


def _targets(problem, cond, points: np.ndarray, beta: dict) -> np.ndarray:
    """A condition's data at ``points`` (shape (n, D)) for fixed parameters, shape (n, 1)."""
    if cond.value is None:
        return np.zeros((len(points), 1))
    cols = torch.as_tensor(points, dtype=torch.float64)
    x = {c: cols[:, k] for k, c in enumerate(problem.coords)}
    b = {n: torch.tensor(v, dtype=torch.float64) for n, v in beta.items()}
    return (cond.value(x, b) + torch.zeros(len(points), dtype=torch.float64)).reshape(-1, 1).numpy()


def _condition(dde, problem, k, cond, point_set, beta, real):
    """The DeepXDE condition for condition ``k`` of ``problem`` on its points of ``point_set``."""
    from .pointset import condition_normals

    d = len(problem.coords)
    rows = point_set.constraint_condition == k
    points = point_set.constraint[rows, :d]
    values = _targets(problem, cond, points, beta).astype(real)
    fields = cond.fields(problem.space)
    if cond.partner is not None:
        raise ValueError(f"condition {cond.name!r} is periodic: DeepXDE's PeriodicBC samples its own points, so the adapter cannot train on given ones")
    if fields == (cond.output,):
        return dde.icbc.PointSetBC(points, values, component=problem.outputs.index(cond.output))

    def operator(x, y, inputs):
        where = np.column_stack([inputs[:, :d], np.zeros((len(inputs), len(problem.family.names)))])
        normals = condition_normals(problem, where, np.full(len(inputs), k))
        coef = torch.as_tensor(cond.coefficients(normals), dtype=x.dtype, device=x.device)
        f = _fields(dde, problem, x, y, fields)
        return sum(coef[:, j : j + 1] * f[name] for j, name in enumerate(fields))

    return dde.icbc.PointSetOperatorBC(points, values, operator)


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
        A ``TimePDE`` if the problem has time. Anchors: the interior points,
        shape (n_interior, D); one DeepXDE condition per problem condition
        with points (see the module docstring), data at ``params``. Arrays
        follow DeepXDE's current float type (``dde.config.real``).

    Raises
    ------
    ValueError
        If the point set belongs to another problem or has other coordinates,
        or holds points of a periodic condition.
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
    interior = point_set.interior[:, :d]
    real = dde.config.real(np)
    bcs = [
        _condition(dde, problem, k, cond, point_set, beta, real)
        for k, cond in enumerate(problem.conditions)
        if np.any(point_set.constraint_condition == k)
    ]
    geom = _geometry(dde, problem)
    kind = dde.data.TimePDE if problem.time is not None else dde.data.PDE
    return kind(geom, _residual_callable(dde, problem, beta), bcs, num_domain=0, num_boundary=0, anchors=interior)


def make_deepxde_model(problem, point_set, *, params=None, width: int = 20, depth: int = 3, seed: int = 0, float64: bool = False):
    """An uncompiled ``dde.Model``: tanh FNN ``D -> width^depth -> n_outputs``, Glorot-normal weights, zero biases.

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
            net = dde.nn.FNN([len(problem.coords)] + [width] * depth + [len(problem.outputs)], "tanh", "Glorot normal")
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
    numpy.ndarray, shape (n, n_outputs)
    """
    weight = next(model.net.parameters())
    x = torch.as_tensor(np.asarray(points), dtype=weight.dtype, device=weight.device)
    if x.ndim != 2 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"points must have shape (n, {weight.shape[1]}), got {tuple(x.shape)}")
    with torch.no_grad():
        return model.net(x).cpu().numpy()
