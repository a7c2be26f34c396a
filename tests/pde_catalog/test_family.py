"""Condition families: boxes, shells, regions as distributions, split descriptions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from pde_catalog import SPLITS, Box, ConditionFamily, Region
from pde_catalog._family import _shell
from pde_catalog.burgers1d import Burgers1D

TRAIN, NEAR, FAR = Box((0.0, 0.0), (1.0, 2.0)), Box((-1.0, -1.0), (2.0, 3.0)), Box((-2.0, -3.0), (4.0, 5.0))


def _family(**changes):
    spec = dict(names=("a", "b"), train=TRAIN, near=NEAR, far=FAR, default=(0.5, 1.0))
    return ConditionFamily(**{**spec, **changes})


def _sobol(n_log2: int, dim: int) -> np.ndarray:
    return qmc.Sobol(d=dim, scramble=True, rng=np.random.default_rng(0)).random_base2(n_log2)


# ------------------------------------------------------------------- boxes
def test_box_validation_and_volume():
    assert Box((0.0, 1.0), (2.0, 4.0)).volume == 6.0
    with pytest.raises(ValueError, match="exceeds"):
        Box((1.0,), (0.0,))
    with pytest.raises(ValueError, match="differ in length"):
        Box((0.0, 0.0), (1.0,))


def test_box_contains_closed_and_strict():
    box = Box((0.0, 0.0), (1.0, 1.0))
    pts = np.array([[0.5, 0.5], [0.0, 0.5], [1.0, 1.0], [1.1, 0.5]])
    np.testing.assert_array_equal(box.contains(pts), [True, True, True, False])
    np.testing.assert_array_equal(box.strictly_contains(pts), [True, False, False, False])


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_shell_tiles_outer_minus_inner(dim):
    outer = Box((-1.0,) * dim, (2.0,) * dim)
    inner = Box((0.0,) * dim, (0.5,) * dim)
    pieces = _shell(outer, inner)
    assert len(pieces) == 2 * dim
    assert sum(p.volume for p in pieces) == pytest.approx(outer.volume - inner.volume)
    pts = outer.lower + np.random.default_rng(1).random((4000, dim)) * 3.0
    in_pieces = np.sum([p.strictly_contains(pts) for p in pieces], axis=0)
    in_inner = inner.strictly_contains(pts)
    # Every point (off the measure-zero boundaries) is in the inner box or in exactly one piece.
    np.testing.assert_array_equal(in_pieces + in_inner, 1)


def test_shell_drops_empty_pieces():
    outer, inner = Box((0.0, 0.0), (2.0, 1.0)), Box((0.0, 0.0), (1.0, 1.0))  # inner touches three sides
    (piece,) = _shell(outer, inner)
    assert piece == Box((1.0, 0.0), (2.0, 1.0))


# ----------------------------------------------------------------- regions
def test_uniform_weights_are_volume_shares():
    region = Region.uniform([Box((0.0,), (1.0,)), Box((2.0,), (5.0,))])
    assert region.weights == pytest.approx((0.25, 0.75))
    with pytest.raises(ValueError, match="positive total volume"):
        Region.uniform([])


def test_from_unit_preserves_measure():
    # Unit-cube points mapped into a shell must fill each box in proportion to its
    # weight and be uniform inside it: the fraction of points in any sub-box equals
    # its share of the mass (up to the Sobol set's discrepancy).
    region = Region.uniform(_shell(NEAR, TRAIN))
    pts = region.from_unit(_sobol(14, 2))
    assert np.all(region.contains(pts)) and not np.any(TRAIN.strictly_contains(pts))
    for box, weight in zip(region.boxes, region.weights):
        assert np.mean(box.strictly_contains(pts)) == pytest.approx(weight, abs=2e-3)
        # The lower-left quarter (half of each side) of each box holds a quarter of its mass.
        mid = tuple((np.add(box.lower, box.upper) / 2).tolist())
        assert np.mean(Box(box.lower, mid).strictly_contains(pts)) == pytest.approx(weight / 4, abs=2e-3)


def test_from_unit_is_affine_on_a_single_box():
    box = Box((1.0, -2.0), (3.0, 2.0))
    unit = np.array([[0.0, 0.0], [0.5, 0.25], [0.999, 0.999]])
    expected = np.array([[1.0, -2.0], [2.0, -1.0], [2.998, 1.996]])
    np.testing.assert_allclose(Region.uniform([box]).from_unit(unit), expected, rtol=0, atol=1e-9)


def test_sample_is_seeded_and_in_region():
    region = _family().region("ood_far")
    a = region.sample(500, np.random.default_rng(3))
    np.testing.assert_array_equal(a, region.sample(500, np.random.default_rng(3)))
    assert a.shape == (500, 2) and np.all(region.contains(a))
    assert not np.array_equal(a, region.sample(500, np.random.default_rng(4)))


def test_mixture_weights_each_region_equally():
    small = Region.uniform([Box((0.0,), (1.0,))])
    large = Region.uniform([Box((1.0,), (2.0,)), Box((2.0,), (11.0,))])
    mix = Region.mixture([small, large])
    assert mix.weights == pytest.approx((0.5, 0.05, 0.45))
    assert sum(mix.weights) == pytest.approx(1.0)
    pts = mix.from_unit(_sobol(12, 1))
    assert np.mean(pts[:, 0] < 1.0) == pytest.approx(0.5, abs=2e-3)


def test_family_region_mixture_is_equal_per_split():
    family = _family()
    pts = family.region("train", "ood_far").sample(20000, np.random.default_rng(0))
    assert np.mean(TRAIN.contains(pts)) == pytest.approx(0.5, abs=0.015)
    assert family.region(*SPLITS).bounds == FAR


def test_family_region_mixture_follows_split_weights():
    family = _family()
    pts = family.region("train", "ood_far", weights=(3, 1)).sample(20000, np.random.default_rng(0))
    assert np.mean(TRAIN.contains(pts)) == pytest.approx(0.75, abs=0.015)
    assert family.region("train", "ood_far", weights=(2.0, 2.0)).weights == family.region("train", "ood_far").weights
    for bad in ((1.0,), (1.0, 0.0), (1.0, float("nan"))):
        with pytest.raises(ValueError, match="mixture weights must be 2 positive numbers"):
            family.region("train", "ood_far", weights=bad)


# ---------------------------------------------------------------- families
def test_family_validation():
    with pytest.raises(ValueError, match="nested"):
        _family(near=Box((0.5, 0.0), (2.0, 3.0)))
    with pytest.raises(ValueError, match="outside the train box"):
        _family(default=(5.0, 1.0))
    with pytest.raises(ValueError, match="'ood_near'.*empty"):
        _family(near=TRAIN)
    with pytest.raises(ValueError, match="'train'.*empty"):
        _family(train=Box((0.0, 1.0), (1.0, 1.0)), default=(0.5, 1.0))
    with pytest.raises(ValueError, match="one length"):
        _family(names=("a",))


def test_region_errors_name_the_split():
    with pytest.raises(ValueError, match="unknown split 'ood'; allowed: train, ood_near, ood_far"):
        _family().region("ood")
    with pytest.raises(ValueError, match="at least one split"):
        _family().region()


def test_describe():
    assert Burgers1D().family.describe() == (
        "train: a in [0.8, 1.2], b in [-0.1, 0.1]\n"
        "ood_near: outside the previous box, within a in [0.6, 1.4], b in [-0.25, 0.25]\n"
        "ood_far: outside the previous box, within a in [0.4, 1.6], b in [-0.4, 0.4]"
    )
