"""Server settings: one pydantic-settings class. Precedence: CLI flags > environment / ``.env`` > defaults."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["critical", "error", "warning", "info", "debug"]

#: Account types ``--account-id`` takes (xtquant's ``StockAccount(account_id, account_type)``).
ACCOUNT_TYPES = ("STOCK", "CREDIT")


def parse_accounts(text: str) -> dict[str, str]:
    """``"8886001,8886002:CREDIT"`` -> ``{"8886001": "STOCK", "8886002": "CREDIT"}``; ``ValueError`` naming
    an unknown type, an entry without an id, or an id given two types."""
    accounts: dict[str, str] = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        account_id, _, kind = (part.strip() for part in entry.partition(":"))
        kind = kind.upper() or "STOCK"
        if not account_id:
            raise ValueError(f"account {entry!r} has no id: write ID or ID:TYPE")
        if kind not in ACCOUNT_TYPES:
            raise ValueError(f"account {entry!r}: the type must be one of {', '.join(ACCOUNT_TYPES)}")
        if accounts.setdefault(account_id, kind) != kind:
            raise ValueError(f"account {account_id} is given as {accounts[account_id]} and as {kind}")
    return accounts


class Settings(BaseSettings):
    """Everything the server reads from its environment (variables are ``QMT_BRIDGE_<NAME>``)."""

    model_config = SettingsConfigDict(
        env_prefix="QMT_BRIDGE_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        populate_by_name=True,
    )

    host: str = "0.0.0.0"
    port: int = Field(8000, ge=1, le=65535)
    log_level: LogLevel = "info"
    workers: int = Field(1, ge=1)
    api_key: SecretStr | None = None
    require_auth_for_data: bool = False
    trading_enabled: bool = False
    mini_qmt_path: str = ""
    trading_account_id: str = Field("", validation_alias="QMT_BRIDGE_TRADING_ACCOUNT_ID")

    # Beyond the seed's table.
    backend: Literal["auto", "xtquant", "sim"] = "auto"
    sim_seed: int = 20240101
    sim_clock: Literal["live", "replay"] = "live"
    sim_replay_date: dt.date | None = None
    #: When in that day the replay starts (a futures night session: 20:55).
    sim_replay_time: dt.time = dt.time(9, 15)
    sim_replay_speed: float = Field(1.0, gt=0)
    data_dir: str = "qmt_bridge_data"
    #: Seconds a connection may take to send a whole request head (slow or silent sockets are closed), and
    #: the open connections (HTTP and WebSocket) beyond which a new one is answered 503: see
    #: server/connection_guard.py.
    header_timeout: float = Field(5.0, gt=0, le=300)
    max_connections: int = Field(800, ge=1, le=100_000)
    backend_concurrency: int = Field(4, ge=1, le=64)
    #: Where the backend runs: ``process``, a child process that is replaced when it crashes or hangs (a
    #: call past its timeout plus ``backend_hang_grace`` seconds), at most ``backend_max_restarts_per_hour``
    #: times an hour; ``thread``, inside the server. ``auto``: process for xtquant, thread for the simulator
    #: (see docs/architecture.md, "Supervised backend").
    backend_isolation: Literal["auto", "process", "thread"] = "auto"
    backend_hang_grace: float = Field(5.0, gt=0, le=600)
    backend_max_restarts_per_hour: int = Field(10, ge=0, le=1000)
    backend_timeout: float = Field(30.0, gt=0)
    download_timeout: float = Field(600.0, gt=0)
    max_result_rows: int = Field(2_000_000, ge=1000)
    #: A K-line/tick request estimated at this many rows or more is *heavy*: read by chunks, encoded off the
    #: event loop and streamed, and admitted only while fewer than ``max_heavy_requests`` heavy requests
    #: (``max_heavy_per_client`` per client address) run; it waits ``heavy_wait`` seconds for a slot, then
    #: is answered 503 (or 429) with Retry-After. See server/services/bulk.py.
    heavy_rows: int = Field(20_000, ge=1)
    max_heavy_requests: int = Field(2, ge=1, le=1000)
    max_heavy_per_client: int = Field(1, ge=1, le=1000)
    heavy_wait: float = Field(15.0, ge=0, le=600)
    #: The seed's automatic pre-download (自动预下载): at start, then every interval.
    predownload: bool = True
    predownload_interval_hours: float = Field(24.0, gt=0)
    #: Background calls (the pre-download) get a worker of their own beside the interactive ones; when
    #: off, they share the interactive workers but run only while no interactive call waits.
    background_lane: bool = True
    #: Serve /api/market/full_tick from a whole-market push subscription of these markets (see
    #: services/quote_book.py); codes of other markets are asked from the backend per request.
    quote_book: bool = True
    quote_markets: str = "SH,SZ,BJ"
    #: Realtime tick streams of codes of the quote book's markets beyond this many are served from the
    #: book's whole-market push, filtered, instead of one subscribe_quote each (xtquant's advice: keep
    #: single-code subscriptions under ~50).
    max_single_tick_subscriptions: int = Field(50, ge=0, le=10_000)

    # Trading (see docs/trading.md).
    #: How long a synchronous trader call (order, cancel, query) may take before its outcome counts as
    #: unknown; an order whose outcome is unknown is reported so and never retried.
    trading_call_timeout: float = Field(10.0, gt=0, le=300)
    #: Optional risk limits: the most one order may be worth (CNY, price × volume), the most orders an
    #: account may place in a day, and the only codes that may be traded (comma-separated; empty = all).
    max_order_value: float | None = Field(None, gt=0)
    max_orders_per_day: int | None = Field(None, ge=1)
    allowed_codes: str = ""
    #: The simulator's paper account: starting cash and fees (commission rate with a minimum per order,
    #: stamp duty on stock sells, transfer fee on stocks).
    sim_starting_cash: float = Field(1_000_000.0, gt=0, le=1e12)
    #: The simulator's local cache: ``complete`` (all its history is local: try things at once) or
    #: ``downloaded`` (as MiniQMT's: the history getters return only what was downloaded).
    sim_local_cache: Literal["complete", "downloaded"] = "complete"
    #: Seconds a simulated download takes per stock (as one from the quote server would).
    sim_download_seconds: float = Field(0.0, ge=0, le=60)
    sim_commission_rate: float = Field(0.00025, ge=0, lt=0.01)
    sim_min_commission: float = Field(5.0, ge=0)
    sim_stamp_duty_rate: float = Field(0.0005, ge=0, lt=0.01)
    sim_transfer_fee_rate: float = Field(0.00001, ge=0, lt=0.01)
    #: Request signing (seed 001): named clients and their secrets, as JSON
    #: (``QMT_BRIDGE_SIGNING_CLIENTS='{"bot1": "secret"}'``). A request signed by one of them is
    #: authenticated without the API key; with ``require_signature`` the trading endpoints accept only
    #: signed requests. ``signature_window_seconds``: how far a request's timestamp may be from the
    #: server's clock.
    signing_clients: dict[str, SecretStr] = Field(default_factory=dict)
    require_signature: bool = False
    #: Accept the API key as ``?api_key=`` on ``/ws/trade``, as qmt-bridge 2.1.3's client sends it. Off: a key in
    #: a URL ends up in proxies' and browsers' logs (this server's own logs cut query strings).
    allow_api_key_in_url: bool = False
    #: The realtime streams' messages: ``envelope`` (ours: ``type``, ``seq``, ``data``), ``raw`` (xtquant's
    #: payloads alone, as qmt-bridge 2.1.3 sent them) or ``compact`` (the envelope, whole-market snapshots as
    #: rows under ``fields``); a client may ask for any of them with ``?format=``.
    ws_format: Literal["envelope", "raw", "compact"] = "envelope"
    signature_window_seconds: int = Field(300, ge=1, le=3600)

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("quote_markets")
    @classmethod
    def _known_markets(cls, value: str) -> str:
        from qmt_bridge.server.params import MARKET_CODES

        markets = [m.strip().upper() for m in value.split(",") if m.strip()]
        unknown = [m for m in markets if m not in MARKET_CODES]
        if unknown or not markets:
            raise ValueError(f"quote markets must be some of {', '.join(MARKET_CODES)}; got {value!r}")
        return ",".join(dict.fromkeys(markets))

    @field_validator("trading_account_id")
    @classmethod
    def _known_account_types(cls, value: str) -> str:
        parse_accounts(value)
        return value

    @field_validator("api_key", mode="before")
    @classmethod
    def _blank_key_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _auth_needs_key(self) -> Settings:
        if self.trading_enabled and self.api_key is None:
            raise ValueError("trading is enabled but no API key is set: pass --api-key or QMT_BRIDGE_API_KEY")
        if self.require_auth_for_data and self.api_key is None:
            raise ValueError("QMT_BRIDGE_REQUIRE_AUTH_FOR_DATA is on but no API key is set")
        if self.require_signature and not self.signing_clients:
            raise ValueError(
                "QMT_BRIDGE_REQUIRE_SIGNATURE is on but no signing client is configured: "
                'set QMT_BRIDGE_SIGNING_CLIENTS=\'{"client_id": "secret"}\''
            )
        empty = sorted(name for name, secret in self.signing_clients.items() if not secret.get_secret_value())
        if empty:
            raise ValueError(f"signing clients without a secret: {', '.join(empty)}")
        return self

    def api_key_value(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None

    def trading_accounts(self) -> dict[str, str]:
        """``--account-id`` as ``{account id: account type}`` in order: comma-separated entries, each ``id``
        (a stock account) or ``id:TYPE`` with TYPE one of :data:`ACCOUNT_TYPES` (any case); blanks and
        repeats dropped."""
        return parse_accounts(self.trading_account_id)

    def trading_account_ids(self) -> list[str]:
        """``--account-id``'s account ids, in order (see :meth:`trading_accounts`)."""
        return list(self.trading_accounts())
