"""pytest plugin registered through the ``pytest11`` entry point (fixtures for omnilink users)."""

from __future__ import annotations

import pytest

from omnilink.testing import FakeChannel


@pytest.fixture
def fake_channel() -> FakeChannel:
    """A fresh :class:`~omnilink.testing.FakeChannel` named ``fake``."""
    return FakeChannel()
