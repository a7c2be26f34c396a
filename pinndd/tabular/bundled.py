"""A bundled medical table split into simulated sites with overlapping feature blocks.

The tables ship inside scikit-learn (no download): the diabetes progression data
(442 patients, 10 features, regression) and the Wisconsin breast cancer data
(569 patients, 30 features, classification). Rows are dealt to ``n_sites``
sites at random; every site measures a shared core block and the remaining
features are dealt into ``n_sites`` blocks in one of two designs:

- ``"random"``: blocks of random features; site ``k`` measures blocks ``k`` and
  ``k + 1`` (cyclic);
- ``"correlation"``: blocks are the ``n_sites`` clusters of the features'
  correlation (average linkage on ``1 - |corr|``, features only, the target is
  not looked at); site ``k`` measures every block but block ``k``. A missing
  block is then as hard as possible to impute from what the site measured.

Feature sets intersect but differ. Because the full table is known, the same
rows with every feature are returned too, for the all-features oracle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._sources import Source, check_sources

__all__ = ["BLOCK_DESIGNS", "BUNDLED_TABLES", "BundledData", "load_bundled"]

BUNDLED_TABLES = {"diabetes": "regression", "breast_cancer": "classification"}
_TARGET = "target"


@dataclass(frozen=True, eq=False)
class BundledData:
    """Simulated sites and their complete counterparts.

    Attributes
    ----------
    sources : tuple of Source
        Each site seen through the features it measured.
    full : tuple of Source
        The same rows with every feature (for the oracle only).
    kind : {"classification", "regression"}
        The prediction task's kind.
    """

    sources: tuple = field(repr=False)
    full: tuple = field(repr=False)
    kind: str


def _table(name: str) -> pd.DataFrame:
    from sklearn import datasets

    if name == "diabetes":
        bunch = datasets.load_diabetes(as_frame=True, scaled=False)
    elif name == "breast_cancer":
        bunch = datasets.load_breast_cancer(as_frame=True)
    else:
        raise ValueError(f"unknown bundled table {name!r}; allowed: {sorted(BUNDLED_TABLES)}")
    frame = bunch.frame.copy()
    frame.columns = [str(c).replace(" ", "_") for c in frame.columns]
    return frame.astype(float)


BLOCK_DESIGNS = ("random", "correlation")


def _correlation_blocks(frame: pd.DataFrame, rest: list, n_blocks: int) -> list:
    """``rest`` cut into ``n_blocks`` clusters of ``1 - |corr|`` (average linkage), each non-empty."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    dist = 1.0 - frame[rest].corr().abs().to_numpy()
    np.fill_diagonal(dist, 0.0)
    labels = fcluster(linkage(squareform(dist, checks=False), "average"), n_blocks, "maxclust")
    blocks = [[f for f, lab in zip(rest, labels) if lab == k] for k in sorted(set(labels))]
    if len(blocks) != n_blocks:
        raise ValueError(f"the correlation of {len(rest)} features does not give {n_blocks} clusters")
    return blocks


def load_bundled(name: str = "diabetes", *, n_sites: int = 4, n_core: int = 2, seed: int = 0,
                 blocks: str = "random") -> BundledData:
    """Split a bundled table into simulated sites.

    Parameters
    ----------
    name : {"diabetes", "breast_cancer"}
        Which table.
    n_sites : int, optional
        Number of sites, at least 2.
    n_core : int, optional
        Features every site measures (at least 1); the rest are dealt into
        ``n_sites`` blocks of near-equal size.
    seed : int, optional
        Seeds the row-to-site assignment, the core and (``"random"``) the blocks.
    blocks : {"random", "correlation"}, optional
        Block design (see the module docstring).

    Returns
    -------
    BundledData
    """
    frame = _table(name)
    features = [c for c in frame.columns if c != _TARGET]
    if n_sites < 2:
        raise ValueError(f"n_sites must be at least 2, got {n_sites!r}")
    if not 1 <= n_core <= len(features) - n_sites:
        raise ValueError(f"n_core must lie in [1, {len(features) - n_sites}] for {name!r}, got {n_core!r}")
    if blocks not in BLOCK_DESIGNS:
        raise ValueError(f"unknown block design {blocks!r}; allowed: {list(BLOCK_DESIGNS)}")
    design = blocks
    rng = np.random.default_rng(seed)
    order = [features[i] for i in rng.permutation(len(features))]
    core, rest = order[:n_core], order[n_core:]
    if design == "random":
        blocks = [list(b) for b in np.array_split(np.array(rest, dtype=object), n_sites)]
    else:
        blocks = _correlation_blocks(frame, [f for f in features if f in set(rest)], n_sites)
    site_of_row = rng.permutation(np.arange(len(frame)) % n_sites)
    sources, full = [], []
    for k in range(n_sites):
        if design == "random":
            own = set(core) | set(blocks[k]) | set(blocks[(k + 1) % n_sites])
        else:
            own = set(features) - set(blocks[k])
        measured = tuple(f for f in features if f in own)
        rows = frame.iloc[np.flatnonzero(site_of_row == k)].reset_index(drop=True)
        masked = rows.copy()
        masked[[f for f in features if f not in own]] = np.nan
        origin = f"sklearn:{name}"
        sources.append(Source(f"site{k}", masked, measured, _TARGET, origin=origin))
        full.append(Source(f"site{k}", rows, tuple(features), _TARGET, origin=origin))
    return BundledData(check_sources(sources), tuple(full), BUNDLED_TABLES[name])
