"""Version of the qmt-bridge distribution."""

__version__ = "0.1.0"
