"""Codes as people type them: ``"000001"`` or ``"000001.SZ"``; the board rules that follow from a code.

The market of a bare six-digit code follows the exchanges' code ranges (a bare ``000001`` is 平安银行 on SZ,
as in seed 001's examples, not the SSE index, which is ``000001.SH``).
"""

from __future__ import annotations

__all__ = ["buy_lot", "is_convertible_bond", "with_market"]

#: (prefixes, market), the first match wins: longer prefixes first where ranges nest.
_RANGES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("204",), "SH"),  # SSE reverse repo
    (("131",), "SZ"),  # SZSE reverse repo
    (("11",), "SH"),  # SSE bonds, convertible bonds 110/111/113/118
    (("12",), "SZ"),  # SZSE bonds, convertible bonds 123/127/128
    (("15", "16", "18"), "SZ"),  # SZSE funds
    (("5",), "SH"),  # SSE funds (ETFs 51x, 56x, 58x; LOFs 50x)
    (("4", "8", "92"), "BJ"),  # BSE 43x, 83x, 87x, 88x, 920 (before the SSE's 9)
    (("6", "9"), "SH"),  # SSE A shares (600-605, STAR 688/689), B shares 900
    (("0", "2", "3"), "SZ"),  # SZSE main board 000-003, B shares 200, ChiNext 300/301
)


def with_market(symbol: str) -> str:
    """``"000001"`` → ``"000001.SZ"``, ``"600519"`` → ``"600519.SH"``; a code with a suffix is returned
    upper-cased. Raises ``ValueError`` for anything else."""
    if not isinstance(symbol, str) or not symbol.strip():
        raise ValueError(f"symbol must be a code such as '000001' or '000001.SZ', got {symbol!r}")
    code = symbol.strip().upper()
    if "." in code:
        number, _, market = code.partition(".")
        if len(number) == 6 and number.isdigit() and market in ("SH", "SZ", "BJ"):
            return code
        raise ValueError(f"symbol {symbol!r} is not a six-digit code with .SH, .SZ or .BJ")
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"symbol {symbol!r} is not a six-digit code")
    for prefixes, market in _RANGES:
        if code.startswith(prefixes):
            return f"{code}.{market}"
    raise ValueError(f"symbol {symbol!r}: no exchange uses that code range; add .SH, .SZ or .BJ")


def is_convertible_bond(code: str) -> bool:
    """SSE 110/111/113/118 and SZSE 123/127/128 codes: traded in 张, lots of 10."""
    number, _, market = code.partition(".")
    return (market == "SH" and number[:3] in ("110", "111", "113", "118")) or (
        market == "SZ" and number[:3] in ("123", "127", "128")
    )


def buy_lot(code: str) -> tuple[int, int]:
    """``(minimum, step)`` of a buy: convertible bonds 10 and 10 张; STAR (688/689) 200 then 1 share; BSE
    100 then 1 share; everything else 100 and 100 shares (the exchanges' rules the server checks too)."""
    number, _, market = code.partition(".")
    if is_convertible_bond(code):
        return 10, 10
    if market == "SH" and number[:3] in ("688", "689"):
        return 200, 1
    if market == "BJ":
        return 100, 1
    return 100, 100
