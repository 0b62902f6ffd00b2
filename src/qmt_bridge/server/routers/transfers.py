"""Fund and bank transfers (资金划转, 银证转账): ``/api/fund/*`` and ``/api/bank/*``.

The seed's three paths (``POST /api/fund/transfer``, ``GET /api/fund/history``, ``POST /api/bank/transfer``),
the bound banks, their balance and the bank's stream, and qmt-bridge 2.1.3's paths of the same calls. Same
authentication as trading (the API key, or a signed request); trading must be enabled (``--trading``). The
rules of a transfer are in ``server/trading/transfers.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.transfers import (
    AvailableFundsAnswer,
    BankBalanceAnswer,
    BanksAnswer,
    BankStreamAnswer,
    FundAvailableAnswer,
    TransferAnswer,
    TransferHistoryAnswer,
)
from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.trading import ACCOUNT, Service, client_id_of
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.security import require_trading_auth
from qmt_bridge.server.trading import transfers
from qmt_bridge.server.trading.requests import (
    INT64_MAX,
    BankTransferRequest,
    CompatBankTransferRequest,
    FundTransferRequest,
)

router = APIRouter(route_class=StrictQueryRoute, dependencies=[Depends(require_trading_auth)])

HISTORY_DAYS = 30
START = Query("", description=f"YYYYMMDD; empty: {HISTORY_DAYS} days before end_date")
END = Query("", description="YYYYMMDD, inclusive; empty: the counter's today (the simulator's clock)")
BANK_NO = Query("", max_length=32, description="empty: the account's first bound bank")
BANK_ACCOUNT = Query("", max_length=64, description="the bank account number; empty with bank_no empty")


def day_range(service: Service, start_date: str, end_date: str) -> tuple[str, str]:
    """The asked range of days as YYYYMMDD strings, the defaults from the counter's today; 400 when
    malformed or reversed."""
    for name, value in (("start_date", start_date), ("end_date", end_date)):
        if value and not _is_day(value):
            raise InvalidParameter(name, f"{value!r} is not a date as YYYYMMDD", value=value)
    end = end_date or service.ctx.backend.today().strftime("%Y%m%d")
    start = start_date or (dt.datetime.strptime(end, "%Y%m%d") - dt.timedelta(days=HISTORY_DAYS)).strftime(
        "%Y%m%d"
    )
    if start > end:
        raise InvalidParameter("start_date", f"{start} is after end_date {end}", value=start_date)
    return start, end


def _is_day(value: str) -> bool:
    try:
        dt.datetime.strptime(value, "%Y%m%d")
    except ValueError:
        return False
    return len(value) == 8


def _data(value: Any) -> JSONResponse:
    return JSONResponse({"data": value})


# ----------------------------------------------------------------------------------------------- fund


@router.post("/api/fund/transfer", tags=["fund"])
@answers(TransferAnswer)
async def fund_transfer(service: Service, request: Request, body: FundTransferRequest) -> JSONResponse:
    """资金划转: money between the ordinary counter (普通柜台) and the speed counter (极速柜台), 510 / 511, or
    between the Shanghai and Shenzhen nodes, 512 / 513 (xttrader.fund_transfer).

    Recorded before it is sent; 409 ``transfer_refused`` with the counter's message when it refuses, 409
    ``insufficient_funds`` (nothing sent) when 511 asks for more than the withdrawable cash, 504 when the
    trader did not answer (the record says ``unknown``: look before trying again)."""
    record = await transfers.fund_transfer(
        service, body.account_id, body.transfer_direction, body.amount, client_id_of(request)
    )
    return _data(record)


@router.get("/api/fund/history", tags=["fund"])
@answers(TransferHistoryAnswer)
async def fund_history(
    service: Service, account_id: str = ACCOUNT, start_date: str = START, end_date: str = END
) -> JSONResponse:
    """划转记录: every bank and counter transfer asked through this server over a range of days (default the
    last 30), newest first, with its outcome. Kept across restarts. The bank's own record, transfers made
    elsewhere included, is ``/api/bank/transfer_records``."""
    start, end = day_range(service, start_date, end_date)
    return _data(transfers.history(service, account_id, start, end))


@router.get("/api/fund/transfer_records", tags=["fund"])
@answers(TransferHistoryAnswer)
async def fund_transfer_records(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """qmt-bridge 2.1.3's name of ``/api/fund/history`` (the last 30 days)."""
    start, end = day_range(service, "", "")
    return _data(transfers.history(service, account_id, start, end))


