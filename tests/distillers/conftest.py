"""Fixtures shared by the distiller tests."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """Small networks run fastest on one thread, and the test machines are shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
