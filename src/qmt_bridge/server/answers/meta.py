"""The 200 answers of ``/api/meta/*``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented


class TradingHealth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connected: bool = Field(
        ..., description="whether the trader is connected to MiniQMT (or the paper broker)"
    )
    reconnects: int = Field(..., description="reconnections since the server started")


class BackendProcessHealth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pid: int | None = Field(..., description="the backend process (null while a new one starts)")
    uptime_seconds: float | None = Field(..., description="since its backend became ready")
    restarts_last_hour: int


class HealthAnswer(BaseModel):
    """Liveness, without touching the backend."""

    model_config = documented(
        {
            "status": "ok",
            "backend": "xtquant",
            "backend_state": "running",
            "backend_process": {"pid": 4242, "uptime_seconds": 3605.2, "restarts_last_hour": 0},
            "version": "0.1.0",
            "trading": None,
        }
    )

    status: str = Field(..., description="always ok when the server answers")
    backend: str = Field(..., description="xtquant or sim")
    backend_state: Literal["running", "restarting", "down", "stopped"] = Field(
        ...,
        description="running; restarting while a crashed or hung backend process is replaced (data endpoints "
        "answer 503 meanwhile); down after too many restarts within an hour (details at /api/meta/backend)",
    )
    backend_process: BackendProcessHealth | None = Field(
        ..., description="the backend's child process (QMT_BRIDGE_BACKEND_ISOLATION=process); null in-process"
    )
    version: str = Field(..., description="qmt-bridge's version")
    trading: TradingHealth | None = Field(None, description="null without --trading")


class BackendRestart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: float = Field(..., description="when the process ended, seconds since the epoch")
    cause: Literal["crash", "hang", "start_failed"] = Field(
        ..., description="crash (it exited), hang (killed after a call outlived its timeout), start_failed"
    )
    exit_code: int | None = Field(
        ..., description="the process's exit code (negative: killed by that signal)"
    )
    hung_call: str | None = Field(..., description="the call that hung, for a hang")
    calls_lost: list[str] = Field(..., description="calls in flight when it ended: they failed with 503")
    error: str | None = Field(None, description="why a new process could not start")


class CallInFlight(BaseModel):
    model_config = ConfigDict(extra="forbid")

    call: str
    seconds: float = Field(..., description="how long it has been running")


class BackendStatusAnswer(BaseModel):
    """Where the backend runs and how it has fared."""

    model_config = documented(
        {
            "backend": "xtquant",
            "isolation": "process",
            "state": "running",
            "pid": 4242,
            "generation": 2,
            "uptime_seconds": 3605.2,
            "restarts": [
                {
                    "at": 1796532816.61,
                    "cause": "crash",
                    "exit_code": 3,
                    "hung_call": None,
                    "calls_lost": ["get_market_data_ex"],
                }
            ],
            "restarts_last_hour": 1,
            "max_restarts_per_hour": 10,
            "reason": None,
            "calls_in_flight": [{"call": "get_full_tick", "seconds": 0.002}],
        }
    )

    backend: str = Field(..., description="xtquant or sim")
    isolation: Literal["process", "thread"] = Field(
        ...,
        description="process: a supervised child process, replaced when it crashes or hangs; thread: "
        "inside the server (QMT_BRIDGE_BACKEND_ISOLATION)",
    )
    state: Literal["running", "restarting", "down", "stopped"]
    pid: int | None = Field(..., description="the process the backend runs in (null while none runs)")
    generation: int = Field(..., description="1 for the first backend process, +1 per replacement")
    uptime_seconds: float | None = Field(..., description="since this process's backend became ready")
    restarts: list[BackendRestart] = Field(
        ..., description="the last 20 ends of a backend process, oldest first"
    )
    restarts_last_hour: int
    max_restarts_per_hour: int | None = Field(
        ...,
        description="more deaths than this within an hour leave the backend down (null: thread isolation)",
    )
    reason: str | None = Field(..., description="why calls are not served now (restarting, down)")
    calls_in_flight: list[CallInFlight] = Field(..., description="backend calls running now")


class VersionAnswer(BaseModel):
    """qmt-bridge's version."""

    model_config = documented({"version": "0.1.0"})

    version: str


