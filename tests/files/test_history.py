"""The action history: persisted across sessions, masked, bounded, tolerant of damage."""

from __future__ import annotations

import json
from pathlib import Path

from ami_console.client import AMIClient
from ami_console.files.history import History, HistoryEntry, key_fields
from ami_console.files.profiles import ConnectionSettings
from ami_console.protocol import MASK, EventList, Message, action_fields
from ami_console.session import Exchange, Session
from ami_console.simulator import Simulator

ORIGINATE = [
    ("Action", "Originate"),
    ("Channel", "PJSIP/alice"),
    ("Context", "internal"),
    ("Exten", "1002"),
    ("Priority", "1"),
    ("Variable", "A=1"),
    ("Variable", "B=x:y [z]"),
]


def entry(n: int = 0, **changes) -> HistoryEntry:
    values = dict(
        at=1795660000.0 + n,
        fields=ORIGINATE,
        status="Success",
        server="pbx:5038",
        username="admin",
        response=Message([("Response", "Success"), ("ActionID", str(n))]),
        elapsed_ms=12.5,
        action_id=str(n),
    )
    return HistoryEntry(**{**values, **changes})


def test_entries_come_back_in_order_across_sessions(tmp_path: Path) -> None:
    path = tmp_path / "data" / "history.jsonl"  # the folder does not exist yet
    history = History(path)
    assert history.entries() == []
    for n in range(3):
        assert history.add(entry(n, status="Error" if n == 1 else "Success"))
    later = History(path).entries()  # a new console, the next day
    assert [e.action_id for e in later] == ["0", "1", "2"]
    first = later[0]
    assert first.fields == ORIGINATE  # order and repeated keys kept: it loads back into the composer
    assert (first.action, first.status, first.server, first.username, first.elapsed_ms) == (
        "Originate",
        "Success",
        "pbx:5038",
        "admin",
        12.5,
    )
    assert first.response.fields == [("Response", "Success"), ("ActionID", "0")]
    assert later[1].status == "Error"


def test_secrets_never_reach_the_file_even_when_the_caller_passes_them(tmp_path: Path) -> None:
    history = History(tmp_path / "history.jsonl")
    login = [("Action", "Login"), ("Username", "admin"), ("Secret", "s3cr3t-pass")]
    md5 = [("Action", "Login"), ("AuthType", "MD5"), ("Username", "admin"), ("Key", "0123abcd" * 4)]
    history.add(entry(fields=login))
    history.add(entry(fields=md5, response=Message([("Response", "Success"), ("Secret", "echoed-back")])))
    history.add(entry(fields=[("Action", "DBGet"), ("Family", "cf"), ("Key", "1001")]))
    text = (tmp_path / "history.jsonl").read_text()
    assert "s3cr3t-pass" not in text and "0123abcd" not in text and "echoed-back" not in text
    logins, _, dbget = History(tmp_path / "history.jsonl").entries()
    assert dict(logins.fields)["Secret"] == MASK and logins.has_masked_values
    assert dbget.fields[-1] == ("Key", "1001") and not dbget.has_masked_values  # Key is a secret only in Login


