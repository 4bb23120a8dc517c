"""Errors benchkit raises: one base class so callers can catch everything we mean to say."""

from __future__ import annotations


class BenchkitError(Exception):
    """A problem with the user's input or set-up, worded so the user knows what to fix."""


class SchemaError(BenchkitError):
    """A table does not fit its schema, or a schema file is malformed."""


class DataError(BenchkitError):
    """A data file is missing, unreadable or unusable (empty, wrong separator, ...)."""


class PluginError(BenchkitError):
    """A plugin failed to load, registered a clashing name, or misbehaved."""


class PluginInactive(BenchkitError):
    """Raised by a plugin's hook to say it registers nothing here, and why (e.g. a missing optional
    dependency). Not a fault: ``benchkit list`` shows the reason under "Inactive plugins"."""


class UnknownNameError(PluginError, KeyError):
    """A generator, metric or dataset name that nothing registered."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class UnsupportedKindError(DataError):
    """A table has a column of a kind the generator does not declare in ``supported_kinds``."""


class NotFittedError(BenchkitError):
    """``sample`` was called on a generator before ``fit``."""