class XtdataVersionAnswer(BaseModel):
    """The backend's xtquant version."""

    model_config = documented({"xtdata_version": "250807.1.2", "backend": "xtquant"})

    xtdata_version: str
    backend: str


class ConnectionStatusAnswer(BaseModel):
    """Whether the backend is connected to MiniQMT."""

    model_config = documented({"connected": True, "backend": "xtquant"})

    connected: bool
    backend: str


class MarketNamesAnswer(BaseModel):
    """The market codes xtquant knows, with their names."""

    model_config = documented({"markets": {"SH": "上交所", "SZ": "深交所"}})

    markets: dict[str, str] = Field(..., description="market code → name")


class MarketListAnswer(BaseModel):
    """A list of market codes (authorized markets; 外盘 markets)."""

    model_config = documented({"markets": ["SH", "SZ", "BJ"]})

    markets: list[str]


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., description="the period as xtquant names it: tick, 1m, 1d, ...")
    desc: str = Field(..., description="xtquant's description")


class PeriodListAnswer(BaseModel):
    """The periods xtquant serves."""

    model_config = documented({"periods": [{"name": "1m", "desc": "1分钟线"}]})

    periods: list[Period]


class LastTradeDateAnswer(BaseModel):
    """The latest trading day of a market."""

    model_config = documented({"market": "SH", "last_trade_date": 1763568000000, "date": "20251120"})

    market: str
    last_trade_date: int = Field(..., description="ms since the epoch (China midnight); 0 when unknown")
    date: str | None = Field(..., description="YYYYMMDD; null when unknown")


class StockListAnswer(BaseModel):
    """The codes of a category (a sector)."""

    model_config = documented({"category": "沪深ETF", "count": 2, "stocks": ["510050.SH", "510300.SH"]})

    category: str
    count: int
    stocks: list[str]


class FieldListAnswer(BaseModel):
    """The field names of a data type, with xtquant's Chinese descriptions."""

    model_config = documented(
        {"metaid": 3001, "fields": {"time": "时间", "open": "开盘价", "close": "收盘价", "volume": "成交量"}}
    )

    metaid: int = Field(..., description="the data type asked, e.g. 3001 K-line, 2 tick")
    fields: dict[str, str] = Field(..., description="field name → its description (xtdata.get_field_list)")


class PreDownloadItem(BaseModel):
    """One function of the pre-download."""

    model_config = ConfigDict(extra="forbid")

    status: str = Field(..., description="pending, running, ok or failed")
    started: str | None = Field(
        ..., description="ISO 8601 (UTC) start of its last run; null before the first"
    )
    finished: str | None = Field(..., description="ISO 8601 (UTC) end of its last run; null while running")
    duration_s: float | None = Field(..., description="seconds its last run took")
    error: str | None = Field(..., description="why the latest attempt failed; null once one succeeds")
    attempts: int = Field(..., description="attempts in the latest round: 1, plus one per retry")
    next_retry: str | None = Field(..., description="ISO 8601 (UTC) time of the next retry after a failure")
    last_error: str | None = Field(..., description="the round's latest failure, kept after a retry succeeds")
    job_id: str | None = Field(
        ..., description="the download job of the latest attempt (GET /api/download/jobs/{job_id})"
    )


class SkippedRound(BaseModel):
    """A round that was not run."""

    model_config = ConfigDict(extra="forbid")

    day: str = Field(..., description="YYYY-MM-DD")
    reason: str = Field(..., description="weekend or holiday")


