"""Where benchkit's bundled folders live, in a source checkout, an editable install or a wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import BenchkitError

_PACKAGE = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    """The folder ``report_templates``.

    A wheel carries them inside the package (``benchkit/_resources/NAME``); a source checkout and an
    editable install find them beside the package, at the repository root.
    """
    if name != "report_templates":
        raise BenchkitError(f"unknown resource folder {name!r}")
    for candidate in (_PACKAGE / "_resources" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise BenchkitError(
        f"benchkit's {name!r} folder was not found beside {_PACKAGE}; the installation is "
        "incomplete: reinstall benchkit (pip install benchkit, or pip install -e . in a checkout)"
    )
