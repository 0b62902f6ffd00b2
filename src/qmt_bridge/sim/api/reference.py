"""Reference data beyond the core: trading periods of all markets, field dictionaries, subscriptions."""

from __future__ import annotations

import functools
import os
import re
from typing import TYPE_CHECKING, Any

from qmt_bridge.sim.market.static import MARKETS, kline_trading_periods, trading_period
from qmt_bridge.sim.unsupported import SimUnsupportedError
from qmt_bridge.xtnames import XTSTOCKTYPE

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket

#: ``get_field_list(metaid)`` for the metaids the simulator serves.
FIELD_LISTS: dict[int, dict[str, str]] = {
    3001: {
        "time": "时间",
        "open": "开盘价",
        "high": "最高价",
        "low": "最低价",
        "close": "收盘价",
        "volume": "成交量",
        "amount": "成交额",
        "settelementPrice": "今结算",
        "openInterest": "持仓量",
        "preClose": "前收盘价",
        "suspendFlag": "停牌",
        "dr": "当日除权系数",
        "totaldr": "总的除权系数",
    },
    2: {
        "time": "时间",
        "lastPrice": "最新价",
        "open": "开盘价",
        "high": "最高价",
        "low": "最低价",
        "lastClose": "前收盘价",
        "amount": "成交额",
        "volume": "成交量",
        "pvolume": "原始成交总量",
        "stockStatus": "证券状态",
        "openInt": "持仓量",
        "transactionNum": "成交笔数",
        "lastSettlementPrice": "前结算",
        "settlementPrice": "今结算",
        "askPrice": "委卖价",
        "bidPrice": "委买价",
        "askVol": "委卖量",
        "bidVol": "委买量",
    },
}


class ReferenceAPI:
    """``get_kline_trading_period``, ``get_all_trading_periods``, ``get_all_kline_trading_periods``,
    ``get_field_list``, ``get_wp_market_list``, ``is_stock_type``, subscription info."""

    market: SimMarket

    def get_kline_trading_period(self, stock_code: str) -> dict[str, Any]:
        inst = self.market.universe.get(stock_code)
        market = inst.market if inst else stock_code.rsplit(".", 1)[-1]
        envelope = trading_period(market, inst)
        # The same envelope as get_trading_period, under the same key (xtdata.py docstring: 'tradings').
        envelope["tradings"] = kline_trading_periods(market, inst)
        return envelope

    def get_all_trading_periods(self) -> list[dict[str, Any]]:
        return [trading_period(market, None) for market in MARKETS if market != "BKZS"]

    def get_all_kline_trading_periods(self) -> list[dict[str, Any]]:
        return [self.get_kline_trading_period(f"000000.{market}") for market in MARKETS if market != "BKZS"]

    def get_field_list(self, metaid: int) -> dict[str, str]:
        return dict(FIELD_LISTS.get(int(metaid), {}))

    def get_wp_market_list(self) -> list[str]:
        """Foreign (外盘) markets: the simulator has none."""
        return []

    def is_stock_type(self, stock: str, tag: int) -> bool:
        """Whether ``stock`` is in the ``xtstocktype`` class ``tag``, by QMT's own definition of the class
        (:data:`STOCK_TYPE_CODES`, :data:`STOCK_TYPE_EXPRESSIONS`): its market and code range. Every constant of
        :data:`qmt_bridge.xtnames.XTSTOCKTYPE` is answered; ``False`` for codes the universe does not have and
        for tags that are no constant (the bridge refuses those with 400)."""
        inst = self.market.universe.get(stock)
        if inst is None:
            return False
        name = STOCK_TYPE_NAMES.get(int(tag))
        if name is None:
            return False
        return stock_type_matches(name, inst.symbol, inst.market)

    # ------------------------------------------------------------------ quote servers (none: in process)

    def get_quote_server_config(self) -> list[Any]:
        """The configured quote servers: none (the simulator's data is in process)."""
        return []

    def get_quote_server_status(self) -> dict[str, Any]:
        """``{quote key: server}`` of the connected quote servers: none."""
        return {}

    def show_quote_server_status(self) -> dict[str, str]:
        """``{quote key: 'ip:port'}``: none."""
        return {}

    def watch_quote_server_status(self, callback: Any) -> None:
        """Register for quote-server status changes; the simulator has none to report."""

    def watch_xtquant_status(self, callback: Any) -> None:
        """Register for connection status changes; the simulator's connection never changes."""

    def fetch_quote_server_from_config(self, root_path: str, key_list: list[str]) -> dict[str, Any] | None:
        """None when ``root_path`` has no ``userdata_mini/users/xtquoterconfig.xml`` (as xtquant); testing the
        servers a config names needs the network of a QMT install."""
        config = os.path.join(os.path.abspath(root_path), "userdata_mini", "users", "xtquoterconfig.xml")
        if not os.path.isfile(config):
            return None
        raise SimUnsupportedError(
            "fetch_quote_server_from_config: the simulator has no connection to QMT's quote servers; this "
            "call works only against a real MiniQMT"
        )


# ---------------------------------------------------------------------------------------------- xtstocktype

#: ``xtstocktype`` value -> name.
STOCK_TYPE_NAMES: dict[int, str] = {value: name for name, value in XTSTOCKTYPE.items()}

