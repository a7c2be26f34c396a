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

__all__ = ["code_version", "read_code_version"]

_PACKAGE = Path(__file__).resolve().parent


def code_version() -> str:
    """The code this process runs: ``git:<commit>`` (``+dirty`` when tracked files of the package
    differed from it) or ``pinndd <version>``, read when this module was imported.

    Read at import, not at the call: a worker that loaded the package keeps running that code
    while the checkout moves on (a commit of results, an edit), and the stamp must name the code
    that ran.

    Returns
    -------
    str
    """
    return _LOADED


def read_code_version() -> str:
    """The checkout's code version now (see :func:`code_version`); the package version without git."""
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


_LOADED = read_code_version()  # an immutable fact about this process: the code it imported
