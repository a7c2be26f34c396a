"""Condition families: the parameters beta of boundary/initial data and their splits.

A family holds nested boxes ``train ⊂ ood_near ⊂ ood_far`` in parameter space.
The split ``train`` is the innermost box; ``ood_near`` is the shell between the
train box and the near box; ``ood_far`` the shell between the near and far
boxes. The splits are therefore disjoint by construction, at increasing
distance from the training range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Box", "Region", "ConditionFamily", "SPLITS"]

SPLITS = ("train", "ood_near", "ood_far")


@dataclass(frozen=True)
class Box:
    """An axis-aligned box ``[lower, upper]`` in parameter space."""

    lower: tuple[float, ...]
    upper: tuple[float, ...]

    def __post_init__(self):
        if len(self.lower) != len(self.upper):
            raise ValueError(f"box bounds differ in length: {self.lower} vs {self.upper}")
        if any(lo > hi for lo, hi in zip(self.lower, self.upper)):
            raise ValueError(f"box lower {self.lower} exceeds upper {self.upper}")

    @property
    def volume(self) -> float:
        """Product of the side lengths."""
        return float(np.prod(np.subtract(self.upper, self.lower)))

    def contains(self, points: np.ndarray, *, tol: float = 1e-12) -> np.ndarray:
        """Boolean mask of the rows of ``points`` (shape ``(n, dim)``) inside the box."""
        points = np.atleast_2d(points)
        return np.all((points >= np.add(self.lower, -tol)) & (points <= np.add(self.upper, tol)), axis=1)

    def strictly_contains(self, points: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``points`` in the open interior of the box."""
        points = np.atleast_2d(points)
        return np.all((points > np.asarray(self.lower)) & (points < np.asarray(self.upper)), axis=1)


def _shell(outer: Box, inner: Box) -> tuple[Box, ...]:
    """Disjoint boxes whose union is ``outer`` minus ``inner`` (up to boundaries)."""
    pieces = []
    lo, hi = list(outer.lower), list(outer.upper)
    for k in range(len(lo)):
        below = Box(tuple(lo[:k] + [outer.lower[k]] + lo[k + 1 :]), tuple(hi[:k] + [inner.lower[k]] + hi[k + 1 :]))
        above = Box(tuple(lo[:k] + [inner.upper[k]] + lo[k + 1 :]), tuple(hi[:k] + [outer.upper[k]] + hi[k + 1 :]))
        pieces += [b for b in (below, above) if b.volume > 0]
        lo[k], hi[k] = inner.lower[k], inner.upper[k]
    return tuple(pieces)


