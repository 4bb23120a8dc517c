"""Errors benchkit raises: one base class so callers can catch everything we mean to say."""

from __future__ import annotations


class BenchkitError(Exception):
    """A problem with the user's input or set-up, worded so the user knows what to fix."""


class SchemaError(BenchkitError):
    """A table does not fit its schema, or a schema file is malformed."""


class DataError(BenchkitError):
    """A data file is missing, unreadable or unusable (empty, wrong separator, ...)."""


class RecordError(DataError):
    """A stored record (a line of a results file) with a field its type does not know, or without a
    required one: a misspelt or hand-edited name, or a file of another version."""

    @classmethod
    def of_fields(cls, where: str, what: str, unknown: list[str], missing: list[str], known) -> "RecordError":
        """The error naming the unknown and missing fields of a ``what`` at ``where`` (e.g. ``path:line``)."""
        parts = []
        if unknown:
            parts.append(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}")
        if missing:
            parts.append(f"missing field{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}")
        return cls(f"{where}: a {what} with {' and '.join(parts)}; the fields are: {', '.join(sorted(known))} "
                   "(a misspelt field, or a file written by another benchkit version: fix or remove that line)")


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
