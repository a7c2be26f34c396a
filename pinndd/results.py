"""The results folder of DESIGN.md: its layout, preparation, lock and resume, in one place.

Both kinds of experiment (PDE and tabular), the runner, the figures and the
command line find their files here::

    <out>/config.toml        the config that ran (a folder holds one config)
    <out>/summary.csv        one row per evaluated model and split (tabular: per site)
    <out>/aggregate.csv      summary aggregated over sites by each risk measure (tabular)
    <out>/metrics.nc         per-site metrics as an xarray Dataset (tabular)
    <out>/points/            one netCDF per distilled set   (PDE)
    <out>/fields/            one netCDF per evaluated model (PDE)
    <out>/metrics/           one CSV per problem, parts/ per evaluation group (PDE)
    <out>/shift/             error versus shift, one netCDF per evaluation group (PDE, optional)
    <out>/figures/           PNG figures
    <out>/.lock              held by the run writing the folder

Every file is written atomically (:mod:`pinndd.io`), so a killed run leaves
finished files whole; :func:`prepare` clears its stale temporaries.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from .errors import ConfigError
from .io import remove_stale_temporaries, write_text

__all__ = [
    "aggregate_path", "cell_stem", "config_path", "exclusive", "fields_path", "figure_path", "metrics_path", "part_path",
    "points_path", "prepare", "shift_path", "site_metrics_path", "summary_path",
]


def cell_stem(problem: str, distiller: str, budget: int, seed: int) -> str:
    """File stem of one distilled set, e.g. ``heat1d__sobol__m128__s0``."""
    return f"{problem}__{distiller}__m{budget}__s{seed}"


def config_path(out) -> Path:
    return Path(out) / "config.toml"


def summary_path(out) -> Path:
    return Path(out) / "summary.csv"


def aggregate_path(out) -> Path:
    """A tabular run's per-site metrics aggregated over sites by each reported risk measure (CSV)."""
    return Path(out) / "aggregate.csv"


def site_metrics_path(out) -> Path:
    """A tabular run's per-site metrics as a labelled xarray Dataset (netCDF)."""
    return Path(out) / "metrics.nc"


def points_path(out, problem: str, distiller: str, budget: int, seed: int) -> Path:
    """The distilled set of one cell."""
    return Path(out) / "points" / f"{cell_stem(problem, distiller, budget, seed)}.nc"


def fields_path(out, stem: str) -> Path:
    """The fields of one evaluated model (``stem`` from :func:`cell_stem` plus its learner)."""
    return Path(out) / "fields" / f"{stem}.nc"


def metrics_path(out, problem: str) -> Path:
    """A finished problem's metrics table."""
    return Path(out) / "metrics" / f"{problem}.csv"


def part_path(out, problem: str, arch: str, size: int) -> Path:
    """One evaluation group's rows, kept until its problem is finished."""
    return Path(out) / "metrics" / "parts" / f"{problem}__{arch}__n{size}.csv"


def shift_path(out, problem: str, arch: str, size: int) -> Path:
    """One evaluation group's error-versus-shift scan (netCDF)."""
    return Path(out) / "shift" / f"{problem}__{arch}__n{size}.nc"


def figure_path(out, name: str) -> Path:
    return Path(out) / "figures" / name


def prepare(out, config_text: str) -> None:
    """Refuse a folder of another config; clear stale temporaries; record the config.

    Raises
    ------
    ConfigError
        If ``out`` holds results of a different config.
    """
    existing = config_path(out)
    if existing.exists() and existing.read_text() != config_text:
        raise ConfigError(f"{out} holds results of a different config; choose another --out folder or remove it")
    remove_stale_temporaries(out)
    write_text(existing, config_text)


@contextlib.contextmanager
def exclusive(out):
    """Hold ``out/.lock`` for a run: a second run on the same folder is refused while one works."""
    import fcntl

    handle = open(Path(out) / ".lock", "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ConfigError(f"another pinndd run is writing to {out}; wait for it or choose another --out folder") from None
        yield
    finally:
        handle.close()
