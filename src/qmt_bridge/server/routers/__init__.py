"""All routers, registered in one list; every /api operation declares its error responses."""

from fastapi.routing import APIRoute

from qmt_bridge.server.error_schema import DATA_ERRORS, TRADING_ERRORS
from qmt_bridge.server.routers import (
    calendar,
    compat,
    credit,
    download,
    download_jobs,
    financial,
    funds,
    futures,
    hk,
    instrument,
    legacy,
    market,
    meta,
    option,
    planned,
    sector,
    smart_algo,
    tick,
    trading,
    trading_calls,
    transfers,
    ws,
    ws_download,
    ws_trade,
)

#: Reachable without the data key: health, the planned endpoints (they only answer 501), trading (its own
#: dependency always requires the key or a signature), and the WebSocket streams, which check the key
#: themselves (header or first message). The app registers ``ws.fallback_router`` after all of them: its
#: catch-all answers the WebSocket handshakes no route took.
OPEN_ROUTERS = [
    meta.health_router,
    planned.router,
    trading.router,
    trading_calls.router,
    smart_algo.router,
    credit.router,
    transfers.router,
    ws_trade.router,
    ws_download.router,
    ws.router,
]

#: Data routers; they require the API key when QMT_BRIDGE_REQUIRE_AUTH_FOR_DATA is on.
ROUTERS = [
    legacy.router,
    market.router,
    tick.router,
    sector.router,
    calendar.router,
    financial.router,
    instrument.router,
    option.router,
    funds.etf_router,
    funds.cb_router,
    futures.router,
    hk.router,
    meta.router,
    download.router,
    download_jobs.router,
    compat.router,  # last: qmt-bridge 2.1.3's names of the same operations
]


#: Paths that need the trading key (or a signature), and answer the trader's errors.
TRADING_PREFIXES = ("/api/trading/", "/api/fund/", "/api/bank/")


def _declare_errors() -> None:
    """Every /api operation lists the error statuses it can answer, each with the one error shape
    (:mod:`qmt_bridge.server.error_schema`); done here once, so that every way of registering the routes
    shows them."""
    for router in [*OPEN_ROUTERS, *ROUTERS]:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path.startswith("/api/"):
                errors = TRADING_ERRORS if route.path.startswith(TRADING_PREFIXES) else DATA_ERRORS
                route.responses = {**errors, **route.responses}


_declare_errors()
