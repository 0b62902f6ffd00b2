"""New-share subscription units of the A-share exchanges, shared by the simulated counter and the server's
order checks: how many shares one subscription unit (申购单位, one lottery number) is, which quota board
(``query_new_purchase_limit``'s KCB, SH, SZ) a subscription code draws on, and which are prepaid (BSE)."""

from __future__ import annotations


def unit_of(code: str) -> int:
    """Shares per unit of a subscription code: SH main board 1,000; 科创板 (787/688) and SZ 500; BSE 100."""
    symbol, _, market = code.partition(".")
    if market == "SH":
        return 500 if symbol.startswith(("787", "688")) else 1000
    return 100 if market == "BJ" else 500


def board_of(code: str) -> str:
    """The quota board of a subscription code: KCB, SH or SZ; BJ for the Beijing exchange, which has no
    market-value quota (:func:`prepaid`)."""
    symbol, _, market = code.partition(".")
    if market == "SH":
        return "KCB" if symbol.startswith(("787", "688")) else "SH"
    return "BJ" if market == "BJ" else "SZ"


def prepaid(code: str) -> bool:
    """Whether a subscription is paid in full when made (全额预缴): the Beijing exchange's, which need no
    market-value quota; SH and SZ subscriptions are paid only for the shares allotted."""
    return code.endswith(".BJ")
