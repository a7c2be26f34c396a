"""Distillers: they reduce their own objective and never read what a site did not measure."""

import numpy as np
import pytest
import torch

from pinndd.distillers import distiller_names, get_distiller
from pinndd.errors import ConfigError
from pinndd.risk import RiskMeasure
from pinndd.tabular import DistributionMatching, LearnerSpec, MergeTask, Source, TaskDistiller, TrainingSet, load_bundled
from pinndd.tabular import intersection_features, union_features
from pinndd.tabular import _task_objective as obj
from pinndd.tabular._distiller import TabularDistiller
from pinndd.tabular._task import pairwise_loss
from pinndd.tabular.baselines import random_subset
from pinndd.task import TaskAwarenessError


@pytest.fixture(scope="module")
def cancer_task():
    data = load_bundled("breast_cancer", n_sites=3, n_core=3, seed=0)
    core = intersection_features(data.sources)
    keep = set(core) | set([f for f in union_features(data.sources) if f not in core][:6])  # quick
    data = [Source(s.name, s.frame, [f for f in s.features if f in keep], s.target) for s in data.sources]
    return MergeTask(data, LearnerSpec("logistic"), "auroc", RiskMeasure("max"))


def _outer(task, table, borrow=0.0):
    space = obj.Space.fit(task)
    z = torch.as_tensor(space.to_z(table.x))
    lab = torch.logit(torch.as_tensor(table.y).clamp(0.05, 0.95))
    return float(obj.site_risk(task, z, lab, obj.pack(task, space, task.sources, borrow), 10))


def test_task_distiller_lowers_the_site_risk_it_targets(cancer_task):
    distiller = TaskDistiller(steps=40, holdout=0.0, borrow=0.0, lr=0.05, init="random_subset", prox=0.0)
    table = distiller.distill(cancer_task, 20, seed=3)
    assert table.x.shape == (20, len(cancer_task.columns)) and np.isfinite(table.x).all()
    assert ((table.y > 0) & (table.y < 1)).all()
    start = _outer(cancer_task, random_subset(cancer_task.sources, 20, seed=3))
    assert _outer(cancer_task, table) < 0.7 * start


def test_task_distiller_never_reads_unmeasured_values(cancer_task):
    distiller = TaskDistiller(steps=5, holdout=0.3, check_every=2, init_steps=5, prox=(0.1, 1.0))
    first = distiller.distill(cancer_task, 12, seed=1)
    poisoned = []
    for s in cancer_task.sources:
        frame = s.frame.copy()
        for col in cancer_task.columns:
            if col not in s.features:
                frame[col] = 1e6  # garbage where the site measured nothing
        poisoned.append(Source(s.name, frame, s.features, s.target))
    second = distiller.distill(cancer_task.with_sources(poisoned), 12, seed=1)
    np.testing.assert_array_equal(first.x, second.x)
    np.testing.assert_array_equal(first.y, second.y)


def test_distribution_matching_moves_moments_towards_each_site():
    data = load_bundled("diabetes", n_sites=3, seed=2)
    task = MergeTask(data.sources, LearnerSpec("ridge"), "rmse")
    init = random_subset(task.sources, 30, seed=0)
    out = DistributionMatching(steps=150).distill(task, 30, seed=0)

    def gap(table):
        total = 0.0
        for s in task.sources:
            cols = [task.columns.index(c) for c in s.features]
            site = s.matrix(s.features)
            total += np.sum((np.nanmean(site, 0) - table.x[:, cols].mean(0)) ** 2 / np.nanvar(site, 0))
        return total

    assert gap(out) < 0.5 * gap(init)
    np.testing.assert_array_equal(out.y, init.y)  # labels are not touched


def test_task_distiller_returns_its_start_when_no_step_helps(cancer_task):
    # a learning rate too small to move anything: the hold-out keeps step 0, i.e. the DM start itself
    out = TaskDistiller(steps=3, lr=1e-12, holdout=0.3, check_every=1, init_steps=20).distill(cancer_task, 15, seed=2)
    start = DistributionMatching(steps=20, lr=0.05).distill(cancer_task, 15, seed=2)
    np.testing.assert_array_equal(out.x, start.x)
    np.testing.assert_array_equal(out.y, start.y)


def test_task_distiller_rejects_bad_prox_and_init():
    with pytest.raises(ConfigError, match=r"prox must be a number >= 0"):
        TaskDistiller(prox=(-1.0,))
    with pytest.raises(ConfigError, match=r"init must be one of 'distribution_matching', 'random_subset', got 'kmeans'"):
        TaskDistiller(init="kmeans")
    assert TaskDistiller(prox=2).options.prox == (2.0,)


