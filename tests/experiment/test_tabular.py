"""End to end: config -> results folder; bad configs and bad data write nothing."""

import shutil

import pandas as pd
import pytest
import xarray as xr

from pinndd.errors import ConfigError, DataError
from pinndd.experiment import parse_tabular_config, run_tabular_experiment
from pinndd.plot import render_tabular_figures


def _raw(**over):
    raw = {
        "experiment": {"kind": "tabular", "name": "tiny", "seeds": 1, "splits": ["per_site", "loso"],
                       "distillers": ["site_alone", "pooled_mean", "oracle", "task"], "budgets": [15]},
        "data": {"source": "bundled", "table": "diabetes", "n_sites": 3},
        "learner": {"name": "ridge", "alpha": 1.0},
        "task": {"risk": "max", "report_risks": ["mean", "max"]},
        "distiller": {"task": {"steps": 10, "check_every": 5, "init_steps": 20, "prox": [0.1]}},
    }
    for key, value in over.items():
        section, name = key.split("__")
        if value is None:
            del raw[section][name]
        else:
            raw[section][name] = value
    return raw


def test_bundled_run_writes_the_results_folder(tmp_path):
    out = run_tabular_experiment(_raw(), tmp_path / "run", progress=False, config_text="# tiny\n")
    assert (out / "config.toml").read_text() == "# tiny\n"
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary.columns) >= {"dataset", "split", "method", "budget", "seed", "site", "rmse", "n_train"}
    per_site = summary[summary["split"] == "per_site"]
    # 1 seed x 3 sites for each of 4 methods
    assert per_site.groupby("method").size().to_dict() == {"oracle": 3, "pooled_mean": 3, "site_alone": 3,
                                                           "task": 3}
    loso = summary[summary["split"] == "loso"]
    assert "site_alone" not in set(loso["method"])  # a left-out site has no rows of its own
    assert (summary.loc[summary["method"] == "task", "n_train"] == 15).all()
    agg = pd.read_csv(out / "aggregate.csv")
    worst = agg[(agg["risk"] == "max") & (agg["split"] == "per_site")].set_index(["method", "seed"])["rmse"]
    expected = per_site.groupby(["method", "seed"])["rmse"].max()
    pd.testing.assert_series_equal(worst.sort_index(), expected.sort_index(), check_names=False)
    with xr.open_dataset(out / "metrics.nc") as ds:
        assert set(ds["rmse"].dims) == {"split", "method", "budget", "seed", "site"}
        assert ds.attrs["dataset"] == "bundled_diabetes"
    figures = render_tabular_figures(out)
    assert {p.name for p in figures} == {"per_site_per_site.png", "vs_budget_per_site.png",
                                         "per_site_loso.png", "vs_budget_loso.png"}
    assert all(p.stat().st_size > 1000 for p in figures)


