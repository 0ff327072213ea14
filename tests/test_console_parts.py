"""The console's Textual-free parts: action docs, the event filter, the store, summaries,
profiles, and plain-text rendering."""

from __future__ import annotations

import time

import pytest

from ami_console.actiondocs import COMMON_ACTIONS, parse_action_doc, parse_list_commands
from ami_console.events.filter import EventFilter
from ami_console.events.store import EventStore
from ami_console.events.summary import summarize
from ami_console.files.profiles import ConnectionSettings, Profiles
from ami_console.protocol import Message
from ami_console.ui.plaintext import clean, fit, plain

from .captures import received
from .test_protocol import parse


def capture_messages(name: str) -> list[Message]:
    return parse([received(name)], greeting=True)[1]


def event(name: str, **headers: str) -> Message:
    return Message([("Event", name), *headers.items()])


# -- what the server says about its actions ------------------------------------------------
def test_list_commands_of_real_asterisk():
    commands = parse_list_commands(capture_messages("session1")[5])
    assert commands["Originate"] == "Originate a call."
    assert commands["Ping"] == "Keepalive command."
    assert "ActionID" not in commands and "Response" not in commands
    assert len(commands) > 80


def test_manager_show_command_of_real_asterisk():
    output = capture_messages("manager_show_command")[1].headers("Output")
    doc = parse_action_doc("Originate", output)
    assert doc.synopsis == "Originate a call."
    assert doc.description.startswith("Generates an outgoing call to a <Extension>/<Context>/<Priority>")
    names = [p.name for p in doc.parameters]
    assert names[:3] == ["Channel", "Exten", "Context"] and "ActionID" not in names
    assert [p.name for p in doc.required] == ["Channel"]
    variable = next(p for p in doc.parameters if p.name == "Variable")
    assert variable.doc == "Channel variable to set, multiple Variable: headers are allowed."
    predial = next(p for p in doc.parameters if p.name == "PreDialGoSub")
    assert predial.doc.endswith("before start the outgoing extension")


def test_unknown_command_output_gives_no_doc():
    unknown = capture_messages("manager_show_command")[2]
    assert parse_action_doc("NoSuch", unknown.headers("Output")) is None


def test_common_actions_stand_in_before_login():
    assert {"Ping", "Originate", "Command", "Hangup", "CoreShowChannels"} <= set(COMMON_ACTIONS)


# -- the event filter ----------------------------------------------------------------------------
NEWCHANNEL = event("Newchannel", Channel="PJSIP/alice-00000001", Uniqueid="1.1", Linkedid="1.1")
HANGUP = event("Hangup", Channel="Local/100@demo-00000000;1", Cause="16", **{"Cause-txt": "Normal Clearing"})
VARSET = event("VarSet", Channel="PJSIP/bob-00000002", Variable="FOO", Value="[bar] baz")


@pytest.mark.parametrize(
    "text, kept",
    [
        ("", ["Newchannel", "Hangup", "VarSet"]),
        ("Hangup", ["Hangup"]),
        ("Newchannel,Hangup", ["Newchannel", "Hangup"]),
        ("New*", ["Newchannel"]),
        ("!VarSet", ["Newchannel", "Hangup"]),
        ("!VarSet,Hangup", ["Newchannel"]),
        ("Channel=PJSIP/*", ["Newchannel", "VarSet"]),
        ("channel=pjsip/ALICE*", ["Newchannel"]),
        ("!Channel=Local/*", ["Newchannel", "VarSet"]),
        ("alice", ["Newchannel"]),
        ("normal clearing", ["Hangup"]),  # two words: both must appear
        ('"[bar] baz"', ["VarSet"]),
        ('"[bar', ["VarSet"]),  # a quote still being typed
        ("Channel=PJSIP/* !VarSet", ["Newchannel"]),
        ("100", ["Hangup"]),
        ("Cause=16", ["Hangup"]),
    ],
)
def test_filter_terms(text, kept):
    event_filter = EventFilter.parse(text)
    assert [m.name for m in (NEWCHANNEL, HANGUP, VARSET) if event_filter.matches(m)] == kept


# -- the store -----------------------------------------------------------------------------------
def test_store_is_bounded_but_counts_everything():
    store = EventStore(capacity=100)
    for start in range(0, 1000, 50):
        store.add([event("Newexten" if i % 2 else "VarSet", N=str(i)) for i in range(start, start + 50)])
    assert len(store.entries) == 100 and len(store.view) == 100
    assert store.total == 1000
    assert store.counts == {"Newexten": 500, "VarSet": 500}
    assert store.entries[0].seq == 901


