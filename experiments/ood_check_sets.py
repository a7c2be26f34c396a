"""Distil the committed point sets of a benchmark folder again and say which ones the current code reproduces.

A row of the benchmark reproduces only if its point set does: the set is distilled again from the
folder's config (same cell, seed, one torch thread) in a scratch folder and compared with the
committed file bit for bit (:meth:`PointSet.digest`). A set that differs was made by other code
than the current one, and its evaluation groups must be rerun with the new set (delete the set
and the ``metrics/parts`` of its problem and size; the run's resume redoes them).

Run:  python experiments/ood_check_sets.py experiments/results/ood_benchmark_recipe --problem heat1d
      python experiments/ood_check_sets.py FOLDER --problem poisson2d --distiller task --distiller rad
      python experiments/ood_check_sets.py FOLDER --max-seconds 30   (only sets that took at most 30 s to distil)

Prints one line per set (``same`` or ``DIFFERENT``) and exits 1 if any differs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from pinndd import results
from pinndd.config import load_config, parse
from pinndd.experiment._runner import _cells, distill_cell
from pinndd.pointset import PointSet


def redistil(config, problem: str, folder: Path, scratch: Path, wanted):
    """Distil again, into ``scratch``, every committed set of ``problem`` that ``wanted`` accepts.

    Parameters
    ----------
    config : ExperimentConfig
        The folder's config.
    problem : str
    folder, scratch : pathlib.Path
        The committed results folder, and a prepared scratch folder (a copy of
        a set already there is replaced).
    wanted : callable
        ``wanted(label, committed_point_set) -> bool``.

    Yields
    ------
    committed_path : pathlib.Path
    fresh : PointSet
    same : bool
        Whether the fresh set equals the committed one bit for bit.
    """
    for index, (spec, budget, seed) in enumerate(_cells(config)):
        path = results.points_path(folder, problem, spec.label, budget, seed)
        if not path.exists():
            continue
        committed = PointSet.load(path)
        if not wanted(spec.label, committed):
            continue
        results.points_path(scratch, problem, spec.label, budget, seed).unlink(missing_ok=True)
        fresh = PointSet.load(distill_cell(config, problem, index, scratch, threads=1))
        yield path, fresh, fresh.digest() == committed.digest()


def main(folder: Path, problems, distillers, max_seconds: float) -> int:
    raw, text = load_config(results.config_path(folder))
    config = parse(raw)

    def wanted(label, committed) -> bool:
        if distillers and label not in distillers:
            return False
        took = float(committed.attrs.get("distill_s", 0.0))
        if took > max_seconds:
            print(f"skipped: a {label} set of {committed.size} points, distilled in {took:.0f} s (over --max-seconds {max_seconds:g})", flush=True)
            return False
        return True

    different = 0
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "check"
        results.prepare(scratch, text)
        for problem in problems or config.problems:
            for path, _, same in redistil(config, problem, folder, scratch, wanted):
                different += not same
                print(f"{'same' if same else 'DIFFERENT'}: {path.name}", flush=True)
    return 1 if different else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--problem", action="append", default=[], help="only this problem (repeatable)")
    parser.add_argument("--distiller", action="append", default=[], metavar="LABEL", help="only this distiller label (repeatable)")
    parser.add_argument("--max-seconds", type=float, default=float("inf"), help="skip sets that took longer than this to distil")
    args = parser.parse_args()
    sys.exit(main(args.folder, args.problem, args.distiller, args.max_seconds))