def test_site_metric_risk_is_the_risk_of_one_minus_auroc(cancer_task):
    # Flipping every label flips the L2 logistic fit (theta -> -theta), so each
    # site's AUROC becomes 1 - AUROC: under the mean risk the two scores sum to 1.
    task = MergeTask(cancer_task.sources, LearnerSpec("logistic"), "auroc", RiskMeasure("mean"))
    space = obj.Space.fit(task)
    table = random_subset(task.sources, 40, seed=5)
    z = torch.as_tensor(space.to_z(table.x))
    lab = torch.logit(torch.as_tensor(table.y).clamp(0.05, 0.95))
    packs = obj.pack(task, space, task.sources, 0.0)
    right = obj.site_metric_risk(task, z, lab, packs, 10)
    flipped = obj.site_metric_risk(task, z, -lab, packs, 10)
    assert 0.0 <= right < 0.1
    assert right + flipped == pytest.approx(1.0, abs=1e-9)


def test_task_distiller_selects_by_metric_or_loss(cancer_task):
    with pytest.raises(ConfigError, match=r"select_by must be one of 'metric', 'loss', got 'auc'"):
        TaskDistiller(select_by="auc")
    for select_by in ("metric", "loss"):
        table = TaskDistiller(steps=4, holdout=0.3, check_every=2, init_steps=5, prox=0.1, select_by=select_by).distill(cancer_task, 12, seed=1)
        assert table.x.shape == (12, len(cancer_task.columns)) and np.isfinite(table.x).all()


def test_pairwise_loss_is_a_smooth_upper_bound_of_misranked_pairs():
    out = torch.tensor([2.0, -1.0, 0.5, 0.0], dtype=torch.float64)
    y = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=torch.float64)
    # pairs (pos, neg): differences 3, 2, 1.5, 0.5 -> all ranked right, loss = mean softplus(-diff)
    expected = np.mean(np.log1p(np.exp(-np.array([3.0, 2.0, 1.5, 0.5]))))
    assert float(pairwise_loss(out, y)) == pytest.approx(expected)
    assert float(pairwise_loss(-out, y)) > float(pairwise_loss(out, y))  # reversed ranking costs more
    assert float(pairwise_loss(out, torch.ones(4, dtype=torch.float64))) == 0.0  # no pairs


def test_task_distiller_with_folds_and_pairwise_loss(cancer_task):
    with pytest.raises(ConfigError, match=r"outer_loss must be one of 'likelihood', 'pairwise', got 'hinge'"):
        TaskDistiller(outer_loss="hinge")
    with pytest.raises(ConfigError, match=r"folds must be at least 1, got 0"):
        TaskDistiller(folds=0)
    with pytest.raises(ConfigError, match=r"folds must be an integer, got 2.5"):
        TaskDistiller(folds=2.5)
    with pytest.raises(ConfigError, match=r"refit = false needs folds = 1"):
        TaskDistiller(folds=3, refit=False)
    distiller = TaskDistiller(steps=4, check_every=2, init_steps=5, prox=(0.1, 1.0), folds=3,
                              outer_loss="pairwise")
    first = distiller.distill(cancer_task, 12, seed=1)
    assert first.x.shape == (12, len(cancer_task.columns)) and np.isfinite(first.x).all()
    np.testing.assert_array_equal(first.x, distiller.distill(cancer_task, 12, seed=1).x)  # seeded


def test_pairwise_objective_raises_the_auroc_it_stands_for(cancer_task):
    task = MergeTask(cancer_task.sources, LearnerSpec("logistic"), "auroc", RiskMeasure("mean"))
    start = random_subset(task.sources, 16, seed=4)
    space = obj.Space.fit(task)
    packs = obj.pack(task, space, task.sources, 0.0)

    def metric_loss(table):
        z = torch.as_tensor(space.to_z(table.x))
        lab = torch.logit(torch.as_tensor(table.y).clamp(0.01, 0.99))
        return obj.site_metric_risk(task, z, lab, packs, 10)

    table = TaskDistiller(steps=30, holdout=0.0, borrow=0.0, lr=0.05, init="random_subset", prox=0.0,
                          outer_loss="pairwise").distill(task, 16, seed=4)
    assert metric_loss(table) < metric_loss(start)


def test_union_population_adds_one_target_that_sees_every_column(cancer_task):
    with pytest.raises(ValueError, match=r"unknown population 'all'; allowed"):
        MergeTask(cancer_task.sources, LearnerSpec("logistic"), "auroc", population="all")
    union = MergeTask(cancer_task.sources, LearnerSpec("logistic"), "auroc", population="sites_and_union")
    assert union.with_sources(cancer_task.sources[:2]).population == "sites_and_union"
    space = obj.Space.fit(union)
    table = random_subset(union.sources, 30, seed=0)
    z = torch.as_tensor(space.to_z(table.x))
    lab = torch.logit(torch.as_tensor(table.y).clamp(0.05, 0.95))
    sites = obj.site_losses(cancer_task, z, lab, obj.pack(cancer_task, space, cancer_task.sources, 0.0), 10)
    packs = obj.pack(union, space, union.sources, 0.0)
    both = obj.site_losses(union, z, lab, packs, 10)
    assert len(both) == len(sites) + 1
    torch.testing.assert_close(both[:-1], sites)
    assert packs[-1][0].tolist() == list(range(len(union.columns)))
    n_pooled = sum(s.n_rows for s in union.sources)
    assert packs[-1][1][0][0].shape == (n_pooled, len(union.columns))


