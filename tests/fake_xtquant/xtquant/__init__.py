"""A fake ``xtquant`` package for testing the real backend on machines without MiniQMT.

The real ``import xtquant`` pings PyPI (``check_for_update``); this one does no I/O at all. Only
``xtquant.xtdata`` (fixed hand-written data in xtquant's return shapes, ``shared/xtquant-api.md`` §1) and
the trader modules ``xttrader``, ``xttype`` and ``xtconstant`` (§2–3; a scripted counter with test hooks, see
``xttrader``'s docstring) are provided. Put ``tests/fake_xtquant`` first on ``sys.path`` to use it.
"""

__version__ = "xtquant_250807"
