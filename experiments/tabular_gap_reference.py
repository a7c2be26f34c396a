"""How much of the bundled oracle gap can any method that sees only the masked rows close?

The bundled target asks ``task`` to close half the gap between the best
imputation baseline and the all-features oracle. This script measures two
reference estimators that use the masked training rows in the statistically
most efficient ways we know for a linear learner, on exactly the quickstart's
sites, splits and seeds:

- ``em``: the maximum-likelihood mean and covariance of (features, target)
  under a multivariate normal model, by EM over the missing entries (the
  target is always observed, so it informs the missing features); each site's
  ridge regression is then solved from those moments on the site's features;
- ``available_case``: the same regression from pairwise-complete moments
  (projected to the nearest positive-definite correlation matrix).

It prints, per seed and on average, the share of the kNN-to-oracle gap each
closes. Neither is a pinndd method; they bound what the data hold.

Run:  OMP_NUM_THREADS=1 python experiments/tabular_gap_reference.py
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from pinndd.distillers import get_distiller
from pinndd.tabular import LearnerSpec, MergeTask, load_bundled, split_sites
from pinndd.tabular.baselines import pooled
from pinndd.tabular.evaluate import evaluate_table


def em_moments(z: np.ndarray, iters: int = 200):
    """Normal-model maximum-likelihood mean and covariance of ``z`` (shape ``(n, p)``, NaN = missing)."""
    n, p = z.shape
    miss = np.isnan(z)
    mu, cov = np.nanmean(z, 0), np.diag(np.nanvar(z, 0))
    for _ in range(iters):
        s1, s2 = np.zeros(p), np.zeros((p, p))
        for pattern in np.unique(miss, axis=0):
            rows = np.all(miss == pattern, axis=1)
            m, o = pattern, ~pattern
            filled = np.zeros((rows.sum(), p))
            filled[:, o] = z[rows][:, o]
            extra = np.zeros((p, p))
            if m.any():
                coef = cov[np.ix_(m, o)] @ np.linalg.inv(cov[np.ix_(o, o)])
                filled[:, m] = mu[m] + (z[rows][:, o] - mu[o]) @ coef.T
                extra[np.ix_(m, m)] = cov[np.ix_(m, m)] - coef @ cov[np.ix_(o, m)]
            s1 += filled.sum(0)
            s2 += filled.T @ filled + rows.sum() * extra
        mu = s1 / n
        cov = s2 / n - np.outer(mu, mu)
    return mu, cov


def available_case_moments(z: np.ndarray):
    """Pairwise-complete mean and covariance, projected to a positive-definite correlation."""
    frame = pd.DataFrame(z)
    cov = frame.cov().to_numpy()
    sd = np.sqrt(np.diag(cov))
    vals, vecs = np.linalg.eigh(cov / np.outer(sd, sd))
    corr = (vecs * np.clip(vals, 1e-3, None)) @ vecs.T
    return frame.mean().to_numpy(), corr * np.outer(sd, sd)


def ridge_from_moments(mu, cov, idx, n, alpha):
    """Ridge on standardised features ``idx`` from moments of (features, target); returns a predictor."""
    sd = np.sqrt(np.diag(cov)[idx])
    corr = cov[np.ix_(idx, idx)] / np.outer(sd, sd)
    w = np.linalg.solve(n * corr + alpha * np.eye(len(idx)), n * cov[idx, -1] / sd)
    return lambda x: mu[-1] + ((x - mu[idx]) / sd) @ w


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(Path(__file__).with_name("tabular_quickstart.toml")))
    args = parser.parse_args(argv)
    cfg = tomllib.loads(Path(args.config).read_text())
    data_cfg, exp = cfg["data"], cfg["experiment"]
    data = load_bundled(data_cfg["table"], n_sites=data_cfg["n_sites"], n_core=data_cfg["n_core"],
                        seed=data_cfg["split_seed"], blocks=data_cfg["blocks"])
    alpha = float(cfg["learner"].get("alpha", 1.0))
    task = MergeTask(data.sources, LearnerSpec("ridge", (("alpha", alpha),)), "rmse")
    cols = task.columns
    rows = []
    for seed in range(exp["seeds"]):
        train, test = split_sites(data.sources, exp["test_fraction"], seed=seed, stratify=False)
        full_train = split_sites(data.full, exp["test_fraction"], seed=seed, stratify=False)[0]
        sub = task.with_sources(train, complete=full_train)
        row = {"seed": seed}
        for name in ("pooled_knn", "oracle"):
            table = get_distiller(name, kind="tabular").distill(sub.unaware_view(), 0, seed=seed)
            row[name] = np.mean([r["rmse"] for r in evaluate_table(sub, table, test)])
        table = pooled(train, cols)
        joint = np.column_stack([table.x, table.y])
        for name, moments in (("em", em_moments), ("available_case", available_case_moments)):
            mu, cov = moments(joint)
            errors = []
            for site in test:
                idx = [cols.index(c) for c in site.features]
                predict = ridge_from_moments(mu, cov, idx, len(joint), alpha)
                errors.append(np.sqrt(np.mean((predict(site.matrix(cols)[:, idx]) - site.labels()) ** 2)))
            row[name] = float(np.mean(errors))
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("seed")
    gap = frame["pooled_knn"] - frame["oracle"]
    for name in ("em", "available_case"):
        frame[f"{name} closes"] = (frame["pooled_knn"] - frame[name]) / gap
    print(frame.round(3).to_string())
    mean_gap = gap.mean()
    for name in ("em", "available_case"):
        closed = (frame["pooled_knn"] - frame[name]).mean() / mean_gap
        print(f"{name}: RMSE {frame[name].mean():.3f}, closes {closed:.0%} "
              f"of the mean gap {mean_gap:.3f} (pooled_knn {frame['pooled_knn'].mean():.3f}, "
              f"oracle {frame['oracle'].mean():.3f})")


if __name__ == "__main__":
    main()
