"""The per-client outbox: order, conflation rules, the bound, and the encoding of each message."""

from __future__ import annotations

import json

import pytest

from qmt_bridge.server.realtime.outbox import Outbox
from qmt_bridge.server.realtime.protocol import ProtocolError, parse
from qmt_bridge.server.responses import dumps

TICK = (("600000.SH", "tick"), ())


def fragment(period: str, data: dict) -> bytes:
    return (
        b'"type":"data","stream":'
        + dumps({"code": "600000.SH", "period": period})
        + b',"data":'
        + dumps(data)
    )


def drain(outbox: Outbox) -> list[dict]:
    out, seq = [], 1
    while (parts := outbox.pop(seq)) is not None:
        out.append(json.loads(b"".join(parts)))
        seq += 1
    return out


def test_ticks_of_a_code_conflate_to_the_newest_in_the_first_ones_place() -> None:
    box = Outbox()
    box.data(TICK, fragment("tick", {"600000.SH": [{"lastPrice": 1.0}]}))
    box.control({"type": "status", "status": "x"})
    box.data(TICK, fragment("tick", {"600000.SH": [{"lastPrice": 2.0}]}))
    messages = drain(box)
    assert [m["type"] for m in messages] == ["data", "status"]
    assert messages[0]["data"]["600000.SH"][0]["lastPrice"] == 2.0
    assert [m["seq"] for m in messages] == [1, 2] and box.conflated == 1


def test_a_completed_bar_is_never_replaced_by_the_next_one() -> None:
    box = Outbox()
    key = ("600000.SH", "1m")
    box.data((key, (100,)), fragment("1m", {"600000.SH": [{"time": 100, "close": 1.0}]}))
    box.data((key, (100,)), fragment("1m", {"600000.SH": [{"time": 100, "close": 1.5}]}))  # forming: replaced
    box.data((key, (160,)), fragment("1m", {"600000.SH": [{"time": 160, "close": 2.0}]}))  # the next bar
    bars = [m["data"]["600000.SH"][0] for m in drain(box)]
    assert bars == [{"time": 100, "close": 1.5}, {"time": 160, "close": 2.0}]


def test_whole_market_pushes_merge_per_code() -> None:
    box = Outbox()
    prefix = b'"type":"data","stream":{"code":"whole","period":"tick"}'
    first = {"A.SH": {"p": 1}, "B.SH": {"p": 1}}
    box.merge(("whole",), prefix, first, dumps(first))
    second = {"B.SH": {"p": 2}, "C.SH": {"p": 2}}
    box.merge(("whole",), prefix, second, dumps(second))
    [message] = drain(box)
    assert message["data"] == {"A.SH": {"p": 1}, "B.SH": {"p": 2}, "C.SH": {"p": 2}}
    assert box.conflated == 1


def test_a_merged_whole_market_message_carries_the_newest_pushes_stamp() -> None:
    box = Outbox()
    stream = b'"type":"data","stream":{"code":"whole","period":"tick"}'
    first, second = {"A.SH": {"p": 1}}, {"A.SH": {"p": 2}}
    box.merge(("whole",), b'"pushed":1000,' + stream, first, dumps(first))
    box.merge(("whole",), b'"pushed":4000,' + stream, second, dumps(second))
    [message] = drain(box)
    assert (message["pushed"], message["data"]) == (4000, {"A.SH": {"p": 2}})


def test_the_bound_overflows_one_past_the_limit() -> None:
    box = Outbox(limit=3)
    for i in range(3):
        box.control({"type": "heartbeat", "n": i})
    assert not box.overflowing
    box.control({"type": "heartbeat", "n": 3})
    assert box.overflowing


def test_conflated_data_does_not_count_against_the_bound() -> None:
    box = Outbox(limit=1)
    for price in range(100):
        box.data(TICK, fragment("tick", {"600000.SH": [{"lastPrice": price}]}))
    assert len(box) == 1 and not box.overflowing


@pytest.mark.parametrize(
    ("text", "action", "codes", "period"),
    [
        (
            '{"stocks": ["000001.SZ", "600519.SH"], "period": "tick"}',
            "subscribe",
            ["000001.SZ", "600519.SH"],
            "tick",
        ),
        ('{"stocks": "000001.SZ,600519.SH"}', "subscribe", ["000001.SZ", "600519.SH"], "tick"),
        (
            '{"action": "unsubscribe", "stocks": ["000001.SZ"], "period": "1m"}',
            "unsubscribe",
            ["000001.SZ"],
            "1m",
        ),
    ],
)
def test_the_seed_messages_parse(text: str, action: str, codes: list[str], period: str) -> None:
    request = parse(text, codes_key="stocks")
    assert (request.action, request.codes, request.period) == (action, codes, period)


def test_a_message_at_the_size_limit_parses_and_one_byte_more_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qmt_bridge.server.realtime import protocol

    text = '{"stocks": ["000001.SZ"]}'
    monkeypatch.setattr(protocol, "MAX_MESSAGE_BYTES", len(text))
    assert parse(text, codes_key="stocks").codes == ["000001.SZ"]
    with pytest.raises(ProtocolError) as info:
        parse(text + " ", codes_key="stocks")
    assert info.value.code == "message_too_large"


def test_since_must_be_a_non_negative_int_not_a_bool() -> None:
    assert parse('{"stocks": ["A.SH"], "since": 0}', codes_key="stocks").since == 0
    for bad in ("true", "-1", '"1"', "1.5"):
        with pytest.raises(ProtocolError):
            parse('{"stocks": ["A.SH"], "since": ' + bad + "}", codes_key="stocks")
