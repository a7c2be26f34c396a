"""Fixtures shared by the distiller tests."""

import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread(one_thread):
    """Every distiller test runs on one torch thread (see the root conftest's ``one_thread``)."""
