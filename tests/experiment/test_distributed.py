"""The local Dask cluster that ``pinndd run --workers N`` starts."""

import os

import dask
import distributed  # noqa: F401  (registers the ``distributed`` config)

from pinndd.experiment._distributed import _client, worker_environ

_KEYS = ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")


def _environ():
    return {key: os.environ.get(key) for key in _KEYS}


def test_worker_environ_drops_only_the_malloc_variable():
    dask_default = dask.config.get("distributed.nanny.pre-spawn-environ")
    assert "MALLOC_TRIM_THRESHOLD_" in dask_default  # what the fix is about; if Dask drops it, so can we
    ours = worker_environ()
    assert "MALLOC_TRIM_THRESHOLD_" not in ours
    assert ours == {k: v for k, v in dask_default.items() if k != "MALLOC_TRIM_THRESHOLD_"}


def test_local_workers_start_without_the_malloc_variable_and_config_is_restored(monkeypatch):
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    before = dask.config.get("distributed.nanny.pre-spawn-environ")
    client, cluster = _client(1, None)
    try:
        (seen,) = client.run(_environ).values()
    finally:
        client.close()
        cluster.close()
    assert seen == {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1"}
    assert dask.config.get("distributed.nanny.pre-spawn-environ") == before
