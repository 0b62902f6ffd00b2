"""The counter's further queries (xttrader's IPO, 普通柜台 and statistics calls), derived from the paper account.

Shapes as xtquant's (``shared/xtquant-api.md`` §2.3, ``doc/xttrader.md``):

- :func:`ipo_data`: ``query_ipo_data()``, today's new issues, ``{subscription code: {name, type,
  maxPurchaseNum, minPurchaseNum, purchaseDate, issuePrice}}``, from the simulated market's listings.
- :func:`new_purchase_limit`: ``query_new_purchase_limit(account)``, ``{'KCB': n, 'SH': n, 'SZ': n}`` shares.
  The exchanges count the average market value of the A shares held over the 20 trading days before T-1; the
  simulator counts today's market value of the account's positions: SH (and 科创板) 1,000 shares (500 on
  科创板) per 10,000 (5,000) CNY of Shanghai shares, SZ 500 shares per 5,000 CNY of Shenzhen shares, nothing
  under 10,000 CNY.
- :func:`com_fund`: ``query_com_fund``, the ordinary counter's (普通柜台) money, which ``fund_transfer``
  moves to and from the account's cash (:mod:`.transfers`). :func:`com_position`: ``query_com_position``, the
  account's positions under the ordinary counter's names: the simulator keeps one set of shares, seen from
  both counters (``secu_transfer`` is not modelled), while money is at one counter or the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

#: The market value (CNY) below which an account may not subscribe to new shares at all.
IPO_THRESHOLD = 10_000
_SH_STEP, _SH_SHARES = 10_000, 1_000
_SZ_STEP, _SZ_SHARES = 5_000, 500
_KCB_STEP, _KCB_SHARES = 5_000, 500


def ipo_data(market: Any, today: dt.date) -> dict[str, dict[str, Any]]:
    """The issues whose online subscription day is ``today`` (the market's ``get_ipo_info`` rows)."""
    ahead = today + dt.timedelta(days=40)  # subscription is 8 sessions before listing
    rows = market.get_ipo_info(today.strftime("%Y%m%d"), ahead.strftime("%Y%m%d"))
    issues = {}
    for row in rows:
        if row.get("startDate") != today.strftime("%Y%m%d"):
            continue
        code = f"{row['onlineSubCode']}.{row['market']}"
        issues[code] = {
            "name": row["codeName"],
            "type": "STOCK",
            "maxPurchaseNum": int(row["onlineSubMaxQty"]),
            "minPurchaseNum": int(row["onlineSubMinQty"]),
            "purchaseDate": row["startDate"],
            "issuePrice": float(row["publishPrice"]),
        }
    return issues


def _quota(value: float, step: int, shares: int) -> int:
    return 0 if value < IPO_THRESHOLD else int(value // step) * shares


def new_purchase_limit(positions: Iterable[Any]) -> dict[str, int]:
    """The subscription quota of an account from its positions (``XtPosition``s)."""
    value = {"SH": 0.0, "SZ": 0.0}
    for position in positions:
        market = str(position.stock_code).rsplit(".", 1)[-1]
        if market in value:
            value[market] += float(position.market_value or 0.0)
    return {
        "KCB": _quota(value["SH"], _KCB_STEP, _KCB_SHARES),
        "SH": _quota(value["SH"], _SH_STEP, _SH_SHARES),
        "SZ": _quota(value["SZ"], _SZ_STEP, _SZ_SHARES),
    }


def com_fund(balance: float | None) -> dict[str, Any]:
    """``query_com_fund``: the ordinary counter's money (``balance`` CNY, cash only) under its names."""
    if balance is None:
        return {"success": False, "error": "no such account"}
    return {
        "success": True,
        "error": "",
        "currentBalance": balance,
        "enableBalance": balance,
        "fetchBalance": balance,
        "interest": 0.0,
        "assetBalance": balance,
        "fetchCash": balance,
        "marketValue": 0.0,
        "debt": 0.0,
    }


def com_position(positions: Iterable[Any]) -> list[dict[str, Any]]:
    """``query_com_position``: the positions still held (``XtPosition``s), under the ordinary counter's names."""
    return [
        {
            "success": True,
            "error": "",
            "stockAccount": str(p.secu_account or ""),
            "exchangeType": str(p.stock_code).rsplit(".", 1)[-1],
            "stockCode": str(p.stock_code),
            "stockName": str(p.instrument_name or ""),
            "totalAmt": float(p.volume),
            "enableAmount": float(p.can_use_volume),
            "lastPrice": float(p.last_price),
            "costPrice": float(p.avg_price),
            "income": float(p.float_profit),
            "incomeRate": float(p.profit_rate),
            "marketValue": float(p.market_value),
            "costBalance": round(float(p.avg_price) * p.volume, 2),
            "bsOnTheWayVol": int(p.on_road_volume or 0),
            "prEnableVol": 0,
        }
        for p in positions
        if p.volume
    ]
