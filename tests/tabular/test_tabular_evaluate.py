"""Splits, metrics and risk aggregation over sites."""

import numpy as np
import pandas as pd
import pytest

from pinndd.risk import RiskMeasure
from pinndd.experiment import aggregate_sites
from pinndd.tabular import load_bundled, score, split_sites
from pinndd.tabular.evaluate import fold_sites


def test_split_is_disjoint_covering_stratified_and_seeded():
    sources = load_bundled("breast_cancer", n_sites=3, seed=1).sources
    train, test = split_sites(sources, 0.3, seed=4)
    again = split_sites(sources, 0.3, seed=4)[1]
    for s, tr, te, te2 in zip(sources, train, test, again):
        assert tr.n_rows + te.n_rows == s.n_rows
        rows = pd.concat([tr.frame, te.frame])
        assert len(rows.drop_duplicates()) == len(s.frame.drop_duplicates())
        assert abs(te.labels().mean() - s.labels().mean()) < 0.03
        pd.testing.assert_frame_equal(te.frame, te2.frame)
    assert not split_sites(sources, 0.3, seed=5)[1][0].frame.equals(test[0].frame)


def test_folds_hold_out_every_row_exactly_once_and_keep_class_shares():
    sources = load_bundled("breast_cancer", n_sites=3, seed=1).sources
    folds = list(fold_sites(sources, 4, seed=2))
    assert len(folds) == 4
    for i, s in enumerate(sources):
        held = pd.concat([val[i].frame for _, val in folds])
        assert len(held) == s.n_rows
        pd.testing.assert_frame_equal(held.sort_values(list(held.columns)).reset_index(drop=True),
                                      s.frame.sort_values(list(held.columns)).reset_index(drop=True))
        for fit, val in folds:
            assert fit[i].n_rows + val[i].n_rows == s.n_rows
            assert abs(val[i].labels().mean() - s.labels().mean()) < 0.05
    with pytest.raises(ValueError, match=r"n_folds must lie in \[2, "):
        list(fold_sites(sources, 1, seed=0))


def test_scores_on_known_predictions():
    y = np.array([0, 0, 1, 1.0])
    out = score(y, np.array([0.1, 0.4, 0.35, 0.8]), "classification")
    assert out["auroc"] == pytest.approx(0.75)
    assert out["accuracy"] == pytest.approx(0.75)
    assert out["brier"] == pytest.approx(np.mean([0.01, 0.16, 0.4225, 0.04]))
    assert np.isnan(score(np.ones(3), np.ones(3) * 0.5, "classification")["auroc"])
    assert score(np.zeros(4), np.full(4, 2.0), "regression")["rmse"] == pytest.approx(2.0)


def test_worst_site_is_lowest_auroc_and_highest_rmse():
    rows = pd.DataFrame({"dataset": "d", "split": "per_site", "method": "x", "budget": 0, "seed": 0,
                         "site": ["a", "b", "c"], "auroc": [0.9, 0.6, np.nan], "rmse": [1.0, 3.0, 2.0]})
    agg = aggregate_sites(rows, [RiskMeasure("mean"), RiskMeasure("max")], ["auroc", "rmse"])
    worst = agg[agg["risk"] == "max"].iloc[0]
    mean = agg[agg["risk"] == "mean"].iloc[0]
    assert worst["auroc"] == pytest.approx(0.6) and worst["rmse"] == pytest.approx(3.0)
    assert mean["auroc"] == pytest.approx(0.75) and mean["rmse"] == pytest.approx(2.0)


def test_correlation_design_each_site_misses_one_cluster_chosen_without_the_target():
    data = load_bundled("diabetes", n_sites=4, n_core=2, seed=0, blocks="correlation")
    every = data.full[0].features
    missing = [set(every) - set(s.features) for s in data.sources]
    assert all(missing) and set.union(*missing).isdisjoint(set.intersection(*(set(s.features) for s in data.sources)))
    assert sum(len(m) for m in missing) == len(set.union(*missing)) == len(every) - 2  # a partition of the rest
    # blocks are correlation clusters: features within a block correlate more than across blocks
    corr = pd.concat([s.frame for s in data.full])[list(every)].corr().abs()
    blocks = [sorted(m) for m in missing]
    within = [corr.loc[a, b] for blk in blocks for a in blk for b in blk if a < b]
    across = [corr.loc[a, b] for i, p in enumerate(blocks) for q in blocks[i + 1:] for a in p for b in q]
    assert np.mean(within) > np.mean(across)
    with pytest.raises(ValueError, match=r"unknown block design 'cyclic'; allowed"):
        load_bundled("diabetes", blocks="cyclic")
