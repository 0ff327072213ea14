"""The console's connection, without a screen: it logs in and learns about the server,
numbers every action from one count, is the one read-only gate, re-applies server-side
filtering after a reconnect, reads the calls with one list, and tells a lesson only of
what crossed the wire."""

from __future__ import annotations

import pytest

from ami_console.files.history import History
from ami_console.files.profiles import ConnectionSettings
from ami_console.lessons.checks import parse_check
from ami_console.lessons.model import Lesson, LessonRun, Step
from ami_console.monitor.connection import ConnectedInfo, Connection
from ami_console.monitor.models import Models
from ami_console.session import Exchange
from ami_console.simulator import Simulator
from tests.waiting import wait_until


class Heard:
    """What the connection told its listener."""

    def __init__(self) -> None:
        self.connected: list[ConnectedInfo] = []
        self.failed: list[str] = []
        self.lost: list[str] = []
        self.problems: list[str] = []


class Listener:
    def __init__(self, heard: Heard) -> None:
        self.heard = heard

    def connected(self, info: ConnectedInfo, again: bool) -> None:
        self.heard.connected.append(info)

    def connect_failed(self, error: str, again: bool) -> None:
        self.heard.failed.append(error)

    def lost(self, reason: str) -> None:
        self.heard.lost.append(reason)

    def problem(self, text: str) -> None:
        self.heard.problems.append(text)


@pytest.fixture
def pbx():
    with Simulator(time_scale=0.02) as simulator:
        yield simulator


@pytest.fixture
def wired(pbx, tmp_path):
    heard = Heard()
    models = Models()
    models.start()
    settings = ConnectionSettings(host=pbx.host, port=pbx.port, username=pbx.username, secret=pbx.secret, timeout=3)
    connection = Connection(settings, models, Listener(heard), history=History(tmp_path / "history.jsonl"))
    yield connection, models, heard
    connection.close()
    models.stop()


def connect(connection: Connection, heard: Heard, **changes) -> ConnectedInfo:
    count = len(heard.connected)
    settings = ConnectionSettings(**{**connection.settings.__dict__, **changes})
    assert connection.connect(settings) is None
    wait_until(lambda: len(heard.connected) > count or heard.failed, what="connected")
    assert not heard.failed, heard.failed
    connection.begin(again=count > 0)
    return heard.connected[-1]


def requests(pbx: Simulator) -> list[str]:
    return [m.header("Action") or "" for log in pbx.session_logs() for m in log.requests]


def answered(connection: Connection, pairs) -> Exchange:
    done: list[Exchange] = []
    exchange = connection.send(pairs, on_answered=done.append)
    assert isinstance(exchange, Exchange), exchange
    wait_until(lambda: done, what="the answer")
    return exchange


def test_it_learns_the_versions_and_the_actions_the_user_may_send(wired):
    connection, _, heard = wired
    info = connect(connection, heard)
    assert (info.greeting, info.ami_version, info.asterisk_version) == (
        "Asterisk Call Manager/11.0.0",
        "11.0.0",
        "22.10.1",
    )
    assert "Originate" in info.commands and info.privileges["Originate"] == "originate"
    assert connection.connected


def test_a_wrong_password_is_told_in_asterisks_words(wired):
    connection, _, heard = wired
    connection.connect(ConnectionSettings(**{**connection.settings.__dict__, "secret": "wrong"}))
    wait_until(lambda: heard.failed)
    assert heard.failed == ["Login failed: Authentication failed"]
    assert connection.state == "idle" and connection.session is None


def test_action_ids_go_on_across_a_reconnect_so_the_history_tells_connections_apart(wired, pbx):
    connection, _, heard = wired
    connect(connection, heard)
    first = answered(connection, [("Action", "Ping")])
    pbx.drop_connections()
    wait_until(lambda: heard.lost)
    connect(connection, heard)
    second = answered(connection, [("Action", "Ping")])
    assert int(second.action_id) > int(first.action_id)
    assert connection.next_action_id == str(int(second.action_id) + 1)


def test_read_only_refuses_before_an_action_id_is_taken(wired, pbx):
    connection, _, heard = wired
    connect(connection, heard, read_only=True)
    before = connection.next_action_id
    refusal = connection.send([("Action", "Hangup"), ("Channel", "PJSIP/alice-00000001")])
    assert isinstance(refusal, str) and "read-only" in refusal.lower()
    assert connection.next_action_id == before
    answered(connection, [("Action", "Ping")])  # sent after: the server saw it, and no Hangup
    assert "Hangup" not in requests(pbx)


def test_the_calls_are_read_with_one_list_and_no_bridge_queries(wired, pbx):
    connection, models, heard = wired
    pbx.place_call("alice", "1002", ring=0)  # bob answers: a call bridged before we connect
    wait_until(lambda: len(pbx.channels()) == 2, what="the call up")
    connect(connection, heard)
    wait_until(lambda: models.calls.calls, what="the call seeded")
    answered(connection, [("Action", "Ping")])
    asked = requests(pbx)
    assert asked.count("CoreShowChannels") == 1
    assert "BridgeInfo" not in asked and "BridgeList" not in asked


def test_reseeding_after_a_gap_is_paced(wired, pbx):
    connection, _, heard = wired
    connect(connection, heard)
    assert not connection.reseed_calls()  # just read at connect
    answered(connection, [("Action", "Ping")])
    assert requests(pbx).count("CoreShowChannels") == 1


def test_the_filters_set_before_are_sent_again_after_a_reconnect(wired, pbx):
    connection, models, heard = wired
    connect(connection, heard)
    answered(connection, [("Action", "Events"), ("EventMask", "call")])
    answered(connection, [("Action", "Filter"), ("Operation", "Add"), ("Filter", "Event: Hangup")])
    with models.lock:
        assert connection.server_filters.filters == ["Event: Hangup"]
    pbx.drop_connections()
    wait_until(lambda: heard.lost)
    connection.connect(connection.settings, again=True)
    wait_until(lambda: len(heard.connected) == 2)
    assert connection.begin(again=True) == "the event mask (call) and 1 filter"
    wait_until(lambda: requests(pbx)[-3:] == ["Events", "Filter", "CoreShowChannels"], what="re-applied")
    answered(connection, [("Action", "Ping")])
    with models.lock:
        assert connection.server_filters.filters == ["Event: Hangup"] and connection.server_filters.mask == "call"


def test_a_lesson_hears_only_of_actions_that_crossed_the_wire(wired, monkeypatch):
    connection, models, heard = wired
    connect(connection, heard)
    step = Step("Send a Ping", parse_check({"sent": "Ping"}), "")
    with models.lock:
        models.lesson = LessonRun(Lesson("t", "Ping", "", (step,), None, 1))
    session = connection.session
    monkeypatch.setattr(session.client, "_send", lambda *args, **kwargs: None)  # the write fails
    done: list[Exchange] = []
    failed = connection.send([("Action", "Ping")], on_answered=done.append)
    wait_until(lambda: done, what="the failed send to end")
    assert isinstance(failed, Exchange) and not failed.sent
    assert failed.response["Response"] == "Error"
    assert not models.lesson.finished  # "sent" was never recorded: nothing left


def test_the_users_actions_go_to_the_history_and_the_consoles_own_do_not(wired, tmp_path):
    connection, _, heard = wired
    connect(connection, heard)
    answered(connection, [("Action", "Ping")])
    done: list[Exchange] = []
    connection.send([("Action", "CoreSettings")], own=True, on_answered=done.append)
    wait_until(lambda: done)
    wait_until(lambda: connection.history.entries())
    assert [entry.action for entry in connection.history.entries()] == ["Ping"]
