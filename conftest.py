"""Test-wide settings: figures render off-screen. benchkit and its built-in plugins are imported as
installed packages (``pip install -e ".[dev]"``), never from path patching."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