#: QMT's code ranges of the base and option classes, copied from the wheel's ``xtquant/config/xtstocktype.lua``
#: (``baseTypes`` and ``optionTypes``): name -> (market, patterns). A pattern is ``'|'``-separated
#: alternatives matched against the whole code without its market: ``*`` one character, ``?`` one or more,
#: anything else itself. A pattern of ``*`` only is the whole market (the nine ``XT_GE_MARKET_*`` classes). An
#: empty pattern (the commodity exchanges' arbitrage options) matches no code: the simulator has no arbitrage
#: options and no SFO/ZFO/DFO/IFO/GFO instruments at all.
STOCK_TYPE_CODES: dict[str, tuple[str, str]] = {
    "XT_GE_MARKET_SH": ("SH", "******"),
    "XT_GE_MARKET_SZ": ("SZ", "******"),
    "XT_GE_MARKET_ZJ": ("IF", "******"),
    "XT_GE_MARKET_SQ": ("SF", "******"),
    "XT_GE_MARKET_DS": ("DF", "******"),
    "XT_GE_MARKET_ZS": ("ZF", "******"),
    "XT_GE_MARKET_OF": ("OF", "******"),
    "XT_GE_MARKET_OP": ("SHO", "******"),
    "XT_GE_MARKET_NEW3BOARD": ("NEEQ", "******"),
    "XT_GE_SH_A": ("SH", "60****|65****|688***|689***"),
    "XT_GE_SH_B": ("SH", "90****"),
    "XT_GE_SH_FUND": ("SH", "50****"),
    "XT_GE_SH_INDEX": ("SH", "000***"),
    "XT_GE_SH_ETF": (
        "SH",
        (
            "510***|511***|512***|513***|515***|516***|517***|518***|520***|530***|560***|561***|562***"
            "|563***|588***"
        ),
    ),
    "XT_GE_SH_WARRANT": ("SH", "000000"),
    "XT_GE_SH_SUBSCRIBE": ("SH", "73****|78****|712***|715***|795***"),
    "XT_GE_SH_EXCHANGEABLE_LOAN": ("SH", "132***|1370**|1371**|1372**|1373**|1374**"),
    "XT_GE_SH_EXCHANGEABLE_LOAN_PLEDGE": ("SH", "133***"),
    "XT_GE_SH_EXCHANGEABLE_LOAN_SWAP": ("SH", "192***"),
    "XT_GE_SH_PRIVATELY_LOAN_TRANSFER": ("SH", "1355**|1356**|1357**|1358**|1359**"),
    "XT_GE_SH_SHORTTERM_CORPORATE_LOAN_TRANSFER": (
        "SH",
        "1350**|1351**|1352**|1353**|1354**|1175**|1176**|1177**|1178**|1179**",
    ),
    "XT_GE_SH_ABS": ("SH", "128***"),
    "XT_GE_SH_CORPORATE_LOAN_PLEDGE": ("SH", "102***|134***|154***|164***"),
    "XT_GE_SH_CORPORATE_BOND": (
        "SH",
        (
            "1230**|1231**|1232**|1233**|1234**|136***|143***|1220**|1221**|1222**|1223**|1224**|155***"
            "|163***|175***|185***|188***|1375**|1376**|1377**|1378**|1379**|1385**|1386**|1387**|1388**"
            "|1389**|115***|240***|241***|242***|243***|244***"
        ),
    ),
    "XT_GE_SH_PUBLIC_PREFERED_SHARES": ("SH", "330***"),
    "XT_GE_SH_NON_PUBLIC_PREFERED_SHARES_TRANSFER": ("SH", "360***"),
    "XT_GE_SH_PUBLIC_PREFERED_SHARES_SUBSCRIBE": ("SH", "770***"),
    "XT_GE_SH_PUBLIC_PREFERED_SHARES_PLACEMENTS": ("SH", "771***"),
    "XT_GE_SH_PUBLIC_PREFERED_SHARES_SUBSCRIBE_PRICE": ("SH", "772***"),
    "XT_GE_SH_PUBLIC_PREFERED_SHARES_SUBSCRIBE_DISTRIBUTION": ("SH", "773***"),
    "XT_GE_SH_GOVERNMENT_LOAN_REPURCHASE_TRUSTEE_SHIP": ("SH", "201***"),
    "XT_GE_SH_GOVERNMENT_LOAN_REPURCHASE_ENTERPRISE": ("SH", "202***"),
    "XT_GE_SH_GOVERNMENT_LOAN_REPURCHASE_BUYOUT": ("SH", "203***"),
    "XT_GE_SH_GOVERNMENT_LOAN_REPURCHASE_IMPAWN": ("SH", "204***"),
    "XT_GE_SH_GOVERNMENT_LOAN_REPURCHASE": ("SH", "201***|202***|203***|204***"),
    "XT_GE_SH_GOVERNMENT_LOAN_INTEREST_BEARING": ("SH", "010***|019***"),
    "XT_GE_SH_FINANCIAL_BONDS": ("SH", "018***"),
    "XT_GE_SH_GOVERNMENT_LOAN_DISCOUNT": ("SH", "020***"),
    "XT_GE_SH_CENTRAL_GOVERNMENT_LOAN": ("SH", "010***|019***|020***"),
    "XT_GE_SH_SEPERATION_BOND": ("SH", "126***"),
    "XT_GE_SH_ASSET_SECURITIZATION": ("SH", "121***"),
    "XT_GE_SH_CREDIT_ASSET_SUPPORTED": ("SH", "128***"),
    "XT_GE_SH_ENTERPRISE_BOND": (
        "SH",
        (
            "120***|124***|127***|129***|139***|1225**|1226**|1227**|1228**|1229**|152***|184***|270***"
            "|271***|272***"
        ),
    ),
    "XT_GE_SH_CONVERTIBALE_BOND": (
        "SH",
        (
            "1000**|1001**|1002**|1003**|1004**|1005**|1006**|1007**|1008**|110***|112***|113***|1110**"
            "|1111**|1112**|1113**|1114**|1180**|1181**|1182**|1183**|1184**"
        ),
    ),
    "XT_GE_SH_LOCAL_GOVERNMENT_LOAN": (
        "SH",
        (
            "130***|140***|147***|157***|160***|173***|171***|186***|101***|109***|198***|230***|231***"
            "|232***|233***"
        ),
    ),
    "XT_GE_SH_GOVERNMENT_LOAN": (
        "SH",
        (
            "010***|019***|020***|130***|160***|171***|009***|140***|147***|157***|173***|186***|101***"
            "|109***|198***|230***|231***|232***|233***"
        ),
    ),
    "XT_GE_SH_CPB": ("SH", "1370**|1371**|1372**|1373**|1374**"),
    "XT_GE_SH_STANDARD_BOND": ("SH", "888880|SHRQ88"),
    "XT_GE_SH_CLOSED_ENDED_FUNDS": ("SH", "500***|5058**"),
    "XT_GE_SH_POLICY_JRZ": ("SH", "018***|028***|038***"),
    "XT_GE_SH_PLEDGE": (
        "SH",
        (
            "09****|102***|103***|104***|105***|106***|107***|108***|133***|134***|141***|144***|148***"
            "|153***|154***|158***|161***|164***|172***|174***|176***|187***"
        ),
    ),
    "XT_GE_SH_OLD_GOVERNMENT_LOAN": ("SH", "009***"),
    "XT_GE_SH_GOVERNMENT_LOAN_DISCOUNT_REPURCHASE": ("SH", "107***"),
    "XT_GE_SH_CORPORATE_BOND_REPURCHASE": ("SH", "1040**|1041**|1042**|1043**|1044**"),
    "XT_GE_SH_GOVERNMENT_LOAN_DISTRIBUTE_SALE": ("SH", "7510**|7511**|7516**|7517**"),
    "XT_GE_SH_LOCAL_GOVERNMENT_LOAN_REPURCHASE": ("SH", "106***|141***|148***|158***|161***|172***|174***"),
    "XT_GE_SH_LOCAL_GOVERNMENT_LOAN_DISTRIBUTE_SALE": ("SH", "7514**|7515**"),
    "XT_GE_SH_SEPERATION_BOND_REPURCHASE": (
        "SH",
        "1050**|1051**|1052**|1053**|1054**|1055**|1056**|1057*|1058**",
    ),
    "XT_GE_SH_BOND_OFFER_REPURCHASE": ("SH", "205***"),
    "XT_GE_SH_MS_PRIVATE_PLACEMENT_BOND": ("SH", "125***|145***|150***|151***"),
    "XT_GE_SH_CROSS_BORDER_ETF": ("SH", "513**0|510900|5205**|5206**|5207**|5208**|5209**"),
    "XT_GE_SH_CROSS_BORDER_LOF": ("SH", "501018|501021|501023|501025|50130*|501310|501311|501313"),
    "XT_GE_SH_INNOVATION_CLOSED_ENDED_FUNDS": ("SH", "5058**"),
    "XT_GE_SF_FIXED_INCOME_ETF": ("SH", "511***"),
    "XT_GE_SH_GOLD": ("SH", "518**0"),
    "XT_GE_SH_RTMF": ("SH", "5198**"),
    "XT_GE_SH_TMF": ("SH", "5116**|5117**|5118**|5119**"),
    "XT_GE_SH_STOCK_IPO": ("SH", "730***|732***|780***|712***|795***|787***|707***"),
    "XT_GE_SH_LOAN_IPO": ("SH", "733***|783***|754***|7590**|713***|718***"),
    "XT_GE_SH_FUND_IPO": ("SH", "735***"),
    "XT_GE_SH_NEW_SHARES_DISTRIBUTION": ("SH", "741***|791***|736***|713***|716***|789***|796***|708***"),
    "XT_GE_SH_PLACING_FIRST_DISTRIBUTION": ("SH", "747***|797***"),
    "XT_GE_SH_CONVERTIBLE_BOUND_DISTRIBUTION": ("SH", "744***|794***|756***|714***|719***"),
    "XT_GE_SH_SUBSCRIPTION_PRICE": ("SH", "740***|790***|734***"),
    "XT_GE_SH_BONDS_FUNDS": ("SH", "743***|793***|755***"),
    "XT_GE_SH_SHARES_ALLOTMEN": ("SH", "700***|701***|702***|760***|742***|717***|762***|785***|797***"),
    "XT_GE_SH_SHARES_CONVERTIBLE_BOND": ("SH", "704***|764***|753***|715***|726***"),
    "XT_GE_SH_LOF": ("SH", "501***|502***|506***"),
    "XT_GE_SH_GF": ("SH", "502***"),
    "XT_GE_SH_XGED": ("SH", "SHXGED"),
    "XT_GE_SH_SEO": ("SH", "730***|731***|780***|781***"),
    "XT_GE_SH_PR_CB_ETF": ("SH", "513031|513501|513101|5109*1|513601|513661|513051"),
    "XT_GE_SH_LOAN_ETF": ("SH", "5110**|5111**|5112**|5113**|5114**|5115**"),
    "XT_GE_SH_EPB_TRANSFER": ("SH", "139***"),
    "XT_GE_SH_CPB_LOAN": ("SH", "1370**|1371**|1372**|1373**|1374**"),
    "XT_GE_SH_LOAN_REPURCHASE_DAY_1": ("SH", "204001"),
    "XT_GE_SH_LOAN_REPURCHASE_DAY_2": ("SH", "204002"),
    "XT_GE_SH_LOAN_REPURCHASE_DAY_3": ("SH", "204003"),
    "XT_GE_SH_LOAN_REPURCHASE_DAY_4": ("SH", "204004"),
    "XT_GE_SH_LOAN_REPURCHASE_DAY_7": ("SH", "204007"),
    "XT_GE_SH_LOAN_REPURCHASE_DAY_14": ("SH", "204014"),
    "XT_GE_SH_LOAN_REPURCHASE_DAY_28": ("SH", "204028"),
    "XT_GE_SH_LOAN_REPURCHASE_DAY_28_UPPER": ("SH", "204091|204182"),
    "XT_GE_SH_GSF": (
        "SH",
        "502**1|502**2|502**4|502**5|502**7|502008|502018|502028|502038|502058|502049|502050",
    ),
    "XT_GE_SH_ASS": (
        "SH",
        (
            "121***|1235**|1236**|1237**|1238**|1239**|128***|131***|142***|146***|149***|156***|159***"
            "|165***|168***|169***|179***|180***|183***|189***|1931**|1932**|1933**|1934**|1935**|1936**"
            "|1937**|1938**|1939**|112***|199***|260***|261***|262***|263***|264***|265***|266***"
        ),
    ),
    "XT_GE_SH_LOAN_CBB_SCB_NEW": ("SH", "733***|783***|754***|7590**|713***|718***"),
    "XT_GE_SH_OPEN_END_FUND": ("SH", "5190**|5191**|5192**|5193**|5194**|5195**|5196**|5197**|5199**"),
    "XT_GE_SH_OTHER_MF": ("SH", "5195**|5199**"),
    "XT_GE_SH_ENTERPROSE_SUPPORT_BOND": ("SH", "142***|131***|149***"),
    "XT_GE_SH_INNOVATE_DISTRIBUTION": ("SH", "716***"),
    "XT_GE_SH_INNOVATE_ALLOTMEN": ("SH", "717***"),
    "XT_GE_SH_CDR": ("SH", "6091**|6092**|6093**|6094**|6095**|6096**|6097**|6098**|6099**|689***"),
    "XT_GE_SH_CDR_DISTRIBUTION": ("SH", "713***|796***"),
    "XT_GE_SH_CDR_SUBSCRIBE": ("SH", "712***|795***"),
    "XT_GE_SH_CDR_ALLOTMEN": ("SH", "714***|797***"),
    "XT_GE_SH_LOAN_CR_ETF": (
        "SH",
        (
            "511011|511021|511031|511051|511061|511181|511221|511261|511271|511281|511311|511361|511381"
            "|5114*1|5115*1"
        ),
    ),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_1": ("SH", "205001"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_7": ("SH", "205007"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_14": ("SH", "205008"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_28": ("SH", "205010"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_42": ("SH", "205042"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_63": ("SH", "205063"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_91": ("SH", "205030"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_119": ("SH", "205119"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_154": ("SH", "205154"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_182": ("SH", "205182"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_273": ("SH", "205273"),
    "XT_GE_SH_PUBLIC_LOAN_PLEDGE": ("SH", "144***|176***|187***"),
    "XT_GE_SH_CONVERTIBLE_BOND_STOCK": ("SH", "181***|190***|191***|1950**|1951**|1952**|1953**|1954**"),
    "XT_GE_SH_BOND_RESALE": ("SH", "1820**|1821**|1822**|1009**"),
    "XT_GE_SH_BOND_PROTOCOL_REPURCHASE": ("SH", "206***"),
    "XT_GE_SH_BOND_TRIPARTITE_REPURCHASE": ("SH", "207***"),
    "XT_GE_SH_GOVERNMENT_LOAN_FUTURES": ("SH", "310***"),
    "XT_GE_SH_OPEN_GF_LOF": ("SH", "503***"),
    "XT_GE_SH_OPEN_END_FUND_SUBSCRIPTION": ("SH", "521***"),
    "XT_GE_SH_OPEN_END_FUND_CROSS_MARKET": ("SH", "522***"),
    "XT_GE_SH_OPEN_END_FUND_DIVIDEND": ("SH", "523***"),
    "XT_GE_SH_OPEN_END_FUND_CONVERSION": ("SH", "524***"),
    "XT_GE_SH_FUND_RAISING": ("SH", "705***"),
    "XT_GE_SH_TENDER_OFFER": ("SH", "706***"),
    "XT_GE_SH_ONLINE_VOTING": ("SH", "738***|752***|788***"),
    "XT_GE_SH_ONLINE_VOTING_B": ("SH", "938***"),
    "XT_GE_SH_FUND_SUBSCRIPTION": ("SH", "745***"),
    "XT_GE_SH_FUND_SUBSCRIPTION_DISTRIBUTION": ("SH", "746***"),
    "XT_GE_SH_INTEREST_RATE_GOVERNMENT_LOAN": ("SH", "75180*"),
    "XT_GE_SH_PRICE_GOVERNMENT_LOAN": ("SH", "75181*"),
    "XT_GE_SH_PUBLIC_LOAN_DISTRIBUTE_SALE": ("SH", "75185*|75186*|75187*|75188*|75189*"),
    "XT_GE_SH_LOAN_ISSUANCE_DISTRIBUTE_SALE": ("SH", "75197*|75198*|75199*"),
    "XT_GE_SH_EXCHANGEABLE_BOND_DISTRIBUTION": ("SH", "7580**"),
    "XT_GE_SH_DESIGNATED_TRANSACTION": ("SH", "799***"),
    "XT_GE_SH_NON_PUBLIC_CONVERTIBLE_BOND_STOCK": ("SH", "1930**"),
    "XT_GE_SH_ONLINE_VOTING_PASSWORD_SERVICE_B": ("SH", "939***"),
    "XT_GE_SH_GOVERNMENT_LOAN_PLEDGE": ("SH", "090***"),
    "XT_GE_SH_COUPON_GOVERNMENT_LOAN_PLEDGE": ("SH", "091***|099***"),
    "XT_GE_SH_CONVERTIBALE_BOND_RESALE": ("SH", "1009**|1820**|1821**"),
    "XT_GE_SH_ENTERPRISE_LOAN_PLEDGE": ("SH", "1059**"),
    "XT_GE_SH_LOW_CORPORATE_BOND": ("SH", "1230**|1231**|1232**|1233**|1234**"),
    "XT_GE_SH_ASSET_BACKED_SECURITIES": (
        "SH",
        (
            "1235**|1236**|1237**|1238**|1239**|168***|169***|1931**|1932**|1933**|1934**|1935**|1936**"
            "|1937**|1938**|1939**"
        ),
    ),
    "XT_GE_SH_TRANSACTION_ETF": ("SH", "5100*0|5101*0|5102*0|5104*0|5106*0|5107*0|5108*0"),
    "XT_GE_SH_CR_ETF": (
        "SH",
        (
            "5100*1|5101*1|5102*1|5103*1|5104*1|5105*1|5106*1|5107*1|5108*1|5880*1|5881*1|5882*1|5883*1"
            "|5884*1|517**1"
        ),
    ),
    "XT_GE_SH_FUND_ETF": (
        "SH",
        ("5100*2|5101*2|5102*2|5103*2|5104*2|5105*2|5106*2|5107*2|5108*2|5880*2|5881*2|5882*2|5883*2|5884*2"),
    ),
    "XT_GE_SH_SUBSCRIPTION_ETF": ("SH", "5100*3|5101*3|5102*3|5103*3|5104*3|5105*3|5106*3|5107*3|5108*3"),
    "XT_GE_SH_SUBSCRIPTION_REPAYMENT_ETF": (
        "SH",
        "5100*4|5101*4|5102*4|5103*4|5104*4|5105*4|5106*4|5107*4|5108*4",
    ),
    "XT_GE_SH_NON_FUND_ETF": ("SH", "5100*5|5101*5|5102*5|5103*5|5104*5|5105*5|5106*5|5107*5|5108*5"),
    "XT_GE_SH_TRANSACTION_ETF_CROSS_MARKET": (
        "SH",
        ("5103*0|5105*0|512**0|515**0|516**0|560**0|561**0|562**0|563**0|517**0|5883*0|5884*0|5885**|5886**"),
    ),
    "XT_GE_SH_CR_ETF_CROSS_MARKET": ("SH", "5103*1|5105*1|512**1"),
    "XT_GE_SH_FUND_ETF_CROSS_MARKET": ("SH", "5103*2|5105*2|512**2"),
    "XT_GE_SH_SUBSCRIPTION_ETF_CROSS_MARKET": ("SH", "5103*3|5105*3|512**3"),
    "XT_GE_SH_SUBSCRIPTION_REPAYMENT_ETF_CROSS_MARKET": ("SH", "5103*4|5105*4|512**4"),
    "XT_GE_SH_NON_FUND_ETF_CROSS_MARKET": ("SH", "5103*5|5105*5|512**5"),
    "XT_GE_SH_FUND_ETF_CROSS_BORDER": ("SH", "5109*2|513**2"),
    "XT_GE_SH_SUBSCRIPTION_ETF_CROSS_BORDER": ("SH", "5109*3|513**3"),
    "XT_GE_SH_SUBSCRIPTION_REPAYMENT_ETF_CROSS_BORDER": ("SH", "5109*4|513**4"),
    "XT_GE_SH_NON_FUND_ETF_CROSS_BORDER": ("SH", "5109*5|513**5"),
    "XT_GE_SH_TRANSACTION_ETF_LOAN": ("SH", "5110*0|5111*0|5112*0"),
    "XT_GE_SH_SUBSCRIPTION_ETF_LOAN": ("SH", "5110*3|5112*3"),
    "XT_GE_SH_SUBSCRIPTION_REPAYMENT_ETF_LOAN": ("SH", "5110*4|5112*4"),
    "XT_GE_SH_NON_FUND_ETF_LOAN": ("SH", "5110*5|5112*5"),
    "XT_GE_SH_TRANSACTION_ETF_CR_LOAN": ("SH", "5113*0|5114*0|5115*0"),
    "XT_GE_SH_FUND_ETF_CR_LOAN": ("SH", "5113*2|5114*2|5115*2"),
    "XT_GE_SH_SUBSCRIPTION_ETF_CR_LOAN": ("SH", "5113*3|5114*3|5115*3"),
    "XT_GE_SH_SUBSCRIPTION_REPAYMENT_ETF_CR_LOAN": ("SH", "5113*4|5114*4|5115*4"),
    "XT_GE_SH_NON_FUND_ETF_CR_LOAN": ("SH", "5113*5|5114*5|5115*5"),
    "XT_GE_SH_TRANSACTION_ETF_MONETARY_FUND": ("SH", "5116*0|5117*0|5118*0|5119*0"),
    "XT_GE_SH_SUBSCRIPTION_ETF_MONETARY_FUND": ("SH", "5116*3|5117*3|5118*3|5119*3"),
    "XT_GE_SH_SUBSCRIPTION_REPAYMENT_ETF_MONETARY_FUND": ("SH", "5116*4|5117*4|5118*4|5119*4"),
    "XT_GE_SH_NON_FUND_ETF_MONETARY_FUND": ("SH", "5116*5|5117*5|5118*5|5119*5"),
    "XT_GE_SH_SUBSCRIPTION_ETF_GOLD": ("SH", "518**3"),
    "XT_GE_SH_SUBSCRIPTION_FUND_ETF_GOLD": ("SH", "518**4"),
    "XT_GE_SH_CR_FUND_ETF_GOLD": ("SH", "518**5"),
    "XT_GE_SH_MONETARY_FUND_SUBSCRIPTION": ("SH", "5218**"),
    "XT_GE_SH_WARRANT_CREATION_CANCEL": ("SH", "581***"),
    "XT_GE_SH_TECH_BOARD": ("SH", "688***|689***"),
    "XT_GE_SH_SUBSCRIPTION_TECH_BOARD": ("SH", "787***"),
    "XT_PLEDGE_REPURCHASE_SH_DAY_1": ("SH", "206001"),
    "XT_PLEDGE_REPURCHASE_SH_DAY_7": ("SH", "206007"),
    "XT_PLEDGE_REPURCHASE_SH_DAY_14": ("SH", "206014"),
    "XT_PLEDGE_REPURCHASE_SH_DAY_21": ("SH", "206021"),
    "XT_PLEDGE_REPURCHASE_SH_DAY_30": ("SH", "206030"),
    "XT_PLEDGE_REPURCHASE_SH_DAY_90": ("SH", "206090"),
    "XT_PLEDGE_REPURCHASE_SH_DAY_180": ("SH", "206180"),
    "XT_PLEDGE_REPURCHASE_SH_DAY_270": ("SH", "206270"),
    "XT_PLEDGE_REPURCHASE_SH_DAY_365": ("SH", "206365"),
    "XT_GE_SH_TECH_BOARD_CDR": ("SH", "689***"),
    "XT_GE_SH_TECH_BOARD_CDR_DISTRIBUTION": ("SH", "796***"),
    "XT_GE_SH_TECH_BOARD_CDR_SUBSCRIBE": ("SH", "795***"),
    "XT_GE_SH_TECH_BOARD_CDR_ALLOTMEN": ("SH", "797***"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_21": ("SH", "205021"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_35": ("SH", "205035"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_210": ("SH", "205210"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_245": ("SH", "205245"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_301": ("SH", "205301"),
    "XT_GE_SH_QUOTATION_REPURCHASE_DAY_357": ("SH", "205357"),
    "XT_GE_SH_NON_PUBLIC_CORPORATE_LOAN": (
        "SH",
        (
            "125***|135***|145***|150***|151***|162***|166***|167***|177***|178***|194***|196***|197***"
            "|1823**|1824**|1825**|1826**|1827**|1828**|1829**|114***|250***|251***|252***|253***|254***"
            "|255***|256***|257***"
        ),
    ),
    "XT_GE_SH_ENTERPROSE_SUPPORT_AUCTION_BOND": ("SH", "142***|131***"),
    "XT_GE_SH_ABS_TRANSFER": ("SH", "149***"),
    "XT_GE_SH_TMFR": ("SH", "5116*1|5117*1|5118*1|5119*1|5195*1|5199*1"),
    "XT_GE_SH_PUBLIC_INFRASTRUCTURE_FUND": ("SH", "5080**"),
    "XT_GE_SH_DIRECTIONAL_CONVERTIBALE_BOND": ("SH", "1108**|1109**|1185**|1186**"),
    "XT_GE_SH_50_ETF": ("SH", "510050"),
    "XT_GE_SH_300_ETF": ("SH", "510300"),
    "XT_GE_SH_PUBLIC_CORPORATE_TRADE_LOAN": (
        "SH",
        "115***|136***|143***|163***|175***|185***|188***|240***|241***|242***|243***|244***",
    ),
    "XT_GE_SH_TECH_BOARD_ETF": ("SH", "5880*1|5881*1|5882*1|5883*1|5884*1"),
    "XT_GE_SH_NON_PUBLIC_CONVERTIBLE_CORPORATE_LOAN": ("SH", "1108**|1109**"),
    "XT_GE_SH_TECH_BOARD_CONVERTIBLE_BOND": ("SH", "1180**|1181**|1182**|1183**|1184**"),
    "XT_GE_SH_TECH_BOARD_CONVERTIBLE_BOND_IPO": ("SH", "718***"),
    "XT_GE_SH_TECH_BOARD_CONVERTIBLE_BOND_IPO_DISTRIBUTION": ("SH", "719***"),
    "XT_GE_SH_TECH_BOARD_SHARES_CONVERTIBLE_BOND": ("SH", "726***"),
    "XT_GE_SH_ALLOW_PLEDGE_BOND": (
        "SH",
        (
            "009***|010***|019***|020***|105***|110***|113***|120***|122***|123***|126***|127***|129***"
            "|130***|136***|137***|140***|143***|147***|152***|155***|157***|160***|163***|171***|173***"
            "|175***|188***"
        ),
    ),
    "XT_GE_SH_CPB_SWAP": ("SH", "1380**|1381**|1382**|1383**|1384**"),
    "XT_GE_SH_GOVERNMENT_BANK_FINANCE_LOAN_DISTRIBUTE_SALE": ("SH", "7512**|7513**"),
    "XT_GE_SH_LOCAL_GOVERNMENT_LOAN_ONLINE_DISTRIBUTE_SALE": (
        "SH",
        "75190*|75191*|75192*|75193*|75194*|75195*|75196*",
    ),
    "XT_GE_SH_PLACING": ("SH", "703***"),
    "XT_GE_SH_TECH_BOARD_ETF_ETFCODE": ("SH", "588***"),
    "XT_GE_SH_MAIN_BOARD": ("SH", "60****"),
    "XT_GE_SH_500_ETF": ("SH", "510500"),
    "XT_GE_SH_TECH_BOARD_50_ETF": ("SH", "588080"),
    "XT_GE_SH_TECH_50_ETF": ("SH", "588000"),
    "XT_GE_SH_GOV_ALLOW": ("SH", "1279**|1848**|1849**"),
    "XT_GE_SH_TECH_DIRECTIONAL_CONVERTIBALE_BOND": ("SH", "1185**|1186**"),
    "XT_GE_SZ_A": ("SZ", "00****|30****"),
    "XT_GE_SZ_B": ("SZ", "20****"),
    "XT_GE_SZ_FUND": ("SZ", "15****|16****|18****"),
    "XT_GE_SZ_MAIN_BOARD": ("SZ", "000***|001***|002***|003***|004***"),
    "XT_GE_SZ_SME_BOARD": ("SZ", "000000"),
    "XT_GE_SZ_GEM_BORAD": ("SZ", "30****"),
    "XT_GE_SZ_INDEX": ("SZ", "39****|98****"),
    "XT_GE_SZ_ETF": ("SZ", "158***|159***"),
    "XT_GE_SZ_WARRANT": ("SZ", "03****"),
    "XT_GE_SZ_GLR": ("SZ", "131990"),
    "XT_GE_SZ_GLIB": ("SZ", "100***|101***|102***|103***|104***|105***|106***|107***"),
    "XT_GE_SZ_GLD": ("SZ", "108***|110***"),
    "XT_GE_SZ_CB": ("SZ", "112***|524***|525***|526***|527***|528***|529***"),
    "XT_GE_SZ_EB": ("SZ", "111***"),
    "XT_GE_SZ_SB": ("SZ", "115***"),
    "XT_GE_SZ_MSP_PB": ("SZ", "118***|114***|133***|134***|520***|521***|522***|523***"),
    "XT_GE_SZ_SFMP": ("SZ", "119***"),
    "XT_GE_SZ_LGL": ("SZ", "109***|104***|105***|106***|107***|19****|173***|56****|57****|58****|59****"),
    "XT_GE_SZ_CBB": (
        "SZ",
        "1210**|1211**|1212**|1213**|1214**|122***|123***|124***|125***|126***|127***|128***|129***",
    ),
    "XT_GE_SZ_STANDAR_B": ("SZ", "131990|131991|SZRQ88"),
    "XT_GE_SZ_CEF": ("SZ", "184***"),
    "XT_GE_SZ_LOF": ("SZ", "16****"),
    "XT_GE_SZ_GF": (
        "SZ",
        (
            "150***|151***|160516|161207|162509|161715|161816|161812|161819|160417|160718|502040|163406"
            "|163109|165310|164809|164808"
        ),
    ),
    "XT_GE_SZ_SCB_PB": ("SZ", "117***|1156**|1157**|1158**|1159**"),
    "XT_GE_SZ_SC_SB": ("SZ", "1189**|1151**|1152**|1153**|1154**|1155**"),
    "XT_GE_SZ_SPB": ("SZ", "1180**|1181**|1182**|1183**|1184**|1185**|1186**|1187**|1188**"),
    "XT_GE_SZ_ASS": (
        "SZ",
        (
            "116***|1191**|1192**|1193**|1194**|138***|139***|135***|136***|137***|143***|144***|146***"
            "|50****|51****"
        ),
    ),
    "XT_GE_SZ_GSF": ("SZ", "150***|151***"),
    "XT_GE_SZ_CB_ETF": (
        "SZ",
        (
            "159920|159941|159954|159960|159605|159607|159612|159615|159632|159636|159655|159711|159712"
            "|159718|159726|159735|159740|159741|159742|159747|159750|159751|159776|159788|159792|159822"
            "|159823|159850|159866|159892|159519|159696|159699|159509|159513|159506|159501|159659|159568"
            "|159577|159529|159570|159567|159502|159518|159691|159660|159688|159687|159318|159303|159329"
            "|159331|159569|159302|159333|159312"
        ),
    ),
    "XT_GE_SZ_CB_LOF": (
        "SZ",
        (
            "160125|160416|160717|160719|161116|161210|161714|161815|162411|164701|164705|164815|164824"
            "|165510|165513|164906|163208|162719|162416|162415|161831|161229|161130|161129|161128|161127"
            "|161126|161125|161124|160924|160923|160922|160723|160644|160322|160216|160140|160138"
        ),
    ),
    "XT_GE_SZ_ICEF": ("SZ", "150***"),
    "XT_GE_SZ_ZB_CCB": ("SZ", "127***"),
    "XT_GE_SZ_CYB_CCB": ("SZ", "123***"),
    "XT_GE_SZ_ZXB_CCB": ("SZ", "128***"),
    "XT_GE_SZ_GLRA": ("SZ", "131***"),
    "XT_GE_SZ_GOLD": ("SZ", "159934|159937|159812|159830|159831|159834"),
    "XT_GE_SZ_RTMF": ("SZ", "1590**"),
    "XT_GE_SZ_XGED": ("SZ", "SZXGED"),
    "XT_GE_SZ_SEO": ("SZ", "07****|37****"),
    "XT_GE_SZ_SA": ("SZ", "08****|380***"),
    "XT_GE_SZ_LOAN_ETF": ("SZ", "159972|159816|159649|159650|159651"),
    "XT_GE_SZ_LOAN_REPURCHASE_DAY_1": ("SZ", "131810"),
    "XT_GE_SZ_LOAN_REPURCHASE_DAY_2": ("SZ", "131811"),
    "XT_GE_SZ_LOAN_REPURCHASE_DAY_3": ("SZ", "131800"),
    "XT_GE_SZ_LOAN_REPURCHASE_DAY_4": ("SZ", "131809"),
    "XT_GE_SZ_LOAN_REPURCHASE_DAY_7": ("SZ", "131801"),
    "XT_GE_SZ_LOAN_REPURCHASE_DAY_14": ("SZ", "131802"),
    "XT_GE_SZ_LOAN_REPURCHASE_DAY_28": ("SZ", "131803"),
    "XT_GE_SZ_LOAN_REPURCHASE_DAY_28_UPPER": ("SZ", "131805|131806"),
    "XT_GE_SZ_POB": ("SZ", "148***|149***"),
    "XT_GE_BANK_LOAN": ("SZ", "1086**|1087**|1088**|1089**"),
    "XT_GE_SZ_GOV_ALLOW": ("SZ", "1119**|130***"),
    "XT_GE_SZ_INNOVATE_KZZ": ("SZ", "1210**|1211**|1212**|1213**|1214**"),
    "XT_GE_SZ_LOAN_IPO": ("SZ", "07****|37****|120***"),
    "XT_GE_SZ_ENTERPROSE_SUPPORT_BOND": (
        "SZ",
        "116***|119***|138***|139***|135***|136***|137***|143***|144***|146***",
    ),
    "XT_GE_SZ_CDR_ALLOTMEN": ("SZ", "08****"),
    "XT_PLEDGE_REPURCHASE_SZ_DAY_1": ("SZ", "131981"),
    "XT_PLEDGE_REPURCHASE_SZ_DAY_7": ("SZ", "131982"),
    "XT_PLEDGE_REPURCHASE_SZ_DAY_14": ("SZ", "131983"),
    "XT_PLEDGE_REPURCHASE_SZ_DAY_21": ("SZ", "131984"),
    "XT_PLEDGE_REPURCHASE_SZ_DAY_30": ("SZ", "131985"),
    "XT_PLEDGE_REPURCHASE_SZ_DAY_90": ("SZ", "131986"),
    "XT_PLEDGE_REPURCHASE_SZ_DAY_180": ("SZ", "131987"),
    "XT_PLEDGE_REPURCHASE_SZ_DAY_270": ("SZ", "131988"),
    "XT_PLEDGE_REPURCHASE_SZ_DAY_365": ("SZ", "131989"),
    "XT_GE_SZ_NON_PUBLIC_PREFERED_SHARES_TRANSFER": ("SZ", "140***"),
    "XT_GE_SZ_LOAN_ISSUANCE_DISTRIBUTE_SALE": ("SZ", "10165*|10166*|10167*|10168*|10169*"),
    "XT_GE_SZ_LOAN_REITS": ("SZ", "1215**|1216**|1217**|1218**|1219**"),
    "XT_GE_SZ_LOAN_DIRECTIONAL": ("SZ", "10165*|10166*|10167*|10168*|10169*|124***"),
    "XT_GE_SZ_300_ETF": ("SZ", "159919"),
    "XT_GE_SZ_OLDSHARES_PREFERRED_CONVERTIBLE_BOND": ("SZ", "38****"),
    "XT_GE_SZ_GEM_BORAD_DR": ("SZ", "3098**|3099**"),
    "XT_GE_SZ_MAIN_SME_BORAD_DR": (
        "SZ",
        "0010*1|0010*2|0010*3|0010*4|0010*5|0010*6|0010*7|0010*8|0010*9|0011**",
    ),
    "XT_GE_SZ_SHARES_CONVERTIBLE_BOND": ("SZ", "08****|38****"),
    "XT_GE_SZ_PUBLIC_INFRASTRUCTURE_FUND": ("SZ", "180***"),
    "XT_GE_SZ_DIRECTIONAL_CONVERTIBALE_BOND": ("SZ", "124***"),
    "XT_GE_SZ_EXCHANGEABLE_LOAN": ("SZ", "120***|117***|1156**|1157**|1158**|1159**"),
    "XT_GE_SZ_ETF_CROSS_MARKET": (
        "SZ",
        (
            "159602|159603|159606|159608|159609|159610|159611|159613|159616|159617|159618|159619|159620"
            "|159621|159623|159625|159628|159629|159630|159631|159633|159635|159637|159638|159639|159640"
            "|159641|159642|159643|159645|159646|159647|159658|159663|159667|159701|159703|159707|159713"
            "|159715|159717|159719|159720|159723|159725|159728|159729|159730|159731|159732|159736|159738"
            "|159739|159743|159745|159748|159752|159755|159757|159758|159760|159761|159763|159766|159767"
            "|159768|159769|159770|159775|159778|159779|159780|159781|159782|159786|159787|159791|159793"
            "|159795|159796|159797|159798|159813|159819|159820|159824|159825|159827|159828|159835|159837"
            "|159838|159839|159840|159841|159842|159843|159845|159847|159848|159849|159851|159852|159855"
            "|159856|159857|159858|159859|159861|159862|159863|159864|159865|159867|159870|159871|159872"
            "|159873|159875|159876|159877|159880|159881|159883|159885|159886|159887|159888|159889|159890"
            "|159891|159895|159896|159898|159899|159801|159805|159806|159807|159811|159919|159922|159923"
            "|159925|159928|159929|159930|159931|159933|159935|159936|159938|159939|159940|159944|159945"
            "|159959|159965|159968|159973|159974|159982|159987|159990|159992|159993|159994|159995|159996"
            "|159997|159998|159976|159869|159790|159783|159601|159672|159676|159685|159653|159657|159689"
            "|159671|159678|159679|159666|159652|159656|159669|159683|159665|159677|159675|159662|159627"
            "|159680|159907|159515|159517|159698|159510|159511|159516|159512|159503|159686|159673|159508"
            "|159690|159507|159692|159695|159622|159670|159697|159505|159520|159521|159522|159523|159531"
            "|159532|159535|159536|159537|159538|159539|159540|159543|159546|159549|159551|159555|159560"
            "|159661|159693|159565|159566|159547|159527|159562|159530|159556|159559|159593|159589|159591"
            "|159592|159595|159596|159581|159586|159300|159542|159533|159322|159315|159558|159309|159552"
            "|159583|159800|159301|159332|159327|159330|159587|159335|159326|159351|159339|159338|159352"
            "|159353|159305|159337|159590|159325|159328|159361"
        ),
    ),
    "XT_GE_SZ_100_ETF": ("SZ", "159901"),
    "XT_GE_SZ_500_ETF": ("SZ", "159922"),
    "XT_GE_SZ_CYB_ETF": ("SZ", "159915"),
    "XT_GE_SZ_BEARER_LOAN_ETF": ("SZ", "159972|159816"),
    "XT_GE_SZ_CR_LOAN_ETF": ("SZ", "159651|159649|159650"),
    "XT_GE_SZ_COMMODITY_FUTURES_ETF": ("SZ", "159980|159981|159985"),
    "XT_GE_MARKET_NEW3BOARD_DELISTED": ("NEEQ", "400***|420***"),
    "XT_GE_NEW3BOARD_PREFERED_SHARES_TRANSFER": ("NEEQ", "820***"),
    "XT_GE_BJ": ("BJ", "43****|83****|87****|920***"),
    "XT_GE_BJ_SUBSCRIBE": ("BJ", "889***|920***"),
    "XT_GE_BJ_CENTRAL_GOVERNMENT_LOAN": ("BJ", "802***|812***"),
    "XT_GE_BJ_LOCAL_GOVERNMENT_LOAN": ("BJ", "801***|809***"),
    "XT_GE_BJ_GOVERNMENT_LOAN": ("BJ", "802***|812***|801***|809***"),
    "XT_GE_BJ_CORPORATE_LOAN": ("BJ", "821***"),
    # optionTypes
    "XT_GE_SF_FTOPTION": (
        "SFO",
        (
            "au*****?|cu*****?|al*****?|ru*****?|zn*****?|ag*****?|rb*****?|br*****?|pb*****?|ni*****?"
            "|sn*****?|ao*****?"
        ),
    ),
    "XT_GE_ZF_FTOPTION": (
        "ZFO",
        (
            "SR****?|CF****?|TA****?|MA****?|RM****?|ZC****?|OI****?|PK****?|PX****?|SH****?|PF****?|SA****?"
            "|SM****?|SF****?|UR****?|AP****?"
        ),
    ),
    "XT_GE_DF_FTOPTION": (
        "DFO",
        (
            "m****-*-?|c****-*-?|i****-*-?|y****-*-?|p****-*-?|j****-*-?|jm****-*-?|pg****-*-?|v****-*-?"
            "|l****-*-?|pp****-*-?|a****-*-?|b****-*-?|eg****-*-?|eb****-*-?|jd****-*-?|cs****-*-?|lh****-*-?"
            "|lg****-*-?"
        ),
    ),
    "XT_GE_IF_FTOPTION": ("IFO", "HO?|IO?|MO?|ZO?|IF?^&&IO?"),
    "XT_GE_SF_ARBITAGE_FTOPTION": ("SFO", ""),
    "XT_GE_ZF_ARBITAGE_FTOPTION": ("ZFO", ""),
    "XT_GE_DF_ARBITAGE_FTOPTION": ("DFO", ""),
    "XT_GE_IF_ARBITAGE_FTOPTION": ("IFO", "IF?^&&IO?|HO?^&&?|IO?^&&?"),
    "XT_GE_INE_FTOPTION": ("INE", "bc*****?|lu*****?|nr*****?|sc*****?"),
    "XT_GE_INE_ARBITAGE_FTOPTION": ("INE", ""),
    "XT_GE_GF_FTOPTION": ("GFO", "si*****?|lc*****?"),
}

#: The extended classes (``extraTypes`` of the same file): ``|`` or, ``&`` and, ``!`` not, parentheses, over
#: other classes. Taken as written, e.g. XT_GE_EXTRA_STOCK_EX (广义的股票) is every code that is no SH/SZ index,
#: futures and HK stocks included; XT_GE_EXTRA_MARKET_FU (期货市场) is CFFEX, SHFE, DCE and CZCE, without
#: INE and GFEX.
STOCK_TYPE_EXPRESSIONS: dict[str, str] = {
    "XT_GE_EXTRA_STOCK_A": "XT_GE_SH_A|XT_GE_SZ_A|XT_GE_BJ",
    "XT_GE_EXTRA_STOCK_B": "XT_GE_SH_B|XT_GE_SZ_B",
    "XT_GE_EXTRA_STOCK": "XT_GE_EXTRA_STOCK_A|XT_GE_EXTRA_STOCK_B",
    "XT_GE_EXTRA_FUND": "XT_GE_SH_FUND|XT_GE_SZ_FUND",
    "XT_GE_EXTRA_STOCK_INDEX": "XT_GE_SZ_INDEX|XT_GE_SH_INDEX",
    "XT_GE_EXTRA_MARKET_CF": "XT_GE_MARKET_SQ|XT_GE_MARKET_DS|XT_GE_MARKET_ZS",
    "XT_GE_EXTRA_MARKET_FU": "XT_GE_MARKET_ZJ|XT_GE_EXTRA_MARKET_CF",
    "XT_GE_EXTRA_MARKET_ST": "XT_GE_MARKET_SH|XT_GE_MARKET_SZ",
    "XT_GE_EXTRA_SZ_CGL": "XT_GE_SZ_GLIB|XT_GE_SZ_GLD",
    "XT_GE_EXTRA_SZ_GL": "XT_GE_EXTRA_SZ_CGL|XT_GE_SZ_LGL",
    "XT_GE_EXTRA_SZ_LOAN": (
        "XT_GE_SZ_GLIB|XT_GE_SZ_GLD|XT_GE_SZ_CB|XT_GE_SZ_CBB|XT_GE_SZ_EB|XT_GE_SZ_SB|XT_GE_SZ_MSP_PB"
        "|XT_GE_SZ_SFMP|XT_GE_SZ_LGL|XT_GE_SZ_POB|XT_GE_SZ_SCB_PB|XT_GE_SZ_ZB_CCB|XT_GE_SZ_CYB_CCB"
        "|XT_GE_SZ_ZXB_CCB|XT_GE_SZ_LOAN_REITS|XT_GE_SZ_LOAN_DIRECTIONAL|XT_GE_SZ_EXCHANGEABLE_LOAN"
        "|XT_GE_SZ_ENTERPROSE_SUPPORT_BOND|XT_GE_SZ_GOV_ALLOW|XT_GE_SZ_LOAN_IPO|XT_GE_SZ_ASS"
    ),
    "XT_GE_EXTRA_STOCK_EX": "!XT_GE_EXTRA_STOCK_INDEX",
    "XT_GE_EXTRA_ETF": "XT_GE_SH_ETF|XT_GE_SZ_ETF",
    "XT_GE_EXTRA_CLOSED_ENDED_FUNDS": "XT_GE_SH_CLOSED_ENDED_FUNDS|XT_GE_SZ_CEF",
    "XT_GE_EXTRA_WARRANT": "XT_GE_SH_WARRANT|XT_GE_SZ_WARRANT",
    "XT_GE_EXTRA_LOAN": "XT_GE_EXTRA_SH_LOAN|XT_GE_EXTRA_SZ_LOAN|XT_GE_EXTRA_BJ_LOAN",
    "XT_GE_EXTRA_SZ_GLR": "XT_GE_SZ_GLRA&(!XT_GE_SZ_GLR)",
    "XT_GE_EXTRA_STANDARD_BOND": "XT_GE_SH_STANDARD_BOND|XT_GE_SZ_STANDAR_B",
    "XT_GE_EXTRA_POLICY_JRZ": "XT_GE_SH_POLICY_JRZ",
    "XT_GE_EXTRA_GLR": "XT_GE_SH_GOVERNMENT_LOAN_REPURCHASE|XT_GE_EXTRA_SZ_GLR",
    "XT_GE_EXTRA_REPURCHASE_IMPAWN": "XT_GE_SH_GOVERNMENT_LOAN_REPURCHASE_IMPAWN|XT_GE_EXTRA_SZ_GLR",
    "XT_GE_EXTRA_GOLD": "XT_GE_SH_GOLD|XT_GE_SZ_GOLD",
    "XT_GE_EXTRA_RTMF": "XT_GE_SH_RTMF|XT_GE_SZ_RTMF",
    "XT_GE_EXTRA_MONETARY_FUND": "XT_GE_EXTRA_RTMF|XT_GE_SH_TMF|XT_GE_SH_OTHER_MF",
    "XT_GE_EXTRA_SH_IPO": "XT_GE_SH_STOCK_IPO|XT_GE_SH_LOAN_IPO|XT_GE_SH_FUND_IPO",
    "XT_GE_EXTRA_CB_ETF": "XT_GE_SZ_CB_ETF|XT_GE_SH_CROSS_BORDER_ETF",
    "XT_GE_EXTRA_CB_LOF": "XT_GE_SH_CROSS_BORDER_LOF|XT_GE_SZ_CB_LOF",
    "XT_GE_EXTRA_STOCK_TRANABLE": (
        "XT_GE_EXTRA_STOCK|XT_GE_EXTRA_FUND|XT_GE_EXTRA_ETF|XT_GE_EXTRA_WARRANT|XT_GE_SH_SUBSCRIBE"
        "|XT_GE_SZ_GEM_BORAD|XT_GE_EXTRA_GLR|XT_GE_EXTRA_LOAN|XT_GE_SF_FIXED_INCOME_ETF|XT_GE_EXTRA_GOLD"
        "|XT_GE_EXTRA_MONETARY_FUND|XT_GE_EXTRA_SZ_CGL|XT_GE_SH_CENTRAL_GOVERNMENT_LOAN"
        "|XT_GE_SH_LOCAL_GOVERNMENT_LOAN|XT_GE_SZ_LGL|XT_GE_EXTRA_SH_IPO|XT_GE_SH_PLEDGE"
        "|XT_GE_EXTRA_CB_ETF|XT_GE_EXTRA_CB_LOF|XT_GE_SH_SHARES_ALLOTMEN|XT_GE_SH_SHARES_CONVERTIBLE_BOND"
        "|XT_GE_SZ_CBB|XT_GE_SH_CONVERTIBALE_BOND|XT_GE_SH_SEO|XT_GE_SZ_SEO|XT_GE_SH_LOAN_CBB_SCB_NEW"
        "|XT_GE_SZ_LOAN_IPO|XT_GE_SZ_CDR_ALLOTMEN|XT_GE_SH_TECH_BOARD|XT_GE_SH_BOND_OFFER_REPURCHASE"
        "|XT_GE_SH_SUBSCRIPTION_TECH_BOARD|XT_GE_SH_TRANSACTION_ETF_CROSS_MARKET|XT_GE_BOND_DISTRIBUTION"
        "|XT_GE_SH_PUBLIC_PREFERED_SHARES|XT_GE_SH_NON_PUBLIC_PREFERED_SHARES_TRANSFER"
        "|XT_GE_SH_BOND_RESALE|XT_GE_SH_CONVERTIBALE_BOND_RESALE|XT_GE_SH_CONVERTIBLE_BOND_STOCK"
        "|XT_GE_SZ_NON_PUBLIC_PREFERED_SHARES_TRANSFER|XT_GE_SZ_SA"
        "|XT_GE_SZ_OLDSHARES_PREFERRED_CONVERTIBLE_BOND|XT_GE_SH_ENTERPROSE_SUPPORT_AUCTION_BOND"
        "|XT_GE_EXTRA_PUBLIC_INFRASTRUCTURE_FUND|XT_GE_BJ_SUBSCRIBE|XT_GE_BJ_GOVERNMENT_LOAN"
        "|XT_GE_BJ_CORPORATE_LOAN"
    ),
    "XT_GE_EXTRA_MAIN_BOARD": "XT_GE_SH_MAIN_BOARD|XT_GE_SZ_MAIN_BOARD",
    "XT_GE_EXTRA_INTRA_DAY": (
        "XT_GE_EXTRA_LOAN|XT_GE_EXTRA_GOLD|XT_GE_SF_FIXED_INCOME_ETF|XT_GE_EXTRA_WARRANT"
        "|XT_GE_EXTRA_CB_ETF|XT_GE_EXTRA_CB_LOF|XT_GE_SH_TMF|XT_GE_SZ_RTMF|XT_GE_EXTRA_LOAN_ETF"
        "|XT_GE_EXTRA_MARKET_FU|XT_GE_MARKET_OP"
    ),
    "XT_GE_EXTRA_SH_DISTRIBUTION": (
        "XT_GE_SH_NEW_SHARES_DISTRIBUTION|XT_GE_SH_PLACING_FIRST_DISTRIBUTION"
        "|XT_GE_SH_CONVERTIBLE_BOUND_DISTRIBUTION"
    ),
    "XT_GE_EXTRA_XGED": "XT_GE_SH_XGED|XT_GE_SZ_XGED",
    "XT_GE_SHARES_ALLOTMEN": "XT_GE_SH_SHARES_ALLOTMEN|XT_GE_SZ_SA",
    "XT_GE_EXTRA_FI_ETF": "XT_GE_SF_FIXED_INCOME_ETF",
    "XT_GE_EXTRA_ST_FIX": (
        "XT_GE_SH_GOVERNMENT_LOAN_INTEREST_BEARING|XT_GE_SZ_GLIB|XT_GE_SH_GOVERNMENT_LOAN_DISCOUNT"
        "|XT_GE_SZ_GLD|XT_GE_SH_GOVERNMENT_LOAN|XT_GE_EXTRA_SZ_GL|XT_GE_SZ_EB|XT_GE_SH_ENTERPRISE_BOND"
        "|XT_GE_SZ_MSP_PB|XT_GE_SH_CONVERTIBALE_BOND|XT_GE_SZ_CBB|XT_GE_SH_SEPERATION_BOND|XT_GE_SZ_SB"
        "|XT_GE_EXTRA_GLR|XT_GE_EXTRA_STANDARD_BOND|XT_GE_EXTRA_MONETARY_FUND|XT_GE_SF_FIXED_INCOME_ETF"
        "|XT_GE_SZ_LOAN_REITS|XT_GE_SZ_LOAN_DIRECTIONAL|XT_GE_EXTRA_FICC|XT_GE_EXTRA_LOAN"
    ),
    "XT_GE_EXTRA_GF": "XT_GE_SH_GF|XT_GE_SZ_GF",
    "XT_GE_EXTRA_LOF": "XT_GE_SH_LOF|XT_GE_SZ_LOF",
    "XT_GE_EXTRA_LOAN_ETF": "XT_GE_SH_LOAN_ETF|XT_GE_SZ_LOAN_ETF",
    "XT_GE_EXTRA_SH_LOAN": (
        "XT_GE_SH_GOVERNMENT_LOAN_INTEREST_BEARING|XT_GE_SH_GOVERNMENT_LOAN_DISCOUNT"
        "|XT_GE_SH_LOCAL_GOVERNMENT_LOAN|XT_GE_SH_CONVERTIBALE_BOND|XT_GE_SH_CORPORATE_BOND"
        "|XT_GE_SH_ENTERPRISE_BOND|XT_GE_SH_ASSET_SECURITIZATION|XT_GE_SH_SEPERATION_BOND_REPURCHASE"
        "|XT_GE_SH_FINANCIAL_BONDS|XT_GE_SH_CREDIT_ASSET_SUPPORTED|XT_GE_SH_EXCHANGEABLE_LOAN"
        "|XT_GE_SH_PRIVATELY_LOAN_TRANSFER|XT_GE_SH_SHORTTERM_CORPORATE_LOAN_TRANSFER"
        "|XT_GE_SH_EPB_TRANSFER|XT_GE_SH_CPB|XT_GE_SH_CPB_LOAN|XT_GE_SH_GOVERNMENT_LOAN"
        "|XT_GE_SH_SEPERATION_BOND|XT_GE_SH_LOAN_CBB_SCB_NEW|XT_GE_SH_MS_PRIVATE_PLACEMENT_BOND"
        "|XT_GE_SH_ENTERPROSE_SUPPORT_BOND|XT_GE_SH_PUBLIC_CORPORATE_TRADE_LOAN"
        "|XT_GE_SH_NON_PUBLIC_CORPORATE_LOAN|XT_GE_SH_ASS|XT_GE_SH_GOV_ALLOW|XT_GE_SH_LOAN_IPO"
    ),
    "XT_GE_EXTRA_REPURCHASE_DAY_1": "XT_GE_SH_LOAN_REPURCHASE_DAY_1|XT_GE_SZ_LOAN_REPURCHASE_DAY_1",
    "XT_GE_EXTRA_REPURCHASE_DAY_2": "XT_GE_SH_LOAN_REPURCHASE_DAY_2|XT_GE_SZ_LOAN_REPURCHASE_DAY_2",
    "XT_GE_EXTRA_REPURCHASE_DAY_3": "XT_GE_SH_LOAN_REPURCHASE_DAY_3|XT_GE_SZ_LOAN_REPURCHASE_DAY_3",
    "XT_GE_EXTRA_REPURCHASE_DAY_4": "XT_GE_SH_LOAN_REPURCHASE_DAY_4|XT_GE_SZ_LOAN_REPURCHASE_DAY_4",
    "XT_GE_EXTRA_REPURCHASE_DAY_7": "XT_GE_SH_LOAN_REPURCHASE_DAY_7|XT_GE_SZ_LOAN_REPURCHASE_DAY_7",
    "XT_GE_EXTRA_REPURCHASE_DAY_14": "XT_GE_SH_LOAN_REPURCHASE_DAY_14|XT_GE_SZ_LOAN_REPURCHASE_DAY_14",
    "XT_GE_EXTRA_REPURCHASE_DAY_28": "XT_GE_SH_LOAN_REPURCHASE_DAY_28|XT_GE_SZ_LOAN_REPURCHASE_DAY_28",
    "XT_GE_EXTRA_REPURCHASE_DAY_28_UPPER": "XT_GE_SH_LOAN_REPURCHASE_DAY_28_UPPER|XT_GE_SZ_LOAN_REPURCHASE_DAY_28_UPPER",
    "XT_GE_EXTRA_NOT_CLOSING_AUCTION_MATCH": (
        "XT_GE_EXTRA_SH_LOAN|XT_GE_SH_FUND|XT_GE_SH_ETF|XT_GE_SH_BOND_OFFER_REPURCHASE"
        "|XT_GE_SH_GOVERNMENT_LOAN_REPURCHASE|XT_GE_SH_PLEDGE"
    ),
    "XT_GE_EXTRA_RATE_BOND": (
        "XT_GE_SH_GOVERNMENT_LOAN|XT_GE_EXTRA_SZ_GL|XT_GE_SH_POLICY_JRZ|XT_GE_BANK_LOAN"
        "|XT_GE_BJ_GOVERNMENT_LOAN"
    ),
    "XT_GE_EXTRA_FICC": (
        "XT_GE_SH_CORPORATE_BOND|XT_GE_SH_OLD_GOVERNMENT_LOAN|XT_GE_SH_CENTRAL_GOVERNMENT_LOAN"
        "|XT_GE_SH_GOVERNMENT_LOAN_INTEREST_BEARING|XT_GE_SH_CONVERTIBALE_BOND|XT_GE_SH_ENTERPRISE_BOND"
        "|XT_GE_SH_MS_PRIVATE_PLACEMENT_BOND|XT_GE_SH_SEPERATION_BOND|XT_GE_SH_CREDIT_ASSET_SUPPORTED"
        "|XT_GE_SH_GOVERNMENT_LOAN|XT_GE_SH_ENTERPROSE_SUPPORT_BOND|XT_GE_SH_EXCHANGEABLE_LOAN"
        "|XT_GE_SH_PRIVATELY_LOAN_TRANSFER|XT_GE_SH_SHORTTERM_CORPORATE_LOAN_TRANSFER|XT_GE_SH_CPB_LOAN"
        "|XT_GE_SH_NON_PUBLIC_CONVERTIBLE_BOND_STOCK|XT_GE_SH_BOND_TRIPARTITE_REPURCHASE"
        "|XT_GE_SH_LOW_CORPORATE_BOND|XT_GE_SH_LOCAL_GOVERNMENT_LOAN|XT_GE_SH_NON_PUBLIC_CORPORATE_LOAN"
        "|XT_GE_SH_ASS|XT_GE_SH_FINANCIAL_BONDS|XT_GE_SH_BOND_PROTOCOL_REPURCHASE"
        "|XT_GE_SH_BOND_TRIPARTITE_REPURCHASE|XT_GE_SZ_LOAN_REITS|XT_GE_SZ_LOAN_DIRECTIONAL"
        "|XT_GE_SH_PUBLIC_CORPORATE_TRADE_LOAN|XT_GE_SH_PUBLIC_INFRASTRUCTURE_FUND|XT_GE_SH_GOV_ALLOW"
        "|XT_GE_BJ_GOVERNMENT_LOAN|XT_GE_BJ_CORPORATE_LOAN|XT_GE_SZ_ASS"
    ),
    "XT_GE_EXTRA_50_ETF": "XT_GE_SH_50_ETF",
    "XT_GE_EXTRA_300_ETF": "XT_GE_SH_300_ETF|XT_GE_SZ_300_ETF",
    "XT_GE_EXTRA_BLOCK_TRADING": "XT_GE_EXTRA_STOCK_TRANABLE|XT_GE_SH_ASS|XT_GE_SZ_ASS",
    "XT_GE_EXTRA_PUBLIC_INFRASTRUCTURE_FUND": "XT_GE_SH_PUBLIC_INFRASTRUCTURE_FUND|XT_GE_SZ_PUBLIC_INFRASTRUCTURE_FUND",
    "XT_GE_EXTRA_DIRECTIONAL_CONVERTIBALE_BOND": "XT_GE_SH_DIRECTIONAL_CONVERTIBALE_BOND|XT_GE_SZ_DIRECTIONAL_CONVERTIBALE_BOND",
    "XT_GE_EXTRA_ALLOW_PLEDGE": "XT_GE_SH_ALLOW_PLEDGE_BOND|XT_GE_EXTRA_SZ_LOAN",
    "XT_GE_EXTRA_SH_CORPORATE_LOAN": (
        "XT_GE_SH_NON_PUBLIC_CONVERTIBLE_CORPORATE_LOAN|XT_GE_SH_CPB|XT_GE_SH_NON_PUBLIC_CORPORATE_LOAN"
        "|XT_GE_SH_MS_PRIVATE_PLACEMENT_BOND"
    ),
    "XT_GE_EXTRA_SZ_CORPORATE_LOAN": "XT_GE_SZ_LOAN_DIRECTIONAL|XT_GE_SZ_SCB_PB|XT_GE_SZ_MSP_PB|XT_GE_SZ_SPB",
    "XT_GE_EXTRA_100_ETF": "XT_GE_SZ_100_ETF",
    "XT_GE_EXTRA_500_ETF": "XT_GE_SH_500_ETF|XT_GE_SZ_500_ETF",
    "XT_GE_EXTRA_CYB_ETF": "XT_GE_SZ_CYB_ETF",
    "XT_GE_EXTRA_BJ_LOAN": (
        "XT_GE_BJ_CENTRAL_GOVERNMENT_LOAN|XT_GE_BJ_LOCAL_GOVERNMENT_LOAN|XT_GE_BJ_GOVERNMENT_LOAN"
        "|XT_GE_BJ_CORPORATE_LOAN"
    ),
    "XT_GE_BOND_DISTRIBUTION": (
        "XT_GE_SH_GOVERNMENT_LOAN_DISTRIBUTE_SALE|XT_GE_SH_LOCAL_GOVERNMENT_LOAN_DISTRIBUTE_SALE"
        "|XT_GE_SH_PUBLIC_LOAN_DISTRIBUTE_SALE|XT_GE_SH_LOAN_ISSUANCE_DISTRIBUTE_SALE"
        "|XT_GE_SZ_LOAN_ISSUANCE_DISTRIBUTE_SALE|XT_GE_SH_GOVERNMENT_BANK_FINANCE_LOAN_DISTRIBUTE_SALE"
        "|XT_GE_SH_LOCAL_GOVERNMENT_LOAN_ONLINE_DISTRIBUTE_SALE"
    ),
}


def _code_regex(patterns: str) -> re.Pattern[str] | None:
    alternatives = [p.strip() for p in patterns.split("|") if p.strip()]
    if not alternatives:
        return None
    if all(set(p) == {"*"} for p in alternatives):
        return re.compile(r".*", re.S)
    parts = [
        "".join("." if ch == "*" else ".+" if ch == "?" else re.escape(ch) for ch in p) for p in alternatives
    ]
    return re.compile("|".join(f"(?:{p})" for p in parts))


_TOKEN = re.compile(r"\s*(?:([A-Za-z_]\w*)|(.))")


def _parse_expression(text: str) -> Any:
    """``a|b&!(c|d)`` -> nested tuples ``('or', ...)``, ``('and', ...)``, ``('not', x)``, names as ``str``."""
    tokens = [name or op for name, op in _TOKEN.findall(text) if (name or op).strip()]
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take(expected: str | None = None) -> str:
        nonlocal pos
        token = peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(f"bad xtstocktype expression {text!r} at token {pos}")
        pos += 1
        return token

    def disjunction() -> Any:
        terms = [conjunction()]
        while peek() == "|":
            take("|")
            terms.append(conjunction())
        return terms[0] if len(terms) == 1 else ("or", *terms)

    def conjunction() -> Any:
        terms = [negation()]
        while peek() == "&":
            take("&")
            terms.append(negation())
        return terms[0] if len(terms) == 1 else ("and", *terms)

    def negation() -> Any:
        if peek() == "!":
            take("!")
            return ("not", negation())
        if peek() == "(":
            take("(")
            inner = disjunction()
            take(")")
            return inner
        token = take()
        if token not in XTSTOCKTYPE:
            raise ValueError(f"xtstocktype expression {text!r} names an unknown class {token!r}")
        return token

    tree = disjunction()
    if peek() is not None:
        raise ValueError(f"bad xtstocktype expression {text!r}: trailing {peek()!r}")
    return tree


_RULES: dict[str, tuple[str, re.Pattern[str] | None]] = {
    name: (market, _code_regex(patterns)) for name, (market, patterns) in STOCK_TYPE_CODES.items()
}
_TREES: dict[str, Any] = {name: _parse_expression(e) for name, e in STOCK_TYPE_EXPRESSIONS.items()}


@functools.lru_cache(maxsize=1 << 16)
def stock_type_matches(name: str, symbol: str, market: str) -> bool:
    """Whether the code ``symbol.market`` is in the ``xtstocktype`` class ``name`` (QMT's definition)."""
    rule = _RULES.get(name)
    if rule is not None:
        rule_market, regex = rule
        return market == rule_market and regex is not None and regex.fullmatch(symbol) is not None
    tree = _TREES.get(name)
    if tree is None:
        raise ValueError(f"no definition of the xtstocktype class {name!r}")
    return _evaluate(tree, symbol, market)


def _evaluate(tree: Any, symbol: str, market: str) -> bool:
    if isinstance(tree, str):
        return stock_type_matches(tree, symbol, market)
    op, *args = tree
    if op == "not":
        return not _evaluate(args[0], symbol, market)
    if op == "and":
        return all(_evaluate(a, symbol, market) for a in args)
    return any(_evaluate(a, symbol, market) for a in args)
