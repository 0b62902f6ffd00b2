"""System sectors and index constituents of the simulated market (qmt_bridge.sim.market.sectors), and user
sectors and folders written through xtdata's sector functions (qmt_bridge.sim.api.sectors over
qmt_bridge.sim.market.custom_sectors)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market import instruments as I
from qmt_bridge.sim.market.calendar import sse_calendar
from qmt_bridge.sim.market.custom_sectors import (
    FILE_NAME,
    CustomSectorStore,
    FolderNotEmptyError,
    NameTakenError,
    UnknownFolderError,
)
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.sim.market.names import SW1_INDUSTRIES
from qmt_bridge.sim.market.sectors import (
    CAT_FUTURE,
    CAT_INDEX,
    CAT_INDUSTRY,
    CAT_MARKET,
    CAT_OPTION,
    CAT_RISK,
    Sectors,
)
from qmt_bridge.sim.market.universe import build_universe

TODAY = dt.date(2025, 6, 30)
SEED = 42

REQUIRED = (
    "沪深A股", "沪深京A股", "上证A股", "深证A股", "京市A股", "科创板", "创业板", "沪深主板", "沪深B股", "沪深指数",
    "沪市指数", "深市指数", "京市指数", "沪深ETF", "沪市ETF", "深市ETF", "沪深基金", "沪深转债", "上证转债",
    "深证转债", "上证期权", "深证期权", "中金所期货", "上期所期货", "大商所期货", "郑商所期货", "广期所期货",
    "能源中心期货", "连续合约", "沪深港通", "*ST", "沪深风险警示", "上证50", "沪深300", "中证500", "中证1000",
    "科创50", "创业板指", "SW1银行",
)  # fmt: skip
DATES = (dt.date(2008, 3, 3), dt.date(2014, 9, 1), dt.date(2019, 2, 1), dt.date(2022, 11, 1), TODAY)


@pytest.fixture(scope="module")
def cal():
    return sse_calendar()


@pytest.fixture(scope="module")
def uni():
    return build_universe(SEED, TODAY)


@pytest.fixture(scope="module")
def sec(uni, cal):
    return Sectors(uni, cal, SEED)


def test_names_and_info(sec):
    names = sec.names()
    assert len(names) == len(set(names))
    for name in REQUIRED:
        assert name in names, name
    assert {"SW1" + i for i in SW1_INDUSTRIES} <= set(names)
    info = dict(sec.info())
    assert [n for n, _ in sec.info()] == names
    assert info["沪深A股"] == CAT_MARKET and info["沪深300"] == CAT_INDEX and info["SW1银行"] == CAT_INDUSTRY
    assert (
        info["中金所期货"] == CAT_FUTURE and info["连续合约"] == CAT_FUTURE and info["上证期权"] == CAT_OPTION
    )
    assert info["*ST"] == CAT_RISK


def test_unknown_and_early(sec):
    assert sec.members("不存在的板块") is None
    assert sec.members("沪深A股", dt.date(2004, 12, 31)) == []
    assert sec.index_weights("000001.SH") is None
    assert sec.index_weights("600519.SH") is None


def test_market_sectors_today(sec, uni):
    stocks = uni.by_kind(I.STOCK)
    a = set(sec.members("沪深A股"))
    assert a == {s.code for s in stocks if s.board != I.BJ}
    assert set(sec.members("沪深京A股")) == a | set(sec.members("京市A股"))
    assert a == set(sec.members("上证A股")) | set(sec.members("深证A股"))
    assert set(sec.members("科创板")) <= set(sec.members("上证A股"))
    assert set(sec.members("创业板")) <= set(sec.members("深证A股"))
    assert all(c.startswith(("60", "00")) for c in sec.members("沪深主板"))
    assert sec.members("沪深B股") == []
    assert "000001.SH" in sec.members("沪市指数") and "399001.SZ" in sec.members("深市指数")
    assert sec.members("京市指数") == ["899050.BJ"]
    assert set(sec.members("沪深ETF")) == set(uni.codes(I.ETF))
    assert set(sec.members("沪深转债")) == {b.code for b in uni.by_kind(I.CB) if b.listed_on(TODAY)}
    assert all(c.endswith(".SH") for c in sec.members("上证转债"))
    assert "00700.HK" in sec.members("沪深港通")
    members = sec.members("沪深A股")
    assert members == sorted(members)


def test_membership_is_historical(sec, uni):
    new = [s for s in uni.by_kind(I.STOCK) if s.list_date.year == 2023 and s.board != I.BJ]
    assert new
    early = set(sec.members("沪深A股", dt.date(2020, 1, 2)))
    now = set(sec.members("沪深A股"))
    for s in new:
        assert s.code not in early and s.code in now
        assert s.code in sec.members("SW1" + s.industry) and s.code not in sec.members(
            "SW1" + s.industry, dt.date(2020, 1, 2)
        )
    assert sec.members("科创板", dt.date(2019, 7, 19)) == []
    assert len(sec.members("科创板", dt.date(2019, 7, 22))) > 0
    assert sec.members("京市A股", dt.date(2021, 11, 12)) == []
    assert sec.members("沪深港通", dt.date(2014, 11, 14)) == []
    counts = [len(sec.members("沪深A股", d)) for d in DATES]
    assert counts == sorted(counts) and counts[0] > 1000


def _under(history: dict[str, dict[str, list[list[str]]]], labels: set[str], day: dt.date) -> set[str]:
    """Codes whose ``get_his_st_data`` has a span with one of ``labels`` covering ``day``."""
    ymd = f"{day:%Y%m%d}"
    return {
        code
        for code, data in history.items()
        if any(start <= ymd <= end for label in labels for start, end in data.get(label, []))
    }


@pytest.mark.parametrize("seed", [SEED, 20240101])
def test_st_sectors_are_get_his_st_data(seed):
    """*ST: stocks under *ST on the day; 沪深风险警示: under ST or *ST; both as get_his_st_data reports them,
    today (a Saturday after the last trading day) and on past days, asked for through xtdata."""
    xt = SimXtData(SimMarket(seed=seed, clock=fixed_clock(dt.datetime(2026, 11, 21, 10, 0, tzinfo=CST))))
    history = {code: xt.get_his_st_data(code) for code in xt.get_stock_list_in_sector("沪深京A股")}
    days = [dt.date(2026, 11, 21), dt.date(2026, 11, 20), dt.date(2024, 3, 1), dt.date(2019, 6, 3)]
    days += [dt.date(2012, 8, 1), dt.date(2007, 1, 4)]
    sizes = []
    for day in days:
        tag = -1 if day == days[0] else f"{day:%Y%m%d}"
        star = set(xt.get_stock_list_in_sector("*ST", tag))
        risk = set(xt.get_stock_list_in_sector("沪深风险警示", tag))
        assert star == _under(history, {"*ST"}, day), day
        assert risk == _under(history, {"ST", "*ST"}, day), day
        assert star <= risk, day
        sizes.append((len(star), len(risk - star)))
    assert all(star > 0 and plain > 0 for star, plain in sizes[:4]), sizes  # both labels occur
    # xtquant strips '*' before asking: 'ST' is the same sector, and the sector list has no separate 'ST'
    assert xt.get_stock_list_in_sector("ST") == xt.get_stock_list_in_sector("*ST")
    assert "*ST" in xt.get_sector_list() and "ST" not in xt.get_sector_list()


def test_st_sectors(sec, uni):
    for day in (dt.date(2018, 5, 2), TODAY):
        ever = [s for s in uni.by_kind(I.STOCK) if s.is_st_on(day)]
        assert sec.members("沪深风险警示", day) == sorted(s.code for s in ever)
        assert sec.members("*ST", day) == sorted(s.code for s in ever if s.st_kind == "*ST")
        assert sec.members("*ST", day) == sec.members("ST", day)
    assert sec.members("*ST") and sec.members("沪深风险警示")


def test_futures_and_options_sectors(sec, uni):
    day = dt.date(2025, 3, 3)
    cffex = sec.members("中金所期货", day)
    assert cffex and all(uni.get(c).listed_on(day) and uni.get(c).market == "IF" for c in cffex)
    assert not any("00." in c for c in cffex)
    assert {c for c in cffex if c.startswith("IF2")} == {"IF2503.IF", "IF2504.IF", "IF2506.IF", "IF2509.IF"}
    assert all(c.endswith(".ZF") for c in sec.members("郑商所期货", day))
    assert all(c.endswith(".INE") for c in sec.members("能源中心期货", day))
    assert sec.members("连续合约") == uni.continuous_codes()
    sho = sec.members("上证期权")
    assert sho and all(c.endswith(".SHO") and uni.get(c).listed_on(TODAY) for c in sho)
    assert all(c.endswith(".SZO") for c in sec.members("深证期权"))


def test_industries_partition_stocks(sec, uni):
    total = 0
    seen: set[str] = set()
    for industry in SW1_INDUSTRIES:
        m = sec.members("SW1" + industry)
        assert m, industry
        total += len(m)
        seen |= set(m)
    assert total == len(seen) == len(uni.by_kind(I.STOCK))
    assert "600036.SH" in sec.members("SW1银行") and "600519.SH" in sec.members("SW1食品饮料")


def test_hs300_size_and_history(sec, uni, cal):
    previous = None
    for day in DATES:
        m = sec.members("沪深300", day)
        assert len(m) == 300, day
        assert len(sec.members("中证500", day)) == 500
        assert len(sec.members("上证50", day)) == 50
        assert not set(m) & set(sec.members("中证500", day))
        assert not set(m) & set(sec.members("中证1000", day))
        assert not set(sec.members("中证500", day)) & set(sec.members("中证1000", day))
        assert set(sec.members("上证50", day)) <= set(sec.members("上证A股", day))
        period_start = sec.rebalances[sec.rebalance_period(day)]
        for code in m:
            s = uni.get(code)
            assert s.board in (I.SH_MAIN, I.STAR, I.SZ_MAIN, I.CHINEXT)
            assert s.list_date <= period_start - dt.timedelta(days=365) or s.list_date == dt.date(2005, 1, 4)
            assert not s.is_st_on(period_start - dt.timedelta(days=1))
        if previous is not None:
            assert set(m) != previous
        previous = set(m)
    # constant within a rebalance period, changes (moderately) across one
    a = set(sec.members("沪深300", dt.date(2024, 7, 1)))
    assert a == set(sec.members("沪深300", dt.date(2024, 12, 2)))
    b = set(sec.members("沪深300", dt.date(2024, 12, 30)))
    assert 0 < len(a - b) < 60
    assert len(sec.members("中证1000")) == 1000


def test_index_membership_of_big_names(sec):
    hs300 = set(sec.members("沪深300"))
    for code in ("600519.SH", "601318.SH", "600036.SH", "300750.SZ", "000858.SZ", "601398.SH", "000333.SZ"):
        assert code in hs300, code
    sz50 = set(sec.members("上证50"))
    assert "600519.SH" in sz50 and "601318.SH" in sz50
    assert "688981.SH" in set(sec.members("科创50"))
    assert "300750.SZ" in set(sec.members("创业板指"))
    assert len(sec.members("科创50")) == 50 and len(sec.members("创业板指")) == 100
    assert all(c.startswith("688") for c in sec.members("科创50"))
    assert all(c.startswith("30") for c in sec.members("创业板指"))


def test_index_weights(sec):
    for code, n in (("000300.SH", 300), ("000016.SH", 50), ("000905.SH", 500), ("000852.SH", 1000)):
        for day in (dt.date(2016, 3, 1), None):
            w = sec.index_weights(code, day)
            assert len(w) == n
            assert abs(sum(w.values()) - 100.0) < 1e-6
            assert all(v > 0 for v in w.values())
    for code, n in (("000688.SH", 50), ("399006.SZ", 100)):
        w = sec.index_weights(code)
        assert len(w) == n and abs(sum(w.values()) - 100.0) < 1e-6
    w = sec.index_weights("000300.SH")
    assert set(w) == set(sec.members("沪深300"))
    assert sec.index_weights("399300.SZ") == w
    assert max(w, key=w.get) in ("600519.SH", "601398.SH", "601857.SH", "601288.SH", "300750.SZ", "601318.SH")
    assert sec.index_weights("000688.SH", dt.date(2015, 1, 5)) == {}


def test_seed_and_today_stability(uni, cal):
    again = Sectors(uni, cal, SEED)
    other_seed = Sectors(uni, cal, SEED + 1)
    day = dt.date(2021, 3, 1)
    assert again.members("沪深300", day) == Sectors(uni, cal, SEED).members("沪深300", day)
    assert set(other_seed.members("中证500", day)) != set(again.members("中证500", day))
    # a universe built on a later day agrees about the past
    later = Sectors(build_universe(SEED, dt.date(2026, 3, 2)), cal, SEED)
    for name in ("沪深300", "中证1000", "科创50", "沪深A股", "SW1电子"):
        assert later.members(name, day) == again.members(name, day), name


def test_every_sector_has_members_or_is_knowingly_empty(uni, cal):
    sec = Sectors(uni, cal, SEED)
    empty = {name for name in sec.names() if not sec.members(name)}
    assert all(sec.members(name) is not None for name in sec.names())
    assert empty <= {"沪深B股"}, empty  # no B shares are simulated


# ---------------------------------------------------------------- user sectors and folders

NOW = dt.datetime(2025, 11, 20, 15, 30, tzinfo=CST)


def sim(data_dir: Path | None) -> SimXtData:
    """A simulator over ``data_dir``; a second one over the same directory is a restart."""
    return SimXtData(SimMarket(seed=SEED, clock=fixed_clock(NOW), data_dir=data_dir))


def categories(xt: SimXtData) -> dict[str, str]:
    frame = xt.get_sector_info()
    return {s: c for s, c in zip(frame["sector"], frame["category"], strict=True) if c.startswith("我的")}


def store_file(data_dir: Path) -> Path:
    return data_dir / "sim" / FILE_NAME


def test_overwrite_skips_or_numbers_as_xtquant_documents(tmp_path):
    xt = sim(tmp_path)
    assert xt.create_sector_folder("", "组") == "组"
    assert xt.create_sector_folder("", "组") == "组"  # overwrite=True: the node exists, skipped
    assert xt.create_sector_folder("", "组", False) == "组1"  # the first free number
    assert xt.create_sector("", "组", False) == "组2"  # numbers skip folders and sectors alike
    assert xt.create_sector("组", "板", True) == "板"
    assert xt.add_sector("板", ["600519.SH"])
    assert xt.create_sector("组", "板") == "板"  # skipped: members kept
    assert xt.get_stock_list_in_sector("板") == ["600519.SH"]
    assert xt.create_sector("组", "板", False) == "板1"
    assert xt.create_sector("", "沪深A股", False) == "沪深A股1"  # system sectors hold their names
    assert categories(xt) == {"组2": "我的", "板": "我的/组", "板1": "我的/组", "沪深A股1": "我的"}
    assert sorted(xt.market.custom_sectors.folders()) == ["组", "组1"]


@pytest.mark.parametrize("function", ["create_sector_folder", "create_sector"])
def test_one_namespace_for_folders_and_sectors(tmp_path, function):
    xt = sim(tmp_path)
    xt.create_sector_folder("", "文件夹")
    xt.create_sector_folder("文件夹", "子")
    xt.create_sector("", "板块")
    saved = store_file(tmp_path).read_bytes()
    create = getattr(xt, function)
    for parent, name, holder in [
        ("", "文件夹", "a folder in 我的"),
        ("", "子", "a folder in 我的/文件夹"),  # a name is unique in the whole tree, not only among siblings
        ("文件夹", "板块", "a sector in 我的"),
        ("", "沪深A股", "a system sector"),
        ("", "我的", "the root folder"),
    ]:
        if function == "create_sector_folder" and (parent, name) == ("", "文件夹"):
            assert create(parent, name) == name  # the same folder again: skipped
            continue
        with pytest.raises(NameTakenError, match=holder) as caught:
            create(parent, name)
        assert caught.value.name == name
    assert store_file(tmp_path).read_bytes() == saved
    assert categories(xt) == {"板块": "我的"}
    assert xt.market.custom_sectors.folders() == {"文件夹": "我的", "子": "我的/文件夹"}


def test_members_cannot_go_to_system_sectors_or_folders(tmp_path):
    xt = sim(tmp_path)
    xt.create_sector_folder("", "夹")
    system = xt.get_stock_list_in_sector("沪深300")
    for function in ("add_sector", "reset_sector", "remove_stock_from_sector"):
        assert getattr(xt, function)("沪深300", ["600519.SH"]) is False
        assert getattr(xt, function)("夹", ["600519.SH"]) is False
    assert xt.get_stock_list_in_sector("沪深300") == system
    assert xt.get_sector_list().count("沪深300") == 1 and "夹" not in xt.get_sector_list()
    # add_sector and reset_sector create a missing sector at the root; remove_stock_from_sector does not.
    assert xt.remove_stock_from_sector("新板块", ["600519.SH"]) is False
    assert "新板块" not in xt.get_sector_list()
    assert xt.add_sector("新板块", ["600519.SH", "600519.SH"]) is True
    assert xt.reset_sector("另一个", ["000001.SZ"]) is True
    assert categories(xt) == {"新板块": "我的", "另一个": "我的"}
    assert xt.get_stock_list_in_sector("新板块") == ["600519.SH"]


@pytest.mark.parametrize("parent", ["不存在", "沪深A股", "某板块"])
def test_an_unknown_parent_is_refused(tmp_path, parent):
    xt = sim(tmp_path)
    xt.create_sector("", "某板块")
    saved = store_file(tmp_path).read_bytes()
    with pytest.raises(UnknownFolderError, match=parent) as caught:
        xt.create_sector(parent, "孤儿")
    assert caught.value.name == parent
    with pytest.raises(UnknownFolderError):
        xt.create_sector_folder(parent, "孤儿", False)
    assert "孤儿" not in xt.get_sector_list()
    assert xt.market.custom_sectors.folders() == {}
    assert store_file(tmp_path).read_bytes() == saved


@pytest.mark.parametrize("root", ["", " ", "我的"])
def test_the_root_has_three_spellings(root):
    xt = sim(None)
    assert xt.create_sector_folder(root, "根下") == "根下"
    assert xt.create_sector(root, "根下板块") == "根下板块"
    assert xt.market.custom_sectors.folders() == {"根下": "我的"}
    assert categories(xt) == {"根下板块": "我的"}


def test_remove_sector_removes_sectors_and_empty_folders(tmp_path):
    xt = sim(tmp_path)
    xt.create_sector_folder("", "上")
    xt.create_sector_folder("上", "下")
    xt.create_sector("下", "里面")
    saved = store_file(tmp_path).read_bytes()
    for folder, children in (("上", ["下"]), ("下", ["里面"])):
        with pytest.raises(FolderNotEmptyError, match="not empty") as caught:
            xt.remove_sector(folder)
        assert caught.value.children == children
    assert store_file(tmp_path).read_bytes() == saved
    assert xt.remove_sector("里面") is True
    assert xt.remove_sector("下") is True
    assert xt.remove_sector("上") is True
    assert xt.remove_sector("上") is False  # nothing of that name any more
    assert xt.remove_sector("沪深A股") is False  # system sectors are not the user's to remove
    assert "沪深A股" in xt.get_sector_list()
    assert xt.market.custom_sectors.folders() == {} and categories(xt) == {}
    with pytest.raises(UnknownFolderError):
        xt.create_sector("下", "里面")


def test_everything_survives_a_restart(tmp_path):
    first = sim(tmp_path)
    first.create_sector_folder("", "空")
    first.create_sector_folder("", "一")
    first.create_sector_folder("一", "二")
    first.create_sector("二", "深")
    first.add_sector("深", ["600519.SH", "000001.SZ"])
    first.reset_sector("根", ["601398.SH"])
    first.create_sector_folder("", "去")
    first.remove_sector("去")

    second = sim(tmp_path)
    assert second.market.custom_sectors.folders() == {"空": "我的", "一": "我的", "二": "我的/一"}
    assert categories(second) == {"深": "我的/一/二", "根": "我的"}
    assert second.get_stock_list_in_sector("深") == ["600519.SH", "000001.SZ"]
    assert second.get_stock_list_in_sector("根") == ["601398.SH"]
    assert second.get_sector_list()[-2:] == ["深", "根"]
    # The rules still hold after the restart.
    with pytest.raises(NameTakenError):
        second.create_sector("", "空")
    with pytest.raises(FolderNotEmptyError):
        second.remove_sector("一")
    assert second.create_sector("空", "在空里") == "在空里"
    assert categories(sim(tmp_path))["在空里"] == "我的/空"


def test_a_failed_write_changes_nothing_and_refusals_need_no_write(tmp_path):
    xt = sim(tmp_path)
    xt.create_sector_folder("", "夹")
    xt.create_sector("夹", "板")
    path = store_file(tmp_path)
    saved = path.read_bytes()
    path.unlink()
    path.mkdir()  # the atomic rename onto a directory fails (EISDIR), even for root
    try:
        for call in (
            lambda: xt.create_sector_folder("", "新夹"),
            lambda: xt.create_sector("夹", "新板"),
            lambda: xt.add_sector("板", ["600519.SH"]),
            lambda: xt.remove_sector("板"),
        ):
            with pytest.raises(IsADirectoryError):
                call()
        # What changes nothing, or is refused, does not touch the file.
        assert xt.create_sector_folder("", "夹") == "夹"
        assert xt.create_sector("夹", "板") == "板"
        with pytest.raises(NameTakenError):
            xt.create_sector("", "夹")
        with pytest.raises(FolderNotEmptyError):
            xt.remove_sector("夹")
        assert xt.remove_sector("没有") is False
    finally:
        path.rmdir()
        path.write_bytes(saved)
    assert xt.market.custom_sectors.folders() == {"夹": "我的"}
    assert categories(xt) == {"板": "我的/夹"}
    assert xt.get_stock_list_in_sector("板") == []
    assert sorted(p.name for p in path.parent.iterdir()) == [FILE_NAME]  # no temporary file left
    assert categories(sim(tmp_path)) == {"板": "我的/夹"}


def test_files_from_before_parents_were_checked_load_without_loss(tmp_path):
    """Earlier versions filed a sector under any parent_node, folder or not, and removed folders that
    held sectors. Such a parent becomes a folder at the root: the sector keeps its category and members."""
    path = store_file(tmp_path)
    path.parent.mkdir(parents=True)
    old = {
        "folders": {"留下": "", "子": "消失的"},
        "sectors": {
            "旧板块": {"parent": "从未建的", "stocks": ["600519.SH"]},
            "根板块": {"parent": "我的", "stocks": []},
            "在板块下": {"parent": "根板块", "stocks": ["000001.SZ"]},
        },
    }
    path.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    xt = sim(tmp_path)
    assert categories(xt) == {"旧板块": "我的/从未建的", "根板块": "我的", "在板块下": "我的"}
    assert xt.get_stock_list_in_sector("旧板块") == ["600519.SH"]
    assert xt.get_stock_list_in_sector("在板块下") == ["000001.SZ"]
    assert xt.market.custom_sectors.folders() == {
        "留下": "我的",
        "子": "我的/消失的",
        "消失的": "我的",
        "从未建的": "我的",
    }
    # The recreated folders behave like any other: not removable while they hold something.
    with pytest.raises(FolderNotEmptyError):
        xt.remove_sector("从未建的")
    assert xt.remove_sector("旧板块") and xt.remove_sector("从未建的")
    assert categories(sim(tmp_path)) == {"根板块": "我的", "在板块下": "我的"}


def test_files_with_looping_folders_or_a_shared_name_load_into_one_consistent_tree(tmp_path):
    """Earlier versions let create_sector_folder re-parent a folder (so parents could loop, or name the
    folder itself) and let a folder and a sector share a name. Loops are cut at 我的; the folder of a
    shared name takes the first free name, with its children. Everything stays reachable and removable."""
    path = store_file(tmp_path)
    path.parent.mkdir(parents=True)
    old = {
        "folders": {"甲": "乙", "乙": "甲", "自己": "自己", "同名": "", "里": "同名"},
        "sectors": {
            "同名": {"parent": "", "stocks": ["600519.SH"]},
            "在同名下": {"parent": "同名", "stocks": ["000001.SZ"]},
        },
    }
    path.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    xt = sim(tmp_path)
    folders = xt.market.custom_sectors.folders()
    assert folders == {"甲": "我的", "乙": "我的/甲", "自己": "我的", "同名1": "我的", "里": "我的/同名1"}
    assert categories(xt) == {"同名": "我的", "在同名下": "我的/同名1"}
    assert xt.get_stock_list_in_sector("同名") == ["600519.SH"]
    for name in ("自己", "乙", "甲", "里"):
        assert xt.remove_sector(name) is True, name
    assert xt.remove_sector("在同名下") and xt.remove_sector("同名1")
    assert xt.market.custom_sectors.folders() == {}
    assert categories(sim(tmp_path)) == {"同名": "我的"}


def test_the_store_in_memory_only():
    store = CustomSectorStore(None)
    assert store.create_folder("", "内存") == "内存"
    assert store.create_sector("内存", "板") == "板"
    assert store.info() == [("板", "我的/内存")]
    assert CustomSectorStore(None).info() == []


def test_the_default_day_is_asked_at_every_call(uni, cal):
    """``members(name)`` without a day answers for the ``today`` callable (a SimMarket's current_day)."""
    day = [dt.date(2019, 2, 1)]
    sec = Sectors(uni, cal, SEED, today=lambda: day[0])
    for d in (dt.date(2019, 2, 1), dt.date(2024, 12, 30), TODAY):
        day[0] = d
        for name in ("沪深A股", "沪深300", "沪深风险警示", "中金所期货"):
            assert sec.members(name) == sec.members(name, d), (name, d)
        assert sec.index_weights("000905.SH") == sec.index_weights("000905.SH", d)


def test_reviews_are_laid_out_for_any_later_day(sec):
    far = dt.date(2031, 7, 1)
    period = sec.rebalance_period(far)
    assert sec.rebalances[period] == dt.date(2031, 6, 16)  # the Monday after the second Friday of June
    assert len(sec.members("沪深300", far)) == 300


def test_concurrent_index_queries_agree_with_sequential_ones(uni, cal):
    import threading

    days = [dt.date(2006 + k // 2, 7 if k % 2 else 1, 5) for k in range(36)]
    sequential = Sectors(uni, cal, SEED)
    expected = {d: sequential.members("中证500", d) for d in days}
    shared = Sectors(uni, cal, SEED)
    got: dict[dt.date, list[str] | None] = {}
    barrier = threading.Barrier(len(days))

    def ask(d: dt.date) -> None:
        barrier.wait()
        got[d] = shared.members("中证500", d)

    threads = [threading.Thread(target=ask, args=(d,)) for d in reversed(days)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_the_exchange_sectors_xtdata_reads_hold_their_contracts(sec, uni):
    """xtdata.get_option_list / get_option_undl_data (wheel's xtdata.py) read 中金所 and 过期中金所, 上证期权 and
    过期上证期权 ...: the exchange's live contracts, and those expired by the day."""
    day = TODAY
    for exchange in ("中金所", "上期所", "大商所", "郑商所", "广期所", "能源中心"):
        live = sec.members(exchange, day)
        # CFFEX's sector holds its index options too (the only exchange with options in the simulator)
        options = sec.members("中金所期权", day) if exchange == "中金所" else []
        assert live and live == sorted(sec.members(exchange + "期货", day) + options), exchange
        gone = sec.members("过期" + exchange, day)
        assert gone and not set(gone) & set(live), exchange
    assert sec.members("中金所期权", day) and all(
        c.endswith(".IF") and "-" in c for c in sec.members("中金所期权", day)
    )
    for options in ("上证期权", "深证期权"):
        live, gone = sec.members(options, day), sec.members("过期" + options, day)
        assert live and gone and not set(gone) & set(live)
    # the day after a contract's last day it moves from the live list to the expired one
    [contract] = sec.members("中金所", day)[:1]
    last = uni.get(contract).expire_date
    assert contract in sec.members("中金所", last) and contract not in sec.members("过期中金所", last)
    after = last + dt.timedelta(days=1)
    assert contract in sec.members("过期中金所", after) and contract not in sec.members("中金所", after)
