"""Typed options: one declaration validates, documents and lists an option."""

from dataclasses import dataclass

import pytest

from pinndd.errors import ConfigError
from pinndd.options import Options, option


@dataclass(frozen=True)
class _Example(Options):
    steps: int = option(10, "Steps.", low=1)
    lr: float = option(0.1, "Rate.", low=0.0, high=1.0)
    mode: str = option("a", "Mode.", choices=("a", "b"))
    flag: bool = option(True, "Flag.")
    width: int | None = option(None, "Width; None takes the default.", kind=int, low=1, optional=True)
    grid: tuple = option((1.0, 2.0), "Grid.", check=lambda v: None if isinstance(v, tuple) else "must be a list",
                         type_name="list of float")


@pytest.mark.parametrize("values, message", [
    ({"steps": 0}, "steps must be at least 1, got 0"),
    ({"steps": 2.5}, "steps must be an integer, got 2.5"),
    ({"steps": True}, "steps must be an integer, got True"),
    ({"lr": 2.0}, r"lr must lie in \[0.0, 1.0\], got 2.0"),
    ({"lr": float("nan")}, "lr must be finite, got nan"),
    ({"mode": "c"}, "mode must be one of 'a', 'b', got 'c'"),
    ({"flag": 1}, "flag must be true or false, got 1"),
    ({"width": 0}, "width must be at least 1, got 0"),
    ({"grid": 3}, "grid must be a list"),
    ({"colour": 1}, "unknown option 'colour' for thing; allowed: flag, grid, lr, mode, steps, width"),
])
def test_bad_values_are_one_line_naming_the_option(values, message):
    with pytest.raises(ConfigError, match=message) as err:
        _Example.build("thing", values)
    assert "\n" not in str(err.value)


def test_build_converts_lists_and_keeps_defaults():
    opts = _Example.build("thing", {"grid": [3.0], "lr": 1, "width": None})
    assert opts.grid == (3.0,) and opts.lr == 1 and opts.steps == 10
    assert opts.as_dict() == {"steps": 10, "lr": 1, "mode": "a", "flag": True, "width": None, "grid": (3.0,)}
    assert _Example.names() == ("steps", "lr", "mode", "flag", "width", "grid")


def test_describe_is_the_numpydoc_options_section():
    text = _Example.describe()
    assert text.startswith("Options\n-------\nsteps : int\n    Steps. Default 10.")
    assert "mode : {'a', 'b'}" in text and "width : int or None" in text and "grid : list of float" in text


def test_mutable_default_is_refused():
    with pytest.raises(TypeError, match="immutable"):
        option([1], "A list.")