@router.get("/api/fund/available", tags=["fund"])
@answers(FundAvailableAnswer)
async def fund_available(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The account's cash and totals, as ``/api/trading/asset`` (qmt-bridge 2.1.3's path): ``cash``
    available, ``fetch_balance`` withdrawable."""
    return _data(await service.asset(account_id))


# ----------------------------------------------------------------------------------------------- bank


@router.post("/api/bank/transfer", tags=["bank"])
@answers(TransferAnswer)
async def bank_transfer(service: Service, request: Request, body: BankTransferRequest) -> JSONResponse:
    """银证转账: ``direction`` ``in`` (bank → securities, xttrader.bank_transfer_in) or ``out`` (securities →
    bank, at most the withdrawable cash). ``bank_no`` empty: the account's first bound bank. The passwords go
    to the counter only.

    Recorded before it is sent; 409 ``transfer_refused`` with the counter's message (e.g. outside the
    bank-transfer hours, not enough money in the bank), 409 ``insufficient_funds`` (nothing sent) for an
    ``out`` above the withdrawable cash, 504 when the trader did not answer (the record says ``unknown``)."""
    record = await transfers.bank_transfer(
        service, body.account_id, body.direction, body.amount,
        bank_no=body.bank_no, bank_account=body.bank_account, bank_pwd=body.bank_pwd, fund_pwd=body.fund_pwd,
        client_id=client_id_of(request),
    )  # fmt: skip
    return _data(record)


@router.post("/api/bank/transfer_in", tags=["bank"])
@answers(TransferAnswer)
async def bank_transfer_in(
    service: Service, request: Request, body: CompatBankTransferRequest
) -> JSONResponse:
    """Bank → securities (qmt-bridge 2.1.3's path and body: ``amount``, ``bank_code``, ``account_id``)."""
    return await _compat_bank(service, request, body, "in")


@router.post("/api/bank/transfer_out", tags=["bank"])
@answers(TransferAnswer)
async def bank_transfer_out(
    service: Service, request: Request, body: CompatBankTransferRequest
) -> JSONResponse:
    """Securities → bank (qmt-bridge 2.1.3's path and body), at most the withdrawable cash."""
    return await _compat_bank(service, request, body, "out")


async def _compat_bank(
    service: Service, request: Request, body: CompatBankTransferRequest, direction: str
) -> JSONResponse:
    record = await transfers.bank_transfer(
        service,
        body.account_id,
        direction,
        body.amount,
        bank_no=body.bank_code,
        client_id=client_id_of(request),
    )
    return _data(record)


@router.get("/api/bank/banks", tags=["bank"])
@answers(BanksAnswer)
async def bound_banks(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The bank accounts bound to the account (xttrader.query_bank_info: ``bank_no``, ``bank_account``,
    ``bank_name``, ``money_type``)."""
    return _data(await transfers.bound_banks(service, account_id))


@router.get("/api/bank/balance", tags=["bank"])
@answers(BankBalanceAnswer)
async def bank_balance(
    service: Service, account_id: str = ACCOUNT, bank_no: str = BANK_NO, bank_account: str = BANK_ACCOUNT
) -> JSONResponse:
    """The balance of a bound bank account (xttrader.query_bank_amount: ``balance``, ``enable_balance``);
    ``data`` null when the counter has none. Banks that want their password for this cannot be asked here
    (a password does not belong in a URL)."""
    return _data(await transfers.bank_balance(service, account_id, bank_no, bank_account))


@router.get("/api/bank/transfer_records", tags=["bank"])
@answers(BankStreamAnswer)
async def bank_transfer_records(
    service: Service,
    account_id: str = ACCOUNT,
    start_date: str = START,
    end_date: str = END,
    bank_no: str = Query("", max_length=32, description="only this bank's; empty: every bank's"),
    bank_account: str = Query("", max_length=64, description="only this bank account's"),
) -> JSONResponse:
    """The bank's record of transfers over a range of days (default the last 30), as the counter keeps it
    (xttrader.query_bank_transfer_stream: ``transfer_no``, ``transfer_direction`` '1' in / '2' out,
    ``balance`` the amount, ``remark``), transfers made elsewhere included."""
    start, end = day_range(service, start_date, end_date)
    return _data(await transfers.bank_stream(service, account_id, start, end, bank_no, bank_account))


@router.get("/api/bank/available_amount", tags=["bank"])
@answers(AvailableFundsAnswer)
async def bank_available(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """What can move: the account's withdrawable cash and the first bound bank's transferable balance."""
    account = service.account_id(account_id)
    asset = await service.asset(account) or {}
    banks = await transfers.bound_banks(service, account)
    balance = await transfers.bank_balance(service, account) if banks else None
    return _data(
        {
            "account_id": account,
            "withdrawable": float(asset.get("fetch_balance") or 0.0),
            "bank_no": str(banks[0].get("bank_no")) if banks else None,
            "bank_enable_balance": (balance or {}).get("enable_balance"),
        }
    )


@router.get("/api/bank/status", tags=["bank"])
@answers(TransferAnswer)
async def bank_transfer_status(
    service: Service,
    transfer_id: Annotated[int, Query(gt=0, le=INT64_MAX, description="the transfer_id a transfer answered")],
    account_id: str = ACCOUNT,
) -> JSONResponse:
    """One transfer asked through this server, with its state (qmt-bridge 2.1.3's path); 404 when none."""
    return _data(transfers.one(service, transfer_id, account_id))