@dataclass(frozen=True)
class Region:
    """A weighted union of disjoint boxes: a probability distribution in parameter space.

    Within each box the density is uniform; ``weights`` give each box's mass.
    """

    boxes: tuple[Box, ...]
    weights: tuple[float, ...]

    @classmethod
    def uniform(cls, boxes) -> "Region":
        """Uniform distribution over the union of ``boxes`` (mass proportional to volume)."""
        boxes = tuple(boxes)
        vol = np.array([b.volume for b in boxes])
        if not vol.sum() > 0:
            raise ValueError(f"a uniform region needs boxes of positive total volume, got {len(boxes)} boxes of volume {vol.sum():g}")
        return cls(boxes, tuple(vol / vol.sum()))

    @classmethod
    def mixture(cls, regions, weights=None) -> "Region":
        """Mixture of ``regions``, equally weighted unless ``weights`` (positive, any scale) are given."""
        regions = list(regions)
        mass = np.ones(len(regions)) if weights is None else np.asarray(weights, dtype=float)
        if mass.shape != (len(regions),) or not (np.all(np.isfinite(mass)) and np.all(mass > 0)):
            raise ValueError(f"mixture weights must be {len(regions)} positive numbers, got {weights!r}")
        mass = mass / mass.sum()
        boxes = tuple(b for r in regions for b in r.boxes)
        return cls(boxes, tuple(float(m * w) for r, m in zip(regions, mass) for w in r.weights))

    @property
    def dim(self) -> int:
        """Number of parameters."""
        return len(self.boxes[0].lower)

    def from_unit(self, unit: np.ndarray) -> np.ndarray:
        """Map points of the unit cube to the region, preserving uniformity.

        The first coordinate picks the box (by cumulative weight) and is then
        rescaled to ``[0, 1)`` within that box's share, so that low-discrepancy
        input stays well spread.

        Parameters
        ----------
        unit : numpy.ndarray, shape (n, dim)
            Points in ``[0, 1)^dim``.

        Returns
        -------
        numpy.ndarray, shape (n, dim)
        """
        unit = np.atleast_2d(np.asarray(unit, dtype=float))
        edges = np.concatenate([[0.0], np.cumsum(self.weights)])
        edges[-1] = 1.0 + 1e-12
        which = np.clip(np.searchsorted(edges, unit[:, 0], side="right") - 1, 0, len(self.boxes) - 1)
        share = np.diff(edges)[which]
        first = np.clip((unit[:, 0] - edges[which]) / share, 0.0, 1.0)
        inner = unit.copy()
        inner[:, 0] = first
        lower = np.array([b.lower for b in self.boxes])[which]
        upper = np.array([b.upper for b in self.boxes])[which]
        return lower + inner * (upper - lower)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` i.i.d. points, shape ``(n, dim)``."""
        return self.from_unit(rng.random((n, self.dim)))

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``points`` inside one of the boxes."""
        return np.any([b.contains(points) for b in self.boxes], axis=0)

    @property
    def bounds(self) -> Box:
        """The smallest box holding the region."""
        lo = np.min([b.lower for b in self.boxes], axis=0)
        hi = np.max([b.upper for b in self.boxes], axis=0)
        return Box(tuple(lo), tuple(hi))


@dataclass(frozen=True)
class ConditionFamily:
    """Parameters of the boundary/initial data, with nested split boxes.

    Parameters
    ----------
    names : tuple of str
        Parameter names, e.g. ``("a", "b")``.
    train, near, far : Box
        Nested boxes ``train ⊂ near ⊂ far``. Split ``train`` is ``train``;
        ``ood_near`` is ``near`` minus ``train``; ``ood_far`` is ``far`` minus
        ``near``.
    default : tuple of float
        The family's default member (inside ``train``).
    """

    names: tuple[str, ...]
    train: Box
    near: Box
    far: Box
    default: tuple[float, ...]

    def __post_init__(self):
        sizes = {len(self.names), len(self.default), *(len(b.lower) for b in (self.train, self.near, self.far))}
        if len(sizes) != 1:
            raise ValueError(
                f"condition family {self.names}: names, default and boxes must have one length, got lengths {sorted(sizes)}"
            )
        for inner, outer, label in ((self.train, self.near, "train in near"), (self.near, self.far, "near in far")):
            if not (np.all(np.less_equal(outer.lower, inner.lower)) and np.all(np.less_equal(inner.upper, outer.upper))):
                raise ValueError(f"condition family boxes must be nested ({label})")
        if not self.train.contains(np.array(self.default))[0]:
            raise ValueError(f"default member {self.default} lies outside the train box")
        # Each split must have positive volume, or it cannot be sampled.
        volumes = {
            "train": self.train.volume,
            "ood_near": self.near.volume - self.train.volume,
            "ood_far": self.far.volume - self.near.volume,
        }
        for split, volume in volumes.items():
            if not volume > 0:
                raise ValueError(
                    f"split {split!r} of the condition family is empty (volume {volume:g}); "
                    "train needs positive width in every parameter and each box must be larger than the one inside it"
                )

    @property
    def dim(self) -> int:
        """Number of parameters."""
        return len(self.names)

    def region(self, *splits: str, weights=None) -> Region:
        """The distribution of one split, or the mixture of several.

        Parameters
        ----------
        *splits : str
            Split names.
        weights : sequence of float, optional
            Mass of each split in the mixture (positive, normalised here);
            equal when omitted.
        """
        if not splits:
            raise ValueError("region() needs at least one split name")
        regions = []
        for split in splits:
            if split == "train":
                regions.append(Region.uniform([self.train]))
            elif split == "ood_near":
                regions.append(Region.uniform(_shell(self.near, self.train)))
            elif split == "ood_far":
                regions.append(Region.uniform(_shell(self.far, self.near)))
            else:
                raise ValueError(f"unknown split {split!r}; allowed: {', '.join(SPLITS)}")
        return regions[0] if len(regions) == 1 else Region.mixture(regions, weights)

    def describe(self) -> str:
        """Human-readable ranges of each split, one line each."""
        lines = []
        for split, box in (("train", self.train), ("ood_near", self.near), ("ood_far", self.far)):
            ranges = ", ".join(f"{n} in [{lo:g}, {hi:g}]" for n, lo, hi in zip(self.names, box.lower, box.upper))
            prefix = "" if split == "train" else "outside the previous box, within "
            lines.append(f"{split}: {prefix}{ranges}")
        return "\n".join(lines)
