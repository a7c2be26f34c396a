"""File output in one place: every file pinndd writes goes through an atomic rename.

A run interrupted at any moment leaves either the previous file or the new one,
never a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_path", "dump_toml", "remove_stale_temporaries", "write_text", "write_netcdf", "write_csv"]


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination. Its folder is created if missing.

    Yields
    ------
    pathlib.Path
        A temporary file in the same folder (same file system, so the final
        ``os.replace`` is atomic). It is removed if the block raises.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results follow the user's umask
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale_temporaries(folder, *, older_than_s: float = 600.0) -> list:
    """Delete temporary files of :func:`atomic_path` left under ``folder`` by a killed run.

    Only files untouched for ``older_than_s`` seconds are removed, so a run
    writing into the same folder at the same time keeps its own.

    Returns
    -------
    list of pathlib.Path
        The removed files.
    """
    import time

    folder = Path(folder)
    if not folder.is_dir():
        return []
    now = time.time()
    removed = []
    for tmp in folder.rglob(".*.tmp"):
        try:
            if tmp.is_file() and now - tmp.stat().st_mtime > older_than_s:
                tmp.unlink()
                removed.append(tmp)
        except OSError:  # raced with another run that just finished it
            continue
    return removed


def write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_netcdf(dataset, path) -> Path:
    """Write an ``xarray.Dataset`` to ``path`` (netCDF4) atomically and return the path."""
    with atomic_path(path) as tmp:
        dataset.to_netcdf(tmp, engine="netcdf4")
    return Path(path)


def write_csv(frame, path) -> Path:
    """Write a ``pandas.DataFrame`` to ``path`` as CSV (no index) atomically."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)
    return Path(path)


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} to TOML")


def dump_toml(raw: dict, prefix: str = "") -> str:
    """TOML text of ``raw``, a dict of nested tables of scalars and lists (what a config holds).

    Parameters
    ----------
    raw : dict
        Keys to booleans, numbers, strings, lists of them, or dicts (tables).
    prefix : str, optional
        Dotted name of the table ``raw`` is (for its sub-tables' headers).

    Returns
    -------
    str
    """
    lines, tables = [], []
    for key, value in raw.items():
        (tables if isinstance(value, dict) else lines).append((key, value))
    text = "".join(f"{k} = {_toml_value(v)}\n" for k, v in lines)
    for key, value in tables:
        name = f"{prefix}{key}"
        body = dump_toml(value, prefix=f"{name}.")
        text += f"\n[{name}]\n{body}" if any(not isinstance(v, dict) for v in value.values()) or not value \
            else body
    return text
