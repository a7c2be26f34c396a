"""The layers of the README's architecture table, enforced: a module imports only from its layer and below.

Only module-level imports count (a function may import a layer above to load
plug-ins, e.g. the registry loading its built-in distillers).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = [  # lowest first; a module belongs to the first prefix that matches it
    ("catalog", ("pde_catalog",)),
    ("core", ("pinndd.errors", "pinndd.io", "pinndd.seeds", "pinndd.risk", "pinndd.results", "pinndd.options",
              "pinndd.schema", "pinndd.provenance")),
    ("learner", ("pinndd.learner",)),
    ("data", ("pinndd.pointset", "pinndd.sampling")),
    ("task", ("pinndd.task",)),
    ("methods", ("pinndd.distillers", "pinndd.tabular")),
    ("measurement", ("pinndd.evaluate", "pinndd.shift", "pinndd.plot")),
    ("running", ("pinndd.experiment", "pinndd.config", "pinndd.deepxde_adapter")),
    ("entry point", ("pinndd.cli", "pinndd")),
]


def _layer(module: str) -> int:
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} is in no layer; add it to the README's table and to LAYERS")


def _modules():
    for package in ("pinndd", "pde_catalog"):
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def _imports(name: str, path: Path):
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            submodules = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
            yield from submodules or [target]  # ``from pinndd import io`` imports the module pinndd.io
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


MODULES = dict(_modules())


@pytest.mark.parametrize("name, path", list(MODULES.items()), ids=lambda v: v if isinstance(v, str) else "")
def test_module_imports_only_its_layer_and_below(name, path):
    rank = _layer(name)
    for target in _imports(name, path):
        if target.split(".")[0] not in ("pinndd", "pde_catalog") or target == name:
            continue
        assert _layer(target) <= rank, f"{name} ({LAYERS[rank][0]}) imports {target} ({LAYERS[_layer(target)][0]})"


def test_catalog_stands_alone():
    for name, path in _modules():
        if name.startswith("pde_catalog"):
            assert not [t for t in _imports(name, path) if t.split(".")[0] == "pinndd"], name
