"""Which code made a result: the git commit of the package's checkout, or its version.

Results of the benchmark reproduce bit for bit only with the code that made them: a change
of rounding anywhere (a boundary value computed in another order) moves a distilled set or a
trained learner by a few units in the last place, and L-BFGS amplifies that. The runner
stamps every distilled set and every evaluated row with :func:`code_version`, so a reader
knows which commit to check out to rerun a cell, and which sets an edit has made stale.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["code_version"]

_PACKAGE = Path(__file__).resolve().parent


def code_version() -> str:
    """``git:<commit>`` (with ``+dirty`` when tracked files differ from it) or ``pinndd <version>``.

    Returns
    -------
    str
        The commit of the checkout this package is imported from, when it is
        one and git is available; otherwise the installed version.
    """
    try:
        commit = _git("rev-parse", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no", "--", str(_PACKAGE), str(_PACKAGE.parent / "pde_catalog"))
        return f"git:{commit}{'+dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        from . import __version__

        return f"pinndd {__version__}"


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=_PACKAGE, capture_output=True, text=True, timeout=10, check=True)
    return result.stdout.strip()
