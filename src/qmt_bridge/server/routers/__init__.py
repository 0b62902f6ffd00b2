"""All routers, registered in one list."""

from qmt_bridge.server.routers import calendar, instrument, legacy, market, meta, sector

ROUTERS = [
    legacy.router,
    market.router,
    calendar.router,
    instrument.router,
    meta.router,
    sector.router,
]
