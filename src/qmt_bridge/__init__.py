"""qmt-bridge: miniQMT's xtquant over HTTP/WebSocket, with a stdlib-only client.

Importing this package loads only the client (standard library); the server lives in
``qmt_bridge.server`` and is never imported from here.
"""

from qmt_bridge._version import __version__
from qmt_bridge.client import QMTClient

__all__ = ["QMTClient", "__version__"]