def test_corrupt_and_half_written_lines_are_skipped_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    good = json.dumps(entry(1).to_json())
    path.write_text(
        "\n".join(
            [
                good,
                "not json",
                "[1, 2]",
                '{"at": "soon", "fields": []}',
                '{"at": 1, "fields": [["only-key"]]}',
                json.dumps(entry(2).to_json()),
                good[: len(good) // 2],  # a crash mid-write, no line end
            ]
        )
    )
    history = History(path)
    assert [e.action_id for e in history.entries()] == ["1", "2"]
    assert history.add(entry(3))  # not glued onto the half line
    assert [e.action_id for e in History(path).entries()] == ["1", "2", "3"]


def test_the_file_is_trimmed_once_well_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    history = History(path, limit=10)
    for n in range(history.trim_at):
        history.add(entry(n))
    assert len(path.read_text().splitlines()) == history.trim_at == 20  # no rewrite on every add
    history.add(entry(history.trim_at))
    assert len(path.read_text().splitlines()) == 10
    assert [e.action_id for e in History(path, limit=10).entries()] == [str(n) for n in range(11, 21)]
    for n in range(21, 35):
        history.add(entry(n))
    assert [e.action_id for e in history.entries()] == [str(n) for n in range(25, 35)]


def test_an_unwritable_folder_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    history = History(blocker / "history.jsonl")
    assert history.add(entry()) is False
    assert history.error.startswith("History not saved: ")
    assert history.entries() == []


def test_key_fields_name_the_telling_headers_in_the_order_sent() -> None:
    assert key_fields(ORIGINATE) == "Channel=PJSIP/alice Context=internal Exten=1002"
    assert key_fields([("Action", "Command"), ("ActionID", "9"), ("Command", "core show channels")]) == (
        "Command=core show channels"
    )
    login = [("Action", "Login"), ("Username", "admin"), ("Secret", "pw"), ("Events", "off")]
    assert key_fields(login) == "Username=admin Events=off"
    assert key_fields([("Action", "Ping")]) == ""
    busy = [("Action", "Originate"), ("Async", "true"), ("Channel", "Local/1@demo"), ("MaxRetries", "2")]
    assert key_fields(busy, limit=2) == "Channel=Local/1@demo MaxRetries=2"  # Async says little
    long = key_fields([("Action", "Setvar"), ("Variable", "X"), ("Value", "v" * 40)])
    assert long == "Variable=X Value=" + "v" * 27 + "…"


def test_an_entry_from_an_exchange_keeps_what_the_history_list_shows() -> None:
    gathered = EventList("42")
    gathered.items += [Message([("Event", "QueueParams")]), Message([("Event", "QueueStatusComplete")])]
    exchange = Exchange(
        "42",
        [("Action", "QueueStatus"), ("Queue", "support")],
        sent_at=10.0,
        sent_wall=1795660000.5,
        response=Message([("Response", "Success"), ("EventList", "start")]),
        gathered=gathered,
        finished_at=10.0125,
    )
    made = HistoryEntry.of(exchange, "127.0.0.1:5038", "admin")
    assert (made.at, made.action, made.status, made.action_id, made.items) == (
        1795660000.5,
        "QueueStatus",
        "Success",
        "42",
        2,
    )
    assert made.elapsed_ms == 12.5 and made.key_fields == "Queue=support"


def test_actions_sent_through_a_session_are_recorded_with_their_answers(tmp_path: Path) -> None:
    with Simulator(time_scale=0.02) as pbx:
        settings = ConnectionSettings(host=pbx.host, port=pbx.port, username=pbx.username, secret=pbx.secret, timeout=5)
        client = AMIClient(username=pbx.username, secret=pbx.secret, host=pbx.host, port=pbx.port, timeout=5)
        session = Session(client)
        assert session.connect()
        try:
            sent = [
                session.send({"Action": "Setvar", "Variable": "GREETING", "Value": "hello"}),
                session.send({"Action": "Getvar", "Variable": "NO_SUCH_CHANNEL_VAR", "Channel": "PJSIP/nobody"}),
            ]
            for exchange in sent:
                assert exchange.wait(5) is not None
        finally:
            session.close()
    history = History(tmp_path / "history.jsonl")
    for exchange in sent:
        history.add(HistoryEntry.of(exchange, settings.address, settings.username))
    setvar, getvar = History(tmp_path / "history.jsonl").entries()
    assert setvar.fields == action_fields({"Action": "Setvar", "Variable": "GREETING", "Value": "hello"})
    assert (setvar.status, getvar.status) == ("Success", "Error")
    assert getvar.response.header("Message") == "No such channel"
    assert setvar.server == settings.address and setvar.elapsed_ms > 0
    assert pbx.secret not in (tmp_path / "history.jsonl").read_text()
