"""The 200 answers of ``/api/futures/*``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented


class ContractChange(BaseModel):
    """The (second-)main contract from a day on."""

    model_config = ConfigDict(extra="forbid")

    date: str = Field(..., description="the first day it held the role, YYYYMMDD")
    contract: str = Field(..., description="e.g. IF2512.IF")


class MainContractAnswer(BaseModel):
    """The main (or second-main) contract of a futures product.

    Now or on a day (``contract``), or each change over a range (``changes``).
    """

    model_config = documented(
        {
            "code_market": "IF00.IF",
            "start_time": "20250101",
            "end_time": "20251120",
            "changes": [
                {"date": "20250102", "contract": "IF2501.IF"},
                {"date": "20250113", "contract": "IF2502.IF"},
            ],
            "data": [
                {"date": "20250102", "contract": "IF2501.IF"},
                {"date": "20250113", "contract": "IF2502.IF"},
            ],
        }
    )

    code_market: str = Field(..., description="the product's continuous code, e.g. IF00.IF")
    start_time: str = Field(..., description="YYYYMMDD as asked; empty = now")
    end_time: str = Field(..., description="YYYYMMDD as asked; empty without a range")
    contract: str | None = Field(
        None,
        description="without end_time (or when xtquant has no change in the range): the contract; null when "
        "there is none. Absent when changes is given",
    )
    changes: list[ContractChange] | None = Field(
        None, description="with start_time and end_time: each change in the range, oldest first"
    )
    data: str | list[ContractChange] | None = Field(
        ..., description="the same as contract or changes, under qmt-bridge 2.1.3's key"
    )


class TradingContractListAnswer(BaseModel):
    """The contracts of a futures product tradable on a day (``get_trading_contract_list``)."""

    model_config = documented(
        {
            "code_market": "IF00.IF",
            "date": None,
            "contracts": ["IF2511.IF", "IF2512.IF", "IF2603.IF", "IF2606.IF"],
        }
    )

    code_market: str
    date: str | None = Field(..., description="the day asked, YYYYMMDD; null = today")
    contracts: list[str] = Field(..., description="[] when none (e.g. before the product listed)")