def test_store_view_follows_the_filter_and_drops_evicted_entries():
    store = EventStore(capacity=10)
    store.set_filter(EventFilter.parse("Hangup"))
    added, dropped = store.add([HANGUP, VARSET, HANGUP])
    assert (added, dropped) == (2, 0)
    added, dropped = store.add([VARSET] * 9)
    assert (added, dropped) == (0, 1)  # the first Hangup fell out of the store
    assert [e.seq for e in store.view] == [3]
    store.set_filter(EventFilter())
    assert len(store.view) == 10


def test_store_rate():
    store = EventStore()
    store.add([VARSET] * 300)
    assert store.rate() == pytest.approx(100, rel=0.01)  # 300 events in a 3-second window
    assert store.rate(now=time.monotonic() + 10) == 0


def test_clear():
    store = EventStore()
    store.add([VARSET, HANGUP])
    store.clear()
    assert (store.total, len(store.entries), len(store.view), store.counts) == (0, 0, 0, {})


# -- one line per event -------------------------------------------------------------------------
def test_summaries_of_real_events():
    messages = {m.name: m for m in capture_messages("session1") if m.is_event}
    assert summarize(messages["Newexten"]) == ("Local/100@demo-00000000;2", "1795660004.1", "demo,100,4  Hangup()")
    assert summarize(messages["VarSet"])[2] == "FOO=bar"
    assert summarize(messages["Hangup"])[2] == "cause 16 Normal Clearing"
    assert summarize(messages["DialEnd"])[2] == "ANSWER  Local/100@demo-00000000;1"
    assert summarize(messages["DeviceStateChange"])[:1] == ("Local/100@demo",)
    assert "ANSWERED" in summarize(messages["Cdr"])[2]


# -- profiles ------------------------------------------------------------------------------------
def test_profiles_round_trip_without_the_secret(tmp_path):
    profiles = Profiles(tmp_path / "profiles.toml")
    office = ConnectionSettings(
        host="pbx.example.org",
        port=5039,
        username="ops",
        secret="s3cr3t-value",
        auth="md5",
        tls=True,
        tls_verify=False,
        events="system,call",
    )
    profiles.save('office "main"', office)
    profiles.save("lab", ConnectionSettings(host="::1", username="admin", secret="other-secret"))
    text = (tmp_path / "profiles.toml").read_text()
    assert "s3cr3t-value" not in text and "other-secret" not in text and "secret" not in text.split("\n", 1)[1]
    loaded = profiles.load()
    assert loaded['office "main"'] == ConnectionSettings(
        host="pbx.example.org",
        port=5039,
        username="ops",
        secret="",
        auth="md5",
        tls=True,
        tls_verify=False,
        events="system,call",
    )
    assert loaded["lab"].host == "::1"
    profiles.delete("lab")
    assert set(profiles.load()) == {'office "main"'}


def test_a_damaged_profiles_file_is_ignored(tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_text("this is [not toml")
    assert Profiles(path).load() == {}


def test_settings_repr_hides_the_secret():
    assert "hunter2" not in repr(ConnectionSettings(secret="hunter2"))


# -- plain text ---------------------------------------------------------------------------------
def test_markup_and_control_characters_are_shown_literally():
    text = plain("[bold]x[/] Dial(PJSIP/bob,30,[tT]) \x1b[31mred")
    assert text.plain == "[bold]x[/] Dial(PJSIP/bob,30,[tT]) \ufffd[31mred"
    assert not text.spans
    assert clean("a\tb") == "a b"


def test_fit_counts_wide_characters():
    assert fit("abc", 5) == "abc  "
    assert fit("abcdef", 5) == "abcd…"
    assert fit("ab📞cdef", 5) == "ab📞…"


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("Connection failed: closed by the server before the greeting", "closed it before greeting"),
        ("Connection failed: Connection reset by peer", "reset the connection before greeting"),
        ("Invalid port 70000: must be 1 to 65535", "Invalid port 70000: must be 1 to 65535. AMI listens on 5038"),
        ("The secret cannot be encoded as utf-8", "holds bytes that are not text"),
        ("Connection failed: cancelled", "Cancelled: not connected."),
    ],
)
def test_the_form_explains_every_connect_error_the_client_documents(error, words):
    from ami_console.ui.screens.connect import explain

    assert words in explain(error, ConnectionSettings(host="pbx", port=5038))
