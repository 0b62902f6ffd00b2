"""Starting and stopping trading with the server (``--trading``): journal, service, trader manager."""

from __future__ import annotations

import logging
from pathlib import Path

from qmt_bridge.backends.base import BackendStartError
from qmt_bridge.backends.sim import SIM_DEFAULT_ACCOUNT
from qmt_bridge.server.config import Settings
from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.trading.journal import Journal
from qmt_bridge.server.trading.manager import TraderManager
from qmt_bridge.server.trading.service import TradingService

log = logging.getLogger("qmt_bridge.trading")

JOURNAL_FILE = "trading_journal.sqlite3"


def account_ids(settings: Settings, backend_name: str) -> list[str]:
    """The accounts to trade: ``--account-id`` (comma-separated for several), or the simulator's default."""
    return list(trading_accounts(settings, backend_name))


def trading_accounts(settings: Settings, backend_name: str) -> dict[str, str]:
    """``{account id: STOCK | CREDIT}`` to trade: ``--account-id``, or the simulator's default stock account."""
    configured = settings.trading_accounts()
    if configured:
        return configured
    if backend_name == "sim":
        return {SIM_DEFAULT_ACCOUNT: "STOCK"}
    raise BackendStartError(
        "trading with xtquant needs the account to trade: pass --account-id (QMT_BRIDGE_TRADING_ACCOUNT_ID)"
    )


async def start_trading(context: BackendContext) -> TradingService:
    """Open the journal, start the trader manager (it keeps reconnecting in the background when MiniQMT
    refuses the connection) and return the service."""
    settings = context.settings
    backend = context.backend
    types = trading_accounts(settings, backend.name)
    accounts = list(types)
    journal = Journal(Path(settings.data_dir) / JOURNAL_FILE)
    service = TradingService(
        context, journal, accounts, call_timeout=settings.trading_call_timeout, account_types=types
    )
    service.unknown_at_start()
    path = settings.mini_qmt_path or str(Path(settings.data_dir).resolve())
    manager = TraderManager(
        backend,
        path=path,
        account_ids=accounts,
        account_types=types,
        on_event=service.on_event,
        call_timeout=settings.trading_call_timeout,
    )
    service.attach(manager)
    await manager.start()
    log.info("trading enabled on the %s backend for account(s) %s", backend.name, ", ".join(accounts))
    return service


async def stop_trading(service: TradingService) -> None:
    await service.stop_background()
    await service.async_calls.stop()
    service.stream.close_all()
    if service.manager is not None:
        await service.manager.stop()
    service.journal.close()
