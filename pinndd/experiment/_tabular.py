"""Run a tabular experiment from its config and write the results folder.

Grid: seeds x splits x folds x methods x budgets. For every cell the method
sees the training rows only; the evaluator trains the one downstream learner on
its table(s) and scores each site's held-out rows. Everything is computed
before anything is written, so a bad input leaves no half-written folder.

With ``experiment.evaluate_on = "development"`` each seed first drops the rows
that the ``per_site`` split of that seed holds out for testing, and the whole
protocol runs on what is left: settings are then chosen without touching a
test row of that seed (for method development; the numbers to report come
from ``"test"``, the default).

Results folder::

    config.toml     the config that ran
    summary.csv     one row per (dataset, split, method, budget, seed, site)
    aggregate.csv   the same aggregated over sites by each reported risk measure
    metrics.nc      per-site metrics as an xarray Dataset
    figures/*.png   see :mod:`.figures`
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pinndd import io, results
from pinndd.errors import ConfigError
from pinndd.seeds import TABULAR_EVAL_SEED_OFFSET

from ..tabular import METRICS, MergeTask, evaluate_table, load_bundled, load_heart_disease, split_sites
from ..tabular.evaluate import metric_names
from ._tabular_config import parse_tabular_config

__all__ = ["run_tabular_experiment", "aggregate_sites", "load_config_data"]

log = logging.getLogger(__name__)


def load_config_data(cfg):
    """Load the sources a config names.

    Returns
    -------
    (str, tuple of Source, tuple of Source or None, str)
        Dataset label, the sites, their complete counterparts (bundled only)
        and the prediction kind (``"classification"`` or ``"regression"``).
    """
    if cfg.data_source == "uci_heart":
        sources = load_heart_disease(cfg.folder, sites=cfg.sites, min_observed=cfg.min_observed)
        return "heart_disease", sources, None, "classification"
    data = load_bundled(cfg.table, n_sites=cfg.n_sites, n_core=cfg.n_core, seed=cfg.split_seed,
                        blocks=cfg.blocks)
    return f"bundled_{cfg.table}", data.sources, data.full, data.kind


def _per_site_split(sources, full, cfg, seed):
    """Seed ``seed``'s ``per_site`` split: (training sources, held-out sources, complete training sources)."""
    strat = cfg.learner.kind == "classification"
    train, test = split_sites(sources, cfg.test_fraction, seed=seed, stratify=strat)
    full_train = split_sites(full, cfg.test_fraction, seed=seed, stratify=strat)[0] if full else None
    return train, test, full_train


def development_sources(sources, full, cfg, seed):
    """The sites without the rows that seed ``seed``'s ``per_site`` split holds out for testing.

    Returns
    -------
    (tuple of Source, tuple of Source or None)
        The remaining rows of ``sources`` and of their complete counterparts ``full``.
    """
    train, _, full_train = _per_site_split(sources, full, cfg, seed)
    return train, full_train


def _folds(split, sources, full, cfg, seed):
    """Yield (training sources, held-out sources, complete training sources) per fold."""
    if cfg.evaluate_on == "development":
        sources, full = development_sources(sources, full, cfg, seed)
    if split == "per_site":
        yield _per_site_split(sources, full, cfg, seed)
        return
    for k in range(len(sources)):
        keep = [i for i in range(len(sources)) if i != k]
        yield (tuple(sources[i] for i in keep), (sources[k],),
               tuple(full[i] for i in keep) if full else None)


def _cells(cfg):
    """(name, budget, distiller) of every method run on a fold: a budget-free method once, with budget 0."""
    for name, distiller in cfg.methods:
        if distiller.budgeted:
            yield from ((name, m, distiller) for m in cfg.budgets)
        else:
            yield name, 0, distiller


def _run_grid(cfg, task, dataset, sources, full, progress):
    from tqdm.auto import tqdm

    cells = list(_cells(cfg))
    n_folds = sum(1 if s == "per_site" else len(sources) for s in cfg.splits)
    bar = tqdm(total=len(cfg.seeds) * n_folds * len(cells), disable=not progress, desc=f"tabular {cfg.name}")
    rows = []
    for seed in cfg.seeds:
        for split in cfg.splits:
            for train, test, full_train in _folds(split, sources, full, cfg, seed):
                train_task = task.with_sources(train, complete=full_train)
                for method, m, distiller in cells:
                    start = time.perf_counter()
                    tables = distiller.distill(distiller.sees(train_task), m, seed=seed)
                    seconds = time.perf_counter() - start
                    for r in evaluate_table(task, tables, test, seed=seed + TABULAR_EVAL_SEED_OFFSET):
                        n_train = len(tables.y) if not isinstance(tables, dict) else len(tables[r["site"]].y)
                        rows.append({"dataset": dataset, "split": split, "method": method, "budget": m,
                                     "seed": seed, **r, "n_train": n_train, "distill_s": seconds})
                    bar.update()
    bar.close()
    return pd.DataFrame(rows)


