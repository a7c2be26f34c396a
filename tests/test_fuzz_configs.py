"""Malformed configs, generated from the shipped ones, fail in one line before any work.

Every mutation (a key deleted, a value's type swapped, an extreme number, an
odd string) that the parser refuses must also be refused by ``pinndd run``:
exit status 2, one line on stderr, no traceback, nothing written, quickly.
Mutations that still parse are valid configs and are skipped.
"""

from __future__ import annotations

import copy
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from pinndd.cli import main
from pinndd.experiment import parse_config
from pinndd.experiment import parse_tabular_config

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"
SHIPPED = sorted(EXPERIMENTS.glob("*.toml"))
ODD = [-1, 0, 10**15, -(10**15), 1e308, float("nan"), float("inf"), -float("inf"), "", "../x", "a/b", "∞", " ", True, [], {}, [1, "a"], 1.5]


def _leaves(table, prefix=()):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _leaves(value, prefix + (key,))
        else:
            yield prefix + (key,)


def _set(table, path, value):
    for key in path[:-1]:
        table = table[key]
    table[path[-1]] = value


def _delete(table, path):
    for key in path[:-1]:
        table = table[key]
    del table[path[-1]]


def _mutations(n: int, seed: int = 20261202):
    """``n`` (name, raw config) pairs, each one random mutation of a shipped config."""
    rng = np.random.default_rng(seed)
    bases = [(p.name, tomllib.loads(p.read_text())) for p in SHIPPED]
    out = []
    while len(out) < n:
        name, base = bases[rng.integers(len(bases))]
        raw = copy.deepcopy(base)
        leaves = list(_leaves(raw))
        path = leaves[rng.integers(len(leaves))]
        kind = rng.integers(4)
        if kind == 0:
            _delete(raw, path)
            label = f"{name}: delete {'.'.join(path)}"
        else:
            value = ODD[rng.integers(len(ODD))]
            if kind == 3 and isinstance(_get(base, path), list) and _get(base, path):
                value = [value] + list(_get(base, path))[1:]  # an odd entry inside a list
            _set(raw, path, value)
            label = f"{name}: {'.'.join(path)} = {value!r}"
        out.append((label, raw))
    return out


def _get(table, path):
    for key in path:
        table = table[key]
    return table


def _refused(raw) -> bool:
    try:
        if raw.get("experiment", {}).get("kind", "pde") == "tabular" if isinstance(raw.get("experiment"), dict) else False:
            parse_tabular_config(raw)
        else:
            parse_config(raw)
    except Exception:  # refused, well or badly: the CLI test below tells which
        return True
    return False


def _dump(raw) -> str:
    """TOML text of a nested dict of scalars and lists (what the shipped configs hold)."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "nan" if v != v else ("inf" if v == float("inf") else "-inf" if v == -float("inf") else repr(v))
        if isinstance(v, str):
            return '"' + v.replace("\\\\", "\\\\\\\\").replace('"', '\\\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f'"{k}" = {value(x)}' for k, x in v.items()) + "}"
        return str(v)

    lines = []

    def table(t, prefix):
        scalars = {k: v for k, v in t.items() if not isinstance(v, dict) or not v or prefix == () and False}
        subs = {k: v for k, v in t.items() if isinstance(v, dict) and v}
        if prefix:
            lines.append("[" + ".".join(f'"{p}"' for p in prefix) + "]")
        for k, v in scalars.items():
            if not isinstance(v, dict) or not v:
                lines.append(f'"{k}" = {value(v)}')
        for k, v in subs.items():
            table(v, prefix + (k,))

    table(raw, ())
    return "\n".join(lines) + "\n"


CASES = [(label, raw) for label, raw in _mutations(600) if _refused(raw)]


def test_enough_malformed_configs():
    assert len(CASES) >= 200


@pytest.mark.parametrize("case", range(200))
def test_malformed_config_fails_in_one_line_before_any_work(case, tmp_path, capsys):
    label, raw = CASES[case]
    path = tmp_path / "bad.toml"
    path.write_text(_dump(raw))
    assert set(tomllib.loads(path.read_text())) == set(raw)  # the text is TOML holding the mutated config
    start = time.perf_counter()
    status = main(["run", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"])
    err = capsys.readouterr().err
    assert status == 2, label
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, (label, err)
    assert not (tmp_path / "out").exists(), label
    assert time.perf_counter() - start < 10, label
