"""The one error the simulator raises for what it does not simulate."""

from __future__ import annotations


class SimUnsupportedError(Exception):
    """The call needs data or a part of a QMT client that the simulator does not have. Raised instead of
    answering empty, so that a script does not carry on without data."""
