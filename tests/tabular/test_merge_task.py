"""The merge task implements the Task protocol: D the sources, Q the sites (and the union site), l per member."""

import pytest
import torch

from pinndd.risk import RiskMeasure
from pinndd.tabular import LearnerSpec, MergeTask, TargetSite, load_bundled, union_features
from pinndd.tabular import _task_objective as obj
from pinndd.tabular.baselines import random_subset
from pinndd.task import Task, TaskAwarenessError


@pytest.fixture(scope="module")
def data():
    return load_bundled("diabetes", n_sites=3, seed=0)


def test_a_merge_task_is_a_tabular_task_whose_data_are_its_sources(data):
    task = MergeTask(data.sources, LearnerSpec("ridge"), "rmse")
    assert isinstance(task, Task) and task.kind == "tabular" and task.distilled == "table"
    assert task.training_family() is task.sources
    assert task.complete is None and task.with_sources(data.sources[:2], complete=data.full[:2]).complete == data.full[:2]


def test_the_target_family_is_each_site_through_its_features_and_optionally_the_union(data):
    sites = MergeTask(data.sources, LearnerSpec("ridge"), "rmse").target_family()
    assert sites == tuple(TargetSite(s.name, s.features) for s in data.sources)
    union = MergeTask(data.sources, LearnerSpec("ridge"), "rmse", population="sites_and_union").target_family()
    assert union[:-1] == sites
    assert union[-1] == TargetSite("union", union_features(data.sources), pooled=True)


def test_member_losses_give_one_loss_per_member_and_risk_of_reduces_them(data):
    task = MergeTask(data.sources, LearnerSpec("ridge"), "rmse", RiskMeasure("max"), population="sites_and_union")
    space = obj.Space.fit(task)
    table = random_subset(task.sources, 30, seed=0)
    z = torch.as_tensor(space.to_z(table.x)).requires_grad_(True)
    lab = torch.as_tensor((table.y - space.y_mu) / space.y_sd)
    losses = obj.site_losses(task, z, lab, obj.pack(task, space, task.sources, 0.5), 10)
    assert losses.shape == (len(task.target_family()),) and (losses > 0).all()
    risk = task.risk_of(losses)
    assert float(risk.detach()) == float(losses.detach().max())
    risk.backward()
    assert torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0  # differentiable in the table
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'; allowed"):
        task.member_losses([], [], loss="hinge")


def test_the_unaware_view_hides_the_target_family_only(data):
    task = MergeTask(data.sources, LearnerSpec("ridge"), "rmse", complete=data.full)
    view = task.unaware_view()
    with pytest.raises(TaskAwarenessError):
        view.target_family()
    assert view.training_family() is task.sources and view.columns == task.columns and view.complete is task.complete
