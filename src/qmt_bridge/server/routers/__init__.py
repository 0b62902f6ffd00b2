"""All routers, registered in one list."""

from qmt_bridge.server.routers import calendar, instrument, legacy, market, meta, sector

#: Always reachable without an API key.
OPEN_ROUTERS = [meta.health_router]

#: Data routers; they require the API key when QMT_BRIDGE_REQUIRE_AUTH_FOR_DATA is on.
ROUTERS = [
    legacy.router,
    market.router,
    calendar.router,
    instrument.router,
    meta.router,
    sector.router,
]
