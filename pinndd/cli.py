"""The ``pinndd`` command.

Subcommands: ``catalog list``, ``catalog check NAME``, ``distillers [NAME]``,
``reference``, ``run`` and ``figures``. Bad input exits with status 2 and a one-line message, never a
traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import numpy as np

from .errors import ConfigError, PinnddError
from .results import config_path, summary_path

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parse_assignment(text: str, option: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ConfigError(f"{option} expects NAME=VALUE, got {text!r}")
    return name, value


def _parse_grid(text: str) -> tuple[str, np.ndarray]:
    name, spec = _parse_assignment(text, "--grid")
    parts = spec.split(":")
    try:
        start, stop, num = float(parts[0]), float(parts[1]), int(parts[2])
        if len(parts) != 3 or num < 1 or not (np.isfinite(start) and np.isfinite(stop)):
            raise ValueError
    except (ValueError, IndexError):
        raise ConfigError(f"--grid {text!r}: expected NAME=START:STOP:NUM with finite START, STOP and NUM >= 1, e.g. x=-1:1:256") from None
    return name, np.linspace(start, stop, num)


def _cmd_catalog_list(args) -> int:
    from pde_catalog import problem_class, problem_names

    for name in problem_names():
        doc = (problem_class(name).__doc__ or "").strip().splitlines()
        print(f"{name}\t{doc[0] if doc else ''}")
    return 0


def _cmd_distillers(args) -> int:
    import inspect

    from .distillers import KINDS, distiller_class, distiller_names

    kinds = (args.kind,) if args.kind else KINDS
    if args.name:
        kind = args.kind or next((k for k in KINDS if args.name in distiller_names(k)), "pde")
        cls = distiller_class(args.name, kind)
        aware = "task-aware" if cls().task_aware else "task-unaware"  # with its default options
        print(f"{kind} distiller {cls.name} ({aware}{'' if cls.budgeted else ', ignores the budget'})\n")
        print(inspect.cleandoc(cls.__doc__ or ""))
        return 0
    for kind in kinds:
        for name in distiller_names(kind):
            doc = (distiller_class(name, kind).__doc__ or "").strip().splitlines()
            print(f"{kind}\t{name}\t{doc[0] if doc else ''}")
    return 0


def _problem(name: str):
    from pde_catalog import get_problem

    try:
        return get_problem(name)
    except KeyError as err:
        raise ConfigError(err.args[0]) from None


def _cmd_catalog_check(args) -> int:
    from pde_catalog.checks import format_report, run_checks

    results = run_checks(_problem(args.name))
    print(format_report(results))
    return 0 if all(r.passed for r in results) else 1


def _cmd_reference(args) -> int:
    from .io import write_netcdf

    problem = _problem(args.problem)
    params = {}
    for text in args.param:
        name, value = _parse_assignment(text, "--param")
        try:
            params[name] = float(value)
        except ValueError:
            raise ConfigError(f"--param {name}: {value!r} is not a number") from None
        if not np.isfinite(params[name]):
            raise ConfigError(f"--param {name}: must be finite, got {value!r}")
    grid = dict(_parse_grid(text) for text in args.grid)
    _check_output_file(args.output, "--output")
    try:
        with np.errstate(all="ignore"):  # a non-finite reference is reported below, in one line
            ds = problem.reference(params, grid)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    outside = ~problem.grid_inside({c: ds[c].values for c in problem.coords})
    bad = [v for v in ds.data_vars if not np.all(np.isfinite(ds[v].values) | np.isnan(ds[v].values) & outside)]
    if bad:
        far = problem.family.far
        ranges = ", ".join(f"{n} in [{lo:g}, {hi:g}]" for n, lo, hi in zip(problem.family.names, far.lower, far.upper))
        raise ConfigError(f"the reference of {problem.name} is not finite at {ds.attrs['parameters']}; the family's widest range is {ranges}")
    write_netcdf(ds, args.output)
    print(f"wrote {args.output}: {', '.join(ds.data_vars)} {dict(ds.sizes)} ({ds.attrs['parameters']})")
    return 0


def _check_writable(path: Path, start: Path, option: str) -> None:
    """The first existing folder from ``start`` upwards must be a writable folder."""
    for folder in (start, *start.parents):
        if folder.exists():
            if not folder.is_dir():
                raise ConfigError(f"{option} {path}: {folder} is a file, not a folder")
            if not os.access(folder, os.W_OK):
                raise ConfigError(f"{option} {path}: cannot write in {folder}")
            return


def _check_output_file(path: Path, option: str) -> None:
    """One-line errors for an output file that cannot be written, before any work."""
    if not str(path) or path.name in ("", ".", ".."):
        raise ConfigError(f"{option} must name a file, got {str(path)!r}")
    if path.is_dir():
        raise ConfigError(f"{option} {path} is a folder; name a file inside it")
    _check_writable(path, path.parent, option)


def _check_output_folder(path: Path, option: str) -> None:
    """One-line errors for a results folder that cannot be made or written, before any work."""
    if not str(path):
        raise ConfigError(f"{option} must name a folder, got ''")
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {path} is a file, not a folder")
    _check_writable(path, path, option)


def _progress(args) -> bool:
    """Progress bars: asked for with --progress, else on a terminal unless --quiet."""
    return bool(args.progress or (not args.quiet and sys.stderr.isatty()))


def _dask_logs(verbose: bool) -> None:
    """Show the Dask cluster's INFO lines (workers starting, connecting, closing) only with ``--verbose``.

    Importing ``distributed`` sets its loggers' levels from Dask's config (INFO), so the level is
    set after that import; warnings and errors always show.
    """
    import distributed  # noqa: F401

    logging.getLogger("distributed").setLevel(logging.INFO if verbose else logging.WARNING)


def _cmd_run(args) -> int:
    from .config import config_kind, load_config, parse
    from .experiment import run_experiment

    raw, text = load_config(args.config)
    _check_output_folder(args.out, "--out")
    if config_kind(raw) == "tabular":
        from .experiment import run_tabular_experiment

        if args.problem:
            raise ConfigError("--problem selects problems of a pde experiment; this config is tabular")

        out = run_tabular_experiment(raw, Path(args.out), data_dir=args.data, progress=_progress(args), config_text=text)
    else:
        config = parse(raw, data_dir=args.data)
        workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
        if workers > 1 or args.scheduler:
            _dask_logs(args.verbose)
        out = run_experiment(
            config, args.out, config_text=text, progress=_progress(args), workers=workers,
            scheduler=args.scheduler, threads=args.threads, problems=args.problem,
        )
    print(f"results in {out}")
    return 0


def _cmd_figures(args) -> int:
    from .config import config_kind, load_config

    folder = Path(args.folder)
    if not summary_path(folder).exists():
        raise ConfigError(f"{folder} is not a results folder (no summary.csv)")
    raw, _ = load_config(config_path(folder))
    if config_kind(raw) == "tabular":
        from .plot import render_tabular_figures

        paths = render_tabular_figures(folder)
    else:
        from .plot import render_figures

        paths = render_figures(folder)
    for path in paths:
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pinndd`` command."""
    parser = _Parser(prog="pinndd", description="Task-specific dataset distillation for PINNs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    catalog = sub.add_parser("catalog", help="list or check catalog problems")
    csub = catalog.add_subparsers(dest="catalog_command", required=True, parser_class=_Parser)
    csub.add_parser("list", help="one problem a line, name first").set_defaults(func=_cmd_catalog_list)
    check = csub.add_parser("check", help="run the contract checks on one problem")
    check.add_argument("name")
    check.set_defaults(func=_cmd_catalog_check)
    dist = sub.add_parser("distillers", help="list the distillers of each kind, or document one and its options")
    dist.add_argument("name", nargs="?", help="a distiller to document (its options, defaults and rules)")
    dist.add_argument("--kind", choices=("pde", "tabular"), help="the kind of task (default: both; for NAME, the first kind that has it)")
    dist.set_defaults(func=_cmd_distillers)
    ref = sub.add_parser("reference", help="write a reference solution to netCDF")
    ref.add_argument("problem")
    ref.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="condition parameter (default member otherwise)")
    ref.add_argument("--grid", action="append", default=[], metavar="NAME=START:STOP:NUM", help="grid of one variable")
    ref.add_argument("-o", "--output", required=True, type=Path, help="output .nc file")
    ref.set_defaults(func=_cmd_reference)
    run = sub.add_parser("run", help="run an experiment config into a results folder")
    run.add_argument("config", type=Path)
    run.add_argument("--out", required=True, type=Path, help="results folder")
    run.add_argument("--data", type=Path, default=None, help="data folder (tabular experiments)")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument("--progress", action="store_true", help="progress bars even when stderr is not a terminal")
    run.add_argument("--verbose", action="store_true", help="also the Dask cluster's INFO lines (workers starting, connecting, closing)")
    run.add_argument(
        "--workers", type=int, default=None,
        help="cells (distillations, evaluation groups) run in parallel on a local Dask cluster of this many processes "
        "(default: one per core; 1 runs everything in this process)",
    )
    run.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run the cells on a running Dask scheduler, e.g. tcp://host:8786")
    run.add_argument("--threads", type=int, default=1, help="torch threads per training (default 1: measured fastest on shared cores)")
    run.add_argument(
        "--problem", action="append", default=None, metavar="NAME",
        help="run only this problem of the config (repeatable; pde experiments); summary.csv comes with the last one",
    )
    run.set_defaults(func=_cmd_run)
    figures = sub.add_parser("figures", help="re-render DIR/figures from saved results")
    figures.add_argument("folder", type=Path)
    figures.set_defaults(func=_cmd_figures)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``pinndd`` command; returns the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (PinnddError, ValueError, KeyError, TypeError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
        print(f"pinndd: error: {message}", file=sys.stderr)
        return 2
    except OSError as err:  # e.g. an output folder that cannot be created
        where = f": {err.filename}" if err.filename else ""
        print(f"pinndd: error: {err.strerror or err}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pinndd: interrupted; finished files are kept, none is half-written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
