"""Shared fixtures: paths to ../shared/data and a fresh plugin manager per test that needs one."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchkit import plugins

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, skipping the test with a reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path} is absent (../shared/data is laid beside the repo in CI)")
    return path


@pytest.fixture
def plugin_manager():
    """The plugin manager, reset before and after the test so registrations never leak."""
    plugins.reset()
    pm = plugins.get_plugin_manager()
    yield pm
    plugins.reset()
