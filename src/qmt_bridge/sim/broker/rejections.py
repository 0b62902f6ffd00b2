"""Why the counter refuses an order or a cancel: an error id and a Chinese message, as a counter words it.

A :class:`Rejection` raised while an order is checked becomes a rejected order (status 57 ``ORDER_JUNK``,
``status_msg`` = the message) plus an ``on_order_error(error_id, error_msg)``. The ids are the simulator's
own (xtquant passes through whatever the broker's counter sends); they group the reasons.
"""

from __future__ import annotations

ORDER_TYPE = 1001  # not an order type of the account (stock: 23/24; credit: 23/24, 27-32)
PRICE_TYPE = 1002  # unknown price type, or one the security's exchange does not take
VOLUME = 1003  # lot size, minimum, maximum
PRICE = 1004  # tick grid, price limits
SECURITY = 1005  # unknown, suspended, delisted, not tradable on a stock account
CASH = 1006
POSITION = 1007
SESSION = 1008  # market orders outside continuous trading
QUOTE = 1009  # no quote to price the order with
CANCEL = 1010  # a cancel of an order that cannot be cancelled
CREDIT_SUBJECT = 1011  # not a margin-trading subject / not collateral / a credit type the counter lacks
CREDIT_QUOTA = 1012  # financing or lending line (融资/融券可用额度)
MARGIN = 1013  # 可用保证金
LENDABLE = 1014  # 可融券数量
DEBT = 1015  # nothing (or less than asked) to repay


class Rejection(Exception):
    """The counter refuses: ``error_id`` (one of this module's constants) and ``message``."""

    def __init__(self, error_id: int, message: str) -> None:
        super().__init__(message)
        self.error_id = error_id
        self.message = message