class PreDownloadAnswer(BaseModel):
    """The state of the automatic pre-download of reference data."""

    model_config = documented(
        {
            "enabled": True,
            "interval_hours": 24.0,
            "rounds_completed": 1,
            "rounds_skipped": 0,
            "running": False,
            "last_round_started": "2025-11-20T01:00:00+00:00",
            "last_round_finished": "2025-11-20T01:00:01+00:00",
            "next_round": "2025-11-21T01:00:01+00:00",
            "last_skipped": None,
            "items": {
                "download_sector_data": {
                    "status": "ok",
                    "started": "2025-11-20T01:00:00+00:00",
                    "finished": "2025-11-20T01:00:00+00:00",
                    "duration_s": 0.001,
                    "error": None,
                    "attempts": 1,
                    "next_retry": None,
                    "last_error": None,
                    "job_id": "dl-20251120090000-1-c3d4",
                }
            },
        }
    )

    enabled: bool = Field(..., description="false with --no-predownload")
    interval_hours: float = Field(..., description="hours between rounds")
    rounds_completed: int
    rounds_skipped: int = Field(..., description="rounds skipped because they fell on a non-trading day")
    running: bool = Field(..., description="a round is running now")
    last_round_started: str | None = Field(..., description="ISO 8601 (UTC); null before the first round")
    last_round_finished: str | None = Field(..., description="ISO 8601 (UTC); null until a round ends")
    next_round: str | None = Field(..., description="ISO 8601 (UTC); null until a round has ended")
    last_skipped: SkippedRound | None = Field(..., description="the latest skipped round; null when none was")
    items: dict[str, PreDownloadItem] = Field(..., description="xtdata download function → its state")


class Resubscriptions(BaseModel):
    """Subscriptions renewed, by cause."""

    model_config = ConfigDict(extra="forbid")

    reconnect: int = Field(..., description="after the backend reconnected")
    silence: int = Field(..., description="after the push stream went silent in trading hours")


class QuoteBookAnswer(BaseModel):
    """The state of the quote book (the whole-market subscription behind full_tick).

    Off (``enabled`` false): only ``enabled``, ``markets``, ``subscribed`` and ``ready``.
    """

    model_config = documented(
        {
            "enabled": True,
            "markets": ["SH", "SZ", "BJ"],
            "subscribed": True,
            "ready": True,
            "serving": True,
            "stale": False,
            "codes": 244,
            "pushes": 1,
            "last_push": 1763604000000,
            "last_push_age_seconds": 0.403,
            "silent_after_seconds": 30.0,
            "resubscriptions": {"reconnect": 0, "silence": 0},
            "idle_release_seconds": 600.0,
        }
    )

    enabled: bool = Field(..., description="false with --no-quote-book")
    markets: list[str] = Field(..., description="the markets it subscribes (QMT_BRIDGE_QUOTE_MARKETS)")
    subscribed: bool = Field(..., description="the whole-market subscription is held")
    ready: bool = Field(..., description="the first push (the full snapshot) has arrived")
    serving: bool | None = Field(
        None, description="snapshots are answered from the book now (ready, and not silent)"
    )
    stale: bool | None = Field(None, description="it holds snapshots but the push stream went silent")
    codes: int | None = Field(None, description="codes in the book")
    pushes: int | None = Field(None, description="pushes received")
    last_push: int | None = Field(None, description="ms since the epoch of the last push; null before one")
    last_push_age_seconds: float | None = Field(None, description="seconds since the last push")
    silent_after_seconds: float | None = Field(
        None, description="without a push for this long in trading hours, it stops serving and resubscribes"
    )
    resubscriptions: Resubscriptions | None = None
    idle_release_seconds: float | None = Field(
        None, description="released after this long without a snapshot request"
    )


class RealtimeStream(BaseModel):
    """One upstream subscription (code, period) of the realtime hub."""

    model_config = ConfigDict(extra="forbid")

    code: str
    period: str = Field(..., description="tick, 1m, 1d, ...")
    subscribed: bool = Field(..., description="the backend subscription is held")
    subscribers: int = Field(..., description="WebSocket clients receiving it")
    pushes: int = Field(..., description="pushes received")
    last_push_age_seconds: float | None = Field(
        ..., description="seconds since the last push; null before one"
    )


