"""Tabular merging: one synthetic table over the union of several sites' features.

The second application of pinndd's formal model: sources are site tables with
intersecting feature sets, the learner is a scikit-learn estimator, the target
family is each site's held-out patients seen through the features that site
measured, and the risk measure aggregates over sites. Every method (the
baselines included) is a distiller of kind ``"tabular"`` on the shared
registry: ``pinndd.get_distiller(name, kind="tabular", **options)``.
"""

from ._sources import Source, check_sources, intersection_features, union_features
from ._task import DEPLOY_MODES, METRICS, POPULATIONS, MergeTask, TargetSite
from .bundled import BLOCK_DESIGNS, BUNDLED_TABLES, BundledData, load_bundled
from .distillers import DistributionMatching, TaskDistiller
from .evaluate import SPLITS, evaluate_table, fold_sites, score, split_sites
from .heart import HEART_COLUMNS, HEART_SITES, load_heart_disease, read_uci_file
from .learners import LEARNERS, LearnerSpec, TrainingSet, fit_predict

__all__ = [
    "BLOCK_DESIGNS", "BUNDLED_TABLES", "BundledData", "DEPLOY_MODES", "DistributionMatching", "HEART_COLUMNS",
    "HEART_SITES", "LEARNERS", "LearnerSpec", "METRICS", "MergeTask", "POPULATIONS", "SPLITS", "Source",
    "TargetSite", "TaskDistiller", "TrainingSet", "check_sources",
    "evaluate_table", "fit_predict", "fold_sites", "intersection_features", "load_bundled", "load_heart_disease",
    "read_uci_file", "score",
    "split_sites", "union_features",
]
