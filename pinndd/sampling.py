"""Point sampling within a budget; the implementation lives in :mod:`pde_catalog._sampling`.

Re-exported here because every sampler and distiller of the package draws its
points this way.
"""

from pde_catalog._sampling import (
    SEQUENCES,
    blocks,
    points_from_unit,
    sample_point_arrays,
    split_budget,
    unit_sequence,
    unit_width,
)

__all__ = ["SEQUENCES", "unit_sequence", "blocks", "split_budget", "unit_width", "points_from_unit", "sample_point_arrays"]
