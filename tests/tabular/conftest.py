"""Shared fixtures: the real UCI heart-disease folder (never copied into the repo)."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEART_DIR = REPO.parent / "shared" / "data" / "heart_disease"


@pytest.fixture(scope="session")
def heart_dir() -> Path:
    if not (HEART_DIR / "processed.cleveland.data").is_file():
        pytest.skip(f"UCI heart-disease files not found under {HEART_DIR}")
    return HEART_DIR
