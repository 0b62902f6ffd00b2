"""The 200 answers of ``/api/hk/*``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented


class HkStockListAnswer(BaseModel):
    """HK stocks eligible for Stock Connect (the 港股通 sector)."""

    model_config = documented({"count": 2, "stocks": ["00005.HK", "00700.HK"]})

    count: int
    stocks: list[str]


class ConnectStocksAnswer(BaseModel):
    """The codes open to one Stock Connect channel.

    ``direction``'s HK stocks, or qmt-bridge 2.1.3's ``connect_type`` (north: the A shares of 沪股通 and 深股通;
    south: the HK stocks of 港股通).
    """

    model_config = documented(
        {"direction": "sh", "sector": "港股通(沪)", "count": 2, "stocks": ["00005.HK", "00278.HK"]}
    )

    direction: str | None = Field(None, description="sh or sz; absent when connect_type was asked")
    connect_type: str | None = Field(None, description="north or south; absent unless asked")
    sector: str = Field(..., description="the sector(s) read, joined by + (沪股通+深股通)")
    count: int
    stocks: list[str]


class BrokerDictAnswer(BaseModel):
    """HK broker ids and their firms (``get_hk_broker_dict``)."""

    model_config = documented(
        {"brokers": {"1100": "高盛(亚洲)证券", "1101": "高盛(亚洲)证券", "1250": "摩根士丹利香港证券"}}
    )

    brokers: dict[str, str] = Field(..., description="broker id (a seat; a firm has several) → firm name")


class BrokerLevel(BaseModel):
    """One price level of a broker queue."""

    model_config = ConfigDict(extra="forbid")

    gear: int = Field(..., description="the level, 1 = best")
    price: float = Field(..., description="HKD")
    brokers: list[int] | list[tuple[int, str]] = Field(
        ..., description="the brokers queued, first in line first: ids, or [id, name] with show_broker_name"
    )


class BrokerQueue(BaseModel):
    """The broker queues of one code at one moment."""

    model_config = ConfigDict(extra="forbid")

    time: int = Field(..., description="ms since the epoch")
    bidbrokerqueues: list[BrokerLevel] = Field(..., description="the bid side, best level first")
    askbrokerqueues: list[BrokerLevel] = Field(..., description="the ask side, best level first")


class BrokerQueueAnswer(BaseModel):
    """HK broker queues at the best prices (``get_broker_queue_data``; today only)."""

    model_config = documented(
        {
            "data": {
                "00700.HK": [
                    {
                        "time": 1763622000000,
                        "bidbrokerqueues": [{"gear": 1, "price": 662.74, "brokers": [1405]},
                                            {"gear": 2, "price": 662.69, "brokers": [2450, 1100, 1106]}],
                        "askbrokerqueues": [{"gear": 1, "price": 662.82, "brokers": [2301]}],
                    }
                ]
            }
        }
    )  # fmt: skip

    data: dict[str, list[BrokerQueue]] = Field(
        ...,
        description="code → the queues, oldest first; [] for a code without any (not an HK stock, no data)",
    )
