"""Shared fixtures: paths to ../shared (reference fields, the heart-disease files) and a tiny experiment config."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def heart_dir() -> Path:
    """The real UCI heart-disease files under ../shared (never copied into the repository)."""
    folder = SHARED / "data" / "heart_disease"
    if not (folder / "processed.cleveland.data").is_file():
        pytest.skip(f"UCI heart-disease files not found under {folder}")
    return folder


@pytest.fixture
def one_thread():
    """Small networks run fastest on one torch thread, and the test machines are shared."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def shared() -> Path:
    """The read-only ../shared folder beside the repository (present in CI)."""
    if not SHARED.is_dir():
        pytest.fail(f"expected the shared folder at {SHARED}")
    return SHARED


TINY_CONFIG = """
[experiment]
name = "tiny"
problems = ["heat1d"]
distillers = ["uniform", "sobol_target"]
budgets = [24, 32]
seeds = [0, 1]
splits = ["train", "ood_far"]

[learner]
width = 8
depth = 2
steps = 30
lbfgs_iters = 10
lr = 1e-3

[evaluation]
conditions_per_split = 2

[distiller.sobol_target]
method = "sobol"
family = "target"
"""


@pytest.fixture(scope="session")
def tiny_config_text() -> str:
    """TOML text of a seconds-long experiment."""
    return TINY_CONFIG