@pytest.mark.parametrize("over, message", [
    ({"data__colour": "red"}, r"unknown key data\.colour; allowed: blocks, folder"),
    ({"experiment__distillers": ["kip"], "distiller__task": None}, r"unknown tabular distiller 'kip' \(experiment\.distillers or distiller\.kip\.method\); known: distribution_matching"),
    ({"task__metric": "auroc"}, r"task\.metric: 'auroc' does not fit the regression learner"),
    ({"task__risk": "worst"}, r"task\.risk: unknown risk 'worst'"),
    ({"experiment__seeds": 0}, r"experiment\.seeds as a count must lie in \[1, 1000\]"),
    ({"learner__gamma": 2.0}, r"unknown key learner\.gamma for learner 'ridge'"),
    ({"data__source": "uci_heart"}, r"data\.folder is required"),
    ({"task__population": "everyone"}, r"task\.population: unknown name 'everyone'; allowed"),
    ({"experiment__evaluate_on": "validation"}, r"experiment\.evaluate_on: unknown name 'validation'; allowed"),
    ({"experiment__distillers": ["site_alone", "site_alone"]}, r"experiment\.distillers has duplicate entries"),
    ({"experiment__seeds": [0, 0]}, r"experiment\.seeds has duplicate entries"),
    ({"experiment__budgets": [20, 10**12]}, r"experiment\.budgets must be at most 1,000,000, got 1000000000000"),
    ({"distiller__task": {"steps": 0}}, r"^\[distiller\.task\] distiller 'task': steps must be at least 1, got 0$"),
    ({"distiller__pooled_knn": {}}, r"\[distiller\.pooled_knn\] is not listed in experiment\.distillers"),
    ({"experiment__distillers": ["a/b"]}, r"experiment\.distillers entry 'a/b' is not a safe name"),
    ({"experiment__colour": 1}, r"unknown key experiment\.colour; allowed: budgets, distillers"),
])
def test_bad_config_is_one_clear_error_and_writes_nothing(tmp_path, over, message):
    raw = _raw(**over)
    if over.get("data__source") == "uci_heart":
        raw["learner"] = {"name": "logistic"}
        raw["experiment"]["distillers"] = ["site_alone"]
    with pytest.raises(ConfigError, match=message):
        run_tabular_experiment(raw, tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def test_development_protocol_never_scores_or_trains_on_test_rows():
    from pinndd.experiment._tabular import _folds, development_sources, load_config_data

    cfg = parse_tabular_config(_raw(experiment__evaluate_on="development"))
    _, sources, full, _ = load_config_data(cfg)
    test_cfg = parse_tabular_config(_raw())
    for seed in (0, 3):
        (_, test, _), = _folds("per_site", sources, full, test_cfg, seed)
        test_ids = {tuple(r) for s in test for r in s.frame.fillna(-1.0).to_numpy()}
        dev_sources, _ = development_sources(sources, full, cfg, seed)
        assert sum(s.n_rows for s in dev_sources) + sum(s.n_rows for s in test) == sum(s.n_rows for s in sources)
        for split in ("per_site", "loso"):
            for train, held, full_train in _folds(split, sources, full, cfg, seed):
                seen = {tuple(r) for s in (*train, *held) for r in s.frame.fillna(-1.0).to_numpy()}
                assert not seen & test_ids


def test_unknown_distiller_parameter():
    raw = _raw()
    raw["distiller"]["task"]["temperature"] = 2
    with pytest.raises(ConfigError, match=r"^\[distiller\.task\] unknown option 'temperature' for distiller 'task'; allowed: "):
        parse_tabular_config(raw)


def test_broken_heart_folder_writes_nothing(heart_dir, tmp_path):
    folder = tmp_path / "heart"
    shutil.copytree(heart_dir, folder)
    (folder / "processed.switzerland.data").chmod(0o644)
    (folder / "processed.switzerland.data").write_text("32,1,1,95,0,?,0,127,0,.7,1,?,?\n")
    raw = _raw(data__source="uci_heart")
    raw["learner"] = {"name": "logistic"}
    raw["experiment"]["distillers"] = ["site_alone"]
    raw["distiller"] = {}
    with pytest.raises(DataError, match=r"processed\.switzerland\.data: line 1 has 13 fields"):
        run_tabular_experiment(raw, tmp_path / "run", data_dir=folder, progress=False)
    assert not (tmp_path / "run").exists()


def test_oracle_needs_bundled_data():
    raw = _raw(data__source="uci_heart", data__folder="heart")
    raw["learner"] = {"name": "logistic"}
    with pytest.raises(ConfigError, match=r"^experiment\.distillers: 'oracle' needs the complete table; only data\.source"):
        parse_tabular_config(raw)


def test_a_task_unaware_method_is_handed_the_unaware_view(tmp_path, monkeypatch):
    from pinndd.tabular import DistributionMatching
    from pinndd.task import TaskAwarenessError

    seen, distill = [], DistributionMatching.distill

    def spy(self, task, budget, **kwargs):
        seen.append(task)
        return distill(self, task, budget, **kwargs)

    monkeypatch.setattr(DistributionMatching, "distill", spy)
    raw = _raw(experiment__splits=["per_site"], experiment__distillers=["site_alone", "distribution_matching"])
    raw["distiller"] = {"distribution_matching": {"steps": 3}}
    run_tabular_experiment(raw, tmp_path / "run", progress=False)
    assert len(seen) == 1
    with pytest.raises(TaskAwarenessError):
        seen[0].target_family()
