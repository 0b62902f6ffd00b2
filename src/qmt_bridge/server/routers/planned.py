"""Endpoints of the spec that are not built yet: they answer 501 ``not_implemented`` and say so.

qmt-bridge 2.1.3 (the existing implementation of the same spec) has paths of transfers not served yet, and
a few it offers that are not offered here (formula calls, tabular data, QMT's data export). A request to one of their paths gets 501 naming the
feature, instead of a 404 that suggests a typo. The routes stay out of the OpenAPI schema, so /docs lists
what works.

The seed makes every trading, credit and transfer endpoint require the API key whenever one is set, so the
HTTP placeholders check it first: a caller without the key gets the 401 it will get once they are built, and
learns nothing about the server from the 501.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Security

from qmt_bridge._version import __version__
from qmt_bridge.server.errors import BridgeError
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.security import api_key_header, check_api_key, single_api_key

FORMULA = "formula calls (公式/模型调用: they run QMT formulas, which a remote client cannot install)"
TABULAR = "tabular data (表格数据, xtquant's metatables)"
TRANSFER_LIMIT = "the bank transfer limit (银证转账限额: xttrader has no call for it)"
CTP = (
    "CTP fund transfers (期货/期权资金划转: accounts of a futures counter, which this server does not trade)"
)
SMT = "securities lending by agreement (约定式融券, SMT)"
EXPORT = (
    "QMT's data export (export_data, query_data: files written at a path on the Windows machine, in QMT's "
    "data-dictionary columns; the same records come as JSON from /api/trading/orders, /trades, /positions)"
)
SYNC = "writing deals made elsewhere into QMT's records (sync_transaction_from_external)"

#: (method, path) → the feature it belongs to.
PLANNED_HTTP: dict[tuple[str, str], str] = {
    # qmt-bridge 2.1.3's paths of capabilities not offered (see routers/compat.py)
    ("POST", "/api/formula/call"): FORMULA,
    ("POST", "/api/formula/call_batch"): FORMULA,
    ("POST", "/api/formula/generate_index"): FORMULA,
    ("GET", "/api/tabular/data"): TABULAR,
    ("GET", "/api/tabular/tables"): TABULAR,
    # qmt-bridge 2.1.3's transfer and SMT paths not served yet (issue 18)
    ("GET", "/api/bank/transfer_limit"): TRANSFER_LIMIT,
    ("POST", "/api/fund/ctp_transfer_in"): CTP,
    ("POST", "/api/fund/ctp_transfer_out"): CTP,
    ("GET", "/api/fund/ctp_balance"): CTP,
    ("POST", "/api/fund/ctp_option_to_future"): CTP,
    ("POST", "/api/fund/ctp_future_to_option"): CTP,
    ("POST", "/api/smt/order"): SMT,
    ("POST", "/api/smt/negotiate_order_async"): SMT,
    ("POST", "/api/smt/cancel"): SMT,
    ("GET", "/api/smt/quoter"): SMT,
    ("GET", "/api/smt/compact"): SMT,
    ("GET", "/api/smt/appointment"): SMT,
    ("GET", "/api/smt/secu_info"): SMT,
    ("GET", "/api/smt/secu_rate"): SMT,
    ("POST", "/api/trading/export_data"): EXPORT,
    ("GET", "/api/trading/query_data"): EXPORT,
    ("POST", "/api/trading/sync_transaction"): SYNC,
}


class NotBuiltYet(BridgeError):
    """A feature of the spec that this version does not have yet (501)."""

    status_code = 501
    code = "not_implemented"

    def __init__(self, what: str, feature: str) -> None:
        super().__init__(
            f"{what}: {feature} is not built yet in qmt-bridge {__version__}; "
            "see the status table in the README",
            details={"feature": feature},
        )


router = APIRouter(include_in_schema=False)


def _http_endpoint(method: str, path: str, feature: str) -> Callable[..., Awaitable[JSONResponse]]:
    async def not_built_yet(request: Request, api_key: str | None = Security(api_key_header)) -> JSONResponse:
        check_api_key(single_api_key(request), request.app.state.settings.api_key_value())
        raise NotBuiltYet(f"{method} {path}", feature)

    return not_built_yet


for (_method, _path), _feature in PLANNED_HTTP.items():
    router.add_api_route(_path, _http_endpoint(_method, _path, _feature), methods=[_method])
