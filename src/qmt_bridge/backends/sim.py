"""The simulator backend: ``qmt_bridge.sim`` behind the same contract as the real xtquant."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qmt_bridge.sim.clock import CST, SimClock, last_weekday_before

log = logging.getLogger("qmt_bridge.sim")


#: The paper account the simulator trades when no ``--account-id`` is given.
SIM_DEFAULT_ACCOUNT = "SIM000001"


def paper_accounts(settings: Any) -> tuple[list[str], list[str]]:
    """The paper broker's (stock, credit) account ids: ``--account-id`` (``ID:CREDIT`` for credit accounts),
    or the default stock account."""
    accounts = settings.trading_accounts() or {SIM_DEFAULT_ACCOUNT: "STOCK"}
    return (
        [a for a, kind in accounts.items() if kind == "STOCK"],
        [a for a, kind in accounts.items() if kind == "CREDIT"],
    )


class SimBackend:
    """A deterministic simulated market (see ``qmt_bridge.sim``)."""

    name = "sim"
    max_concurrency = 4
    #: Its "local cache" holds every bar it serves: history needs no download before a read.
    history_on_demand = False

    def __init__(
        self,
        seed: int = 20240101,
        clock: SimClock | None = None,
        data_dir: Path | None = None,
        *,
        starting_cash: float = 1_000_000.0,
        account_ids: Sequence[str] = (SIM_DEFAULT_ACCOUNT,),
        credit_account_ids: Sequence[str] = (),
        commission_rate: float = 0.00025,
        min_commission: float = 5.0,
        stamp_duty_rate: float = 0.0005,
        transfer_fee_rate: float = 0.00001,
        local_cache: str = "complete",
        download_seconds: float = 0.0,
    ) -> None:
        self.seed = seed
        self.clock = clock or SimClock()
        self.data_dir = data_dir
        self._xtdata: Any = None
        #: The paper-trading counter's configuration (``qmt_bridge.sim.broker``).
        self.starting_cash = starting_cash
        self.account_ids = tuple(account_ids)
        #: The paper accounts that are credit accounts (融资融券): ``--account-id ID:CREDIT``.
        self.credit_account_ids = tuple(credit_account_ids)
        self.commission_rate = commission_rate
        self.min_commission = min_commission
        self.stamp_duty_rate = stamp_duty_rate
        self.transfer_fee_rate = transfer_fee_rate
        #: ``complete`` or ``downloaded`` (MiniQMT's local cache: ``qmt_bridge.sim.local_cache``). In the
        #: ``downloaded`` mode the server downloads history on demand, as on MiniQMT.
        self.local_cache = local_cache
        self.history_on_demand = local_cache == "downloaded"
        self.download_seconds = download_seconds
        self._broker: Any = None
        self._broker_lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """An unstarted copy (for a backend process: ``qmt_bridge.backends.isolation``); the clock goes with
        it, so both processes see the same simulated moment."""
        if self._xtdata is not None:
            raise TypeError("a started SimBackend cannot be copied to another process")
        return {k: v for k, v in self.__dict__.items() if k not in ("_broker_lock", "_broker", "_xtdata")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _xtdata=None, _broker=None, _broker_lock=threading.Lock())

    @classmethod
    def from_settings(cls, settings: Any) -> SimBackend:
        stock, credit = paper_accounts(settings)
        clock = SimClock("live")
        if settings.sim_clock == "replay":
            day = settings.sim_replay_date or last_weekday_before(time.time())
            start = dt.datetime.combine(day, settings.sim_replay_time, CST)
            clock = SimClock("replay", replay_start=start, speed=settings.sim_replay_speed)
        return cls(
            seed=settings.sim_seed,
            clock=clock,
            data_dir=Path(settings.data_dir),
            starting_cash=settings.sim_starting_cash,
            account_ids=stock,
            credit_account_ids=credit,
            commission_rate=settings.sim_commission_rate,
            min_commission=settings.sim_min_commission,
            stamp_duty_rate=settings.sim_stamp_duty_rate,
            transfer_fee_rate=settings.sim_transfer_fee_rate,
            local_cache=settings.sim_local_cache,
            download_seconds=settings.sim_download_seconds,
        )

    @property
    def xtdata(self) -> Any:
        if self._xtdata is None:
            self.start()
        return self._xtdata

    def start(self) -> None:
        if self._xtdata is not None:
            return
        from qmt_bridge.backends.base import BackendStartError
        from qmt_bridge.sim.data_api import SimXtData
        from qmt_bridge.sim.local_cache import LocalCache
        from qmt_bridge.sim.market.calendar import calendar_for
        from qmt_bridge.sim.market.custom_sectors import CustomSectorsFileError
        from qmt_bridge.sim.market.market import SimMarket

        today = self.clock.today()
        calendar = calendar_for(today)
        if not calendar.first_covered <= today <= calendar.last_covered:
            raise BackendStartError(
                f"the simulator's clock is at {today}, outside its trading calendar "
                f"({calendar.first_covered}..{calendar.last_covered}); choose a replay date inside it "
                "(later years come with a qmt-bridge release that records their holidays)"
            )
        if calendar.provisional_from is not None and today >= calendar.provisional_from:
            log.warning(
                "this qmt-bridge has no announced holidays for %d: the simulator closes on estimated ones "
                "(statutory festivals and their usual bridges; a later release records the announced ones)",
                calendar.provisional_from.year,
            )
        try:
            market = SimMarket(seed=self.seed, clock=self.clock, data_dir=self.data_dir)
        except CustomSectorsFileError as exc:
            raise BackendStartError(str(exc)) from exc
        xtdata = SimXtData(market)
        if self.local_cache == "downloaded":
            xtdata.local_cache = LocalCache(self.data_dir / "sim" if self.data_dir is not None else None)
        xtdata.download_seconds = self.download_seconds
        self._xtdata = xtdata

    def stop(self) -> None:
        """Close the paper-trading counter if one was opened (its matching thread; traders get
        ``on_disconnected``) and end the simulated market's subscriptions (their pusher threads), as a
        stopped MiniQMT client drops its subscriptions."""
        with self._broker_lock:
            broker, self._broker = self._broker, None
        if broker is not None:
            broker.close()
        if self._xtdata is not None:
            self._xtdata._end_subscriptions()

    @property
    def broker(self) -> Any:
        """The paper-trading counter (:class:`qmt_bridge.sim.broker.SimBroker`), opened on first use: one per
        backend, its state in ``data_dir/sim_broker.sqlite3`` (in memory without a ``data_dir``)."""
        with self._broker_lock:
            if self._broker is None:
                from qmt_bridge.sim.broker import FeeSchedule, SimBroker

                fees = FeeSchedule(
                    commission_rate=self.commission_rate,
                    min_commission=self.min_commission,
                    stamp_duty_rate=self.stamp_duty_rate,
                    transfer_fee_rate=self.transfer_fee_rate,
                )
                db_path = Path(self.data_dir) / "sim_broker.sqlite3" if self.data_dir is not None else None
                self._broker = SimBroker(
                    self.xtdata,
                    self.clock,
                    db_path=db_path,
                    account_ids=self.account_ids,
                    credit_account_ids=self.credit_account_ids,
                    starting_cash=self.starting_cash,
                    fees=fees,
                )
            return self._broker

    def new_trader(self, path: str, session_id: int) -> Any:
        """A new ``XtQuantTrader(path, session_id)`` (``qmt_bridge.sim.xttrader``) on :attr:`broker`, not
        started. Unlike xtquant's, its constructor leaves the calling thread's event loop alone."""
        from qmt_bridge.sim.xttrader import XtQuantTrader

        return XtQuantTrader(path, session_id, broker=self.broker)

    def make_account(self, account_id: str, account_type: str = "STOCK") -> Any:
        """``StockAccount(account_id, account_type)`` (``qmt_bridge.sim.xttype``); ``ValueError`` saying why
        for an id that is not a string or an unknown account type, as the xtquant backend does."""
        from qmt_bridge.sim.xttype import StockAccount

        try:
            account = StockAccount(account_id, account_type)
        except Exception as exc:
            raise ValueError(f"account type {account_type!r} is not supported by xtquant: {exc}") from None
        if isinstance(account, str):
            raise ValueError(f"invalid account id {account_id!r}: {account}")
        return account

    def version(self) -> str:
        from qmt_bridge._version import __version__

        return f"qmt_bridge.sim {__version__} (xtquant 250807 API)"

    def is_connected(self) -> bool:
        return self._xtdata is not None

    def today(self) -> dt.date:
        return self.clock.today()

    def holidays_estimated_from(self) -> dt.date | None:
        """1 January of the year after the recorded holidays: the simulator's calendar reaches one year
        further, on estimated holidays (``qmt_bridge.sim.market.calendar.provisional_calendar``)."""
        from qmt_bridge.sim.market.calendar import provisional_calendar

        return provisional_calendar().provisional_from