def test_borrowed_rows_are_mean_filled_or_imputed(cancer_task):
    with pytest.raises(ConfigError, match=r"borrow_fill must be one of 'mean', 'iterative', got 'knn'"):
        TaskDistiller(borrow_fill="knn")
    space = obj.Space.fit(cancer_task)
    mean_packs = obj.pack(cancer_task, space, cancer_task.sources, 0.5, "mean")
    imputed_packs = obj.pack(cancer_task, space, cancer_task.sources, 0.5, "iterative")
    for (idx, (own, borrowed)), (_, (own_i, borrowed_i)) in zip(mean_packs, imputed_packs):
        torch.testing.assert_close(own[0], own_i[0])  # a site's own rows: as the evaluator fills them
        assert borrowed[1].any() and not borrowed_i[1].any()  # borrowed rows: gaps, or none left
        kept = ~borrowed[1]
        torch.testing.assert_close(borrowed_i[0][kept], borrowed[0][kept])  # observed values untouched
        assert borrowed[3] == borrowed_i[3] == 0.5


@pytest.mark.parametrize("name", distiller_names("tabular"))
def test_every_tabular_distiller_is_registered_and_documented(name):
    distiller = get_distiller(name, kind="tabular")
    assert isinstance(distiller, TabularDistiller) and distiller.kind == "tabular" and distiller.name == name
    for option in distiller.Options.names():
        assert f"{option} : " in type(distiller).__doc__  # the Options section is appended once
    assert distiller.budgeted == (name in ("random_subset", "task", "distribution_matching"))
    assert distiller.task_aware == (name == "task")


@pytest.mark.parametrize("name, options, message", [
    ("task", {"steps": 0}, r"^distiller 'task': steps must be at least 1, got 0$"),
    ("task", {"lr": -0.1}, r"^distiller 'task': lr must be positive, got -0.1$"),
    ("task", {"holdout": 1.0}, r"^distiller 'task': holdout must lie in \[0, 1\), got 1.0$"),
    ("task", {"prox": ["a"]}, r"^distiller 'task': prox must be a number >= 0 or a non-empty list of them"),
    ("task", {"temperature": 2}, r"^unknown option 'temperature' for distiller 'task'; allowed: borrow, "),
    ("distribution_matching", {"lr": 0}, r"^distiller 'distribution_matching': lr must be positive, got 0$"),
    ("distribution_matching", {"steps": 1.5}, r"^distiller 'distribution_matching': steps must be an integer"),
    ("pooled_mean", {"k": 5}, r"^unknown option 'k' for distiller 'pooled_mean'; allowed: none$"),
])
def test_an_option_error_is_one_line_naming_the_option(name, options, message):
    with pytest.raises(ConfigError, match=message) as err:
        get_distiller(name, kind="tabular", **options)
    assert "\n" not in str(err.value)


def test_task_unaware_distillers_work_on_the_unaware_view_and_the_task_distiller_refuses_it():
    data = load_bundled("diabetes", n_sites=3, seed=1)
    task = MergeTask(data.sources, LearnerSpec("ridge"), "rmse", complete=data.full)
    view = task.unaware_view()
    with pytest.raises(TaskAwarenessError):
        TaskDistiller(steps=2, init_steps=2).distill(view, 10, seed=0)
    for name in distiller_names("tabular"):
        distiller = DistributionMatching(steps=5) if name == "distribution_matching" else get_distiller(name, kind="tabular")
        if distiller.task_aware:
            continue
        tables = distiller.distill(view, 10, seed=0)
        for table in tables.values() if isinstance(tables, dict) else [tables]:
            assert isinstance(table, TrainingSet)
            assert len(table.y) == 10 if distiller.budgeted else len(table.y) > 10
    seen_whole = DistributionMatching(steps=5).distill(task, 10, seed=0)
    np.testing.assert_array_equal(DistributionMatching(steps=5).distill(view, 10, seed=0).x, seen_whole.x)


def test_the_oracle_needs_the_complete_table(cancer_task):
    with pytest.raises(ValueError, match=r"'oracle' needs the complete table"):
        get_distiller("oracle", kind="tabular").distill(cancer_task.unaware_view(), 0, seed=0)
    data = load_bundled("diabetes", n_sites=3, seed=1)
    task = MergeTask(data.sources, LearnerSpec("ridge"), "rmse", complete=data.full)
    table = get_distiller("oracle", kind="tabular").distill(task.unaware_view(), 0, seed=0)
    assert table.columns == task.columns and np.isfinite(table.x).all()  # every feature, every row
    assert len(table.y) == sum(s.n_rows for s in data.sources)