def aggregate_sites(summary: pd.DataFrame, risks, metrics) -> pd.DataFrame:
    """Aggregate per-site metrics over sites by each risk measure.

    A metric where larger is better (AUROC, accuracy) is aggregated as a loss
    (its negative), so ``max`` gives the worst site and ``cvar`` the mean of
    the worst sites. Sites with an undefined metric (NaN) are left out.

    Parameters
    ----------
    summary : pandas.DataFrame
        Per-site rows as in ``summary.csv``.
    risks : sequence of RiskMeasure
    metrics : sequence of str

    Returns
    -------
    pandas.DataFrame
        One row per (dataset, split, method, budget, seed, risk).
    """
    keys = ["dataset", "split", "method", "budget", "seed"]
    out = []
    for key, group in summary.groupby(keys, sort=False):
        for risk in risks:
            row = dict(zip(keys, key), risk=risk.label, n_sites=len(group))
            for metric in metrics:
                values = group[metric].to_numpy(dtype=float)
                values = values[np.isfinite(values)]
                sign = -1.0 if METRICS[metric][1] else 1.0
                row[metric] = sign * float(risk(sign * values)) if values.size else float("nan")
            out.append(row)
    return pd.DataFrame(out)


def _to_xarray(summary: pd.DataFrame, metrics, attrs):
    frame = summary.set_index(["split", "method", "budget", "seed", "site"])[list(metrics) + ["n_test"]]
    ds = frame.to_xarray()
    for metric in metrics:
        ds[metric].attrs["long_name"] = metric
    ds["n_test"].attrs["long_name"] = "held-out patients"
    ds["budget"].attrs["long_name"] = "synthetic rows m (0 = all training rows)"
    ds.attrs.update(attrs)
    return ds


def run_tabular_experiment(raw: dict, out_dir, *, data_dir=None, progress: bool = True,
                           config_text: str | None = None) -> Path:
    """Run the tabular experiment described by ``raw`` and write its results folder.

    Parameters
    ----------
    raw : dict
        The whole parsed TOML config; ``[experiment] kind = "tabular"``.
    out_dir : path-like
        Results folder (created).
    data_dir : path-like, optional
        Data folder overriding ``data.folder`` (the CLI's ``--data``).
    progress : bool, optional
        Show a tqdm progress bar.
    config_text : str, optional
        The config file's text, copied verbatim to ``config.toml``; otherwise
        ``raw`` is written back as TOML.

    Returns
    -------
    pathlib.Path
        ``out_dir``.

    Raises
    ------
    ConfigError
        For a bad config. :class:`~pinndd.errors.DataError` for bad data.
    """
    from importlib.metadata import version as _version

    from ..plot import render_tabular_figures

    version = _version("pinndd")

    cfg = parse_tabular_config(raw, data_dir=data_dir)
    text = config_text if config_text is not None else io.dump_toml(raw)
    existing = results.config_path(out_dir)
    if existing.exists() and existing.read_text() != text:
        raise ConfigError(f"{out_dir} holds results of a different config; choose another --out folder or remove it")
    dataset, sources, full, kind = load_config_data(cfg)
    if kind != cfg.learner.kind:
        raise ConfigError(f"learner.name {cfg.learner.name!r} is a {cfg.learner.kind} learner but {dataset!r} "
                          f"is a {kind} task")
    task = MergeTask(sources, cfg.learner, cfg.metric, cfg.risk, cfg.deploy, cfg.population)
    summary = _run_grid(cfg, task, dataset, sources, full, progress)
    metrics = metric_names(kind)
    aggregate = aggregate_sites(summary, cfg.report_risks, metrics)
    attrs = {"dataset": dataset, "experiment": cfg.name, "learner": cfg.learner.name, "metric": cfg.metric,
             "deploy": cfg.deploy, "risk": cfg.risk.label, "headline_budget": cfg.headline_budget,
             "evaluate_on": cfg.evaluate_on, "population": cfg.population,
             "pinndd_version": version}
    dataset_xr = _to_xarray(summary, metrics, attrs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with results.exclusive(out_dir):
        results.prepare(out_dir, text)
        io.write_csv(summary, results.summary_path(out_dir))
        io.write_csv(aggregate, results.aggregate_path(out_dir))
        io.write_netcdf(dataset_xr, results.site_metrics_path(out_dir))
        render_tabular_figures(out_dir)
    log.info("tabular experiment %s written to %s", cfg.name, out_dir)
    return out_dir
