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
        "experiment": {"kind": "tabular", "name": "tiny", "seeds": 1, "splits": ["per_site", "loso"]},
        "data": {"source": "bundled", "table": "diabetes", "n_sites": 3},
        "learner": {"name": "ridge", "alpha": 1.0},
        "task": {"risk": "max", "report_risks": ["mean", "max"]},
        "methods": {"baselines": ["site_alone", "pooled_mean", "oracle"], "distillers": ["task"],
                    "budgets": [15]},
        "distillers": {"task": {"steps": 10, "check_every": 5, "init_steps": 20, "prox": [0.1]}},
    }
    for key, value in over.items():
        section, name = key.split("__")
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
    ({"data__colour": "red"}, r"unknown key data\.colour; allowed in \[data\]"),
    ({"methods__distillers": ["kip"]}, r"methods\.distillers: unknown name 'kip'; allowed"),
    ({"task__metric": "auroc"}, r"task\.metric: 'auroc' does not fit the regression learner"),
    ({"task__risk": "worst"}, r"task\.risk: unknown risk 'worst'"),
    ({"experiment__seeds": 0}, r"experiment\.seeds must be a positive integer"),
    ({"learner__gamma": 2.0}, r"unknown key learner\.gamma for learner 'ridge'"),
    ({"data__source": "uci_heart"}, r"data\.folder is required"),
    ({"task__population": "everyone"}, r"task\.population: unknown name 'everyone'; allowed"),
    ({"experiment__evaluate_on": "validation"}, r"experiment\.evaluate_on: unknown name 'validation'; allowed"),
    ({"methods__baselines": ["site_alone", "site_alone"]}, r"methods\.baselines has duplicate entries"),
    ({"experiment__seeds": [0, 0]}, r"experiment\.seeds must be distinct non-negative integers"),
    ({"methods__budgets": [20, 10**12]}, r"methods\.budgets must be distinct and at most 1,000,000 rows"),
    ({"methods__distillers": ["site_alone"]}, r"methods\.distillers: 'site_alone' is also listed in methods\.baselines"),
    ({"distillers__task": {"steps": 0}}, r"^distillers\.task: distiller 'task': steps must lie in \[1, None\], got 0$"),
    ({"distillers__pooled_knn": {}}, r"\[distillers\.pooled_knn\] configures a method not listed in methods\.baselines"),
])
def test_bad_config_is_one_clear_error_and_writes_nothing(tmp_path, over, message):
    raw = _raw(**over)
    if over.get("data__source") == "uci_heart":
        raw["learner"] = {"name": "logistic"}
        raw["methods"]["baselines"] = ["site_alone"]
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
    raw["distillers"]["task"]["temperature"] = 2
    with pytest.raises(ConfigError, match=r"^distillers\.task: unknown option 'temperature' for distiller 'task'; allowed: "):
        parse_tabular_config(raw)


def test_broken_heart_folder_writes_nothing(heart_dir, tmp_path):
    folder = tmp_path / "heart"
    shutil.copytree(heart_dir, folder)
    (folder / "processed.switzerland.data").chmod(0o644)
    (folder / "processed.switzerland.data").write_text("32,1,1,95,0,?,0,127,0,.7,1,?,?\n")
    raw = _raw(data__source="uci_heart")
    raw["learner"] = {"name": "logistic"}
    raw["methods"]["baselines"] = ["site_alone"]
    with pytest.raises(DataError, match=r"processed\.switzerland\.data: line 1 has 13 fields"):
        run_tabular_experiment(raw, tmp_path / "run", data_dir=folder, progress=False)
    assert not (tmp_path / "run").exists()


def test_oracle_needs_bundled_data():
    raw = _raw(data__source="uci_heart", data__folder="heart")
    raw["learner"] = {"name": "logistic"}
    with pytest.raises(ConfigError, match=r"^methods\.baselines: 'oracle' needs the complete table; only data\.source"):
        parse_tabular_config(raw)


def test_a_task_unaware_method_is_handed_the_unaware_view(tmp_path, monkeypatch):
    from pinndd.tabular import DistributionMatching
    from pinndd.task import TaskAwarenessError

    seen, distill = [], DistributionMatching.distill

    def spy(self, task, budget, **kwargs):
        seen.append(task)
        return distill(self, task, budget, **kwargs)

    monkeypatch.setattr(DistributionMatching, "distill", spy)
    raw = _raw(experiment__splits=["per_site"], methods__baselines=["site_alone"],
               methods__distillers=["distribution_matching"])
    raw["distillers"] = {"distribution_matching": {"steps": 3}}
    run_tabular_experiment(raw, tmp_path / "run", progress=False)
    assert len(seen) == 1
    with pytest.raises(TaskAwarenessError):
        seen[0].target_family()