class RealtimeAnswer(BaseModel):
    """The state of the realtime hub behind the WebSocket streams."""

    model_config = documented(
        {
            "connections": 1,
            "queued_messages": 0,
            "largest_queue": 0,
            "conflated_messages": 0,
            "streams": [
                {
                    "code": "600519.SH",
                    "period": "1m",
                    "subscribed": True,
                    "subscribers": 1,
                    "pushes": 0,
                    "last_push_age_seconds": None,
                }
            ],
            "upstream_subscriptions": 1,
            "whole_quote_subscribers": 0,
            "ticks_from_whole_quote": {},
            "resubscriptions": {"reconnect": 0, "silence": 0},
        }
    )

    connections: int = Field(..., description="WebSocket connections subscribed to something")
    queued_messages: int = Field(..., description="messages waiting in the connections' outboxes")
    largest_queue: int = Field(..., description="the longest outbox")
    conflated_messages: int = Field(..., description="messages replaced by a newer one for a slow client")
    streams: list[RealtimeStream]
    upstream_subscriptions: int = Field(..., description="backend subscriptions held")
    whole_quote_subscribers: int = Field(..., description="clients of the whole-market stream")
    ticks_from_whole_quote: dict[str, int] = Field(
        ..., description="code → tick subscribers served from the whole-market subscription"
    )
    resubscriptions: Resubscriptions


class SubInfoAnswer(BaseModel):
    """The quote subscriptions of this connection and of the whole terminal."""

    model_config = documented(
        {
            "current_connection": [
                {"subId": 1, "stockCode": "600519.SH", "period": 60000, "metaId": 3001, "isSub": True}
            ],
            "all": [{"addr": "in-process", "stockCode": "600519.SH", "period": 60000, "metaId": 3001}],
        }
    )

    current_connection: list[dict[str, Any]] = Field(
        ...,
        description="xtdata.get_current_connect_sub_info as xtquant gives it (subId, stockCode, period in ms, "
        "metaId, ...); [] without subscriptions",
    )
    all: list[dict[str, Any]] = Field(
        ..., description="xtdata.get_all_sub_info as xtquant gives it: every client's subscriptions"
    )


class MarketState(BaseModel):
    """Where one exchange is in its day."""

    model_config = ConfigDict(extra="forbid")

    market: str
    state: str = Field(
        ...,
        description="pre_open (from 09:00, and 09:25–09:30), call_auction, trading, closing_auction, "
        "lunch_break, closed",
    )
    unified: str = Field(..., description="seed 002's enum: PRE_HOURS, RTH, REST, CLOSED")
    raw: dict[str, Any] | None = Field(
        ...,
        description="the exchange's period now, as xtdata.get_trading_period gives it: status (2 call auction, "
        "3 continuous, 8 closing auction), begin and end (HHMMSS); null between periods",
    )
    trading_day: bool
    next_state: str | None = Field(..., description="the state that comes next; null when not known")
    next_change: str | None = Field(..., description="ISO 8601 (China time) when it starts")


class MarketStatusAnswer(BaseModel):
    """The state of each A-share exchange at the backend's clock."""

    model_config = documented(
        {
            "time": "2025-11-20T10:00:00+08:00",
            "markets": {
                "SH": {
                    "market": "SH",
                    "state": "trading",
                    "unified": "RTH",
                    "raw": {"status": 3, "begin": "093000", "end": "113000"},
                    "trading_day": True,
                    "next_state": "lunch_break",
                    "next_change": "2025-11-20T11:30:00+08:00",
                }
            },
        }
    )

    time: str = Field(..., description="the backend's moment (the simulator's clock), China time")
    markets: dict[str, MarketState]
