"""The two worked examples of pde_catalog/README.md ("Adding an equation") run as written.

Each example module is taken verbatim from the README, imported, registered
and put through the contract checks, then through the package: a sampler, a
learner's loss and a short training.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from pde_catalog import _registry, get_problem, register
from pde_catalog.checks import run_checks

README = Path(__file__).resolve().parents[2] / "pde_catalog" / "README.md"
EXAMPLES = {"ring_heat": "RingHeat", "flux_plate": "FluxPlate"}


def _module_source(name: str) -> str:
    """The python block that follows 'Save as `<name>.py`' in the README."""
    text = README.read_text()
    match = re.search(rf"Save\s+as `{name}\.py`:\s*\n\s*```python\n(.*?)```", text, re.S)
    assert match, f"no example module {name}.py in {README}"
    return match.group(1)


@pytest.fixture
def example(request, tmp_path, monkeypatch):
    name = request.param
    path = tmp_path / f"{name}.py"
    path.write_text(_module_source(name))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    monkeypatch.setattr(_registry, "_REGISTERED", {})
    register(name)(getattr(module, EXAMPLES[name]))
    return get_problem(name)


@pytest.mark.parametrize("example", list(EXAMPLES), indirect=True)
def test_example_passes_every_check(example):
    results = run_checks(example, seed=0)
    assert all(r.passed for r in results), [r for r in results if not r.passed]


@pytest.mark.parametrize("example", list(EXAMPLES), indirect=True)
def test_example_trains_in_the_package(example):
    from pinndd.distillers import get_distiller
    from pinndd.learner import ConditionalPINN, PointBatch, Recipe, train
    from pinndd.task import PdeTask

    ps = get_distiller("uniform").distill(PdeTask(example), 96, seed=0)
    assert set(ps.conditions) == {c.name for c in example.conditions}
    pinn = ConditionalPINN(example, 8, 2, dtype="float64")
    batch = PointBatch.from_point_sets([ps], example, dtype=torch.float64, device="cpu")
    result = train(pinn, pinn.init([0]), batch, Recipe(steps=50, lr=1e-2, lbfgs_iters=20))
    assert np.isfinite(result.loss_history).all() and result.loss_history[-1, 0] < result.loss_history[0, 0]
    assert result.term_weights.shape == (1, 1 + len(example.conditions))
