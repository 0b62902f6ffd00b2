"""What can go wrong with a trader call, as the answers say it (imported from ``service`` by the others), and
how a recorded request (a transfer, a smart algorithm task) is marked when its call fails."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from qmt_bridge.server.errors import BridgeError
from qmt_bridge.server.trading.journal import NOT_SENT, UNKNOWN


class TradingUnavailableError(BridgeError):
    """The trader is not connected (503); nothing was sent."""

    status_code = 503
    code = "trading_unavailable"


class OutcomeUnknown(BridgeError):
    """A trader call gave no answer in time (504): what it did is unknown."""

    status_code = 504
    code = "trader_timeout"


class CounterRefused(BridgeError):
    """The counter refused a request that passed the server's checks (409), e.g. a cancel answered -1."""

    status_code = 409
    code = "counter_refused"


class TraderCallRaised(BridgeError):
    """The trader call raised (502): whether its request left first cannot be told, so its outcome is unknown
    and it is never sent again."""

    status_code = 502
    code = "trader_error"


async def recorded_call(
    call: Callable[..., Awaitable[Any]],
    method: str,
    args: tuple[Any, ...],
    *,
    record: Callable[[str, str], None],
    details: dict[str, Any],
    look: str,
) -> Any:
    """``await call(method, *args)`` for a request already recorded as pending (a transfer, a task); when the
    call fails, ``record(state, message)`` says so before the error goes on, with ``details`` added to it:

    - no answer in time (504 :class:`OutcomeUnknown`) and a call that raised (502 :class:`TraderCallRaised`,
      whose message names what went wrong and says ``look``): ``unknown``, never sent again;
    - the trader is not connected (503 :class:`TradingUnavailableError`): ``not_sent``.
    """
    try:
        return await call(method, *args)
    except OutcomeUnknown as exc:
        record(UNKNOWN, exc.message)
        exc.details = {**(exc.details or {}), **details}
        raise
    except TradingUnavailableError as exc:
        record(NOT_SENT, exc.message)
        raise
    except Exception as exc:  # xtquant raised: whether the request left first cannot be told
        message = f"the trader call {method} raised {type(exc).__name__}: {exc}"[:500]
        record(UNKNOWN, message)
        raise TraderCallRaised(f"{message}; {look}", details={**details, "call": method}) from None
