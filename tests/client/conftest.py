"""Fixtures shared by the client tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's QMT_BRIDGE_* variables out of the client tests."""
    for name in list(os.environ):
        if name.startswith("QMT_BRIDGE_"):
            monkeypatch.delenv(name)
