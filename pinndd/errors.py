"""Exceptions a caller may want to catch.

Every message is one line that names the offending key, file or value and says
what is allowed. The CLI turns these into exit status 2 without a traceback.
"""

__all__ = ["PinnddError", "ConfigError", "DataError", "DivergenceError"]


class PinnddError(Exception):
    """Base class of pinndd's own errors."""


class ConfigError(PinnddError, ValueError):
    """An experiment config has an unknown key, an unknown name or a bad value."""


class DataError(PinnddError, ValueError):
    """An input file or table is malformed (wrong format, missing column, ...)."""


class DivergenceError(PinnddError, FloatingPointError):
    """Training produced a non-finite loss."""
