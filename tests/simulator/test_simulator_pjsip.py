"""The demo PBX's phones against real SIP phones: the pjsip_* captures (a second Asterisk
22 with three pjsua phones, tests/fixtures/asterisk/README.md) replayed, the phones made
to do what the capture's phones did when they did it, and everything compared header for
header: each channel's events in order, each device's states in order, the Cdr records
in order, the rest (security events, ContactStatus, PeerStatus, bridges) in order, and
the responses and list items (PJSIPShowEndpoints, PJSIPShowContacts, PJSIPShowEndpoint,
PJSIPShowAors, CoreShowChannels) in order.

Left out, because they vary in Asterisk itself from run to run:

* RTCPReceived and RTCPSent: how many and when depends on RTCP's randomised interval
  and on the media (the demo PBX sends a few, rate-limited: see ``rtcp.py``);
* VarSet: the bridge and the RTP statistics variables are set from several threads, as
  often as the media and the bridge change, with measured values;
* values that are measured or drawn at random: the qualify round trip (RoundtripUsec),
  the phones' Call-IDs (CallId, CallID, the security events' SessionID), times (EventTV,
  ExpirationTime and RegExpire, the registration time plus an hour; the Cdr times).

ExtensionStatus is left out too, for a difference of configuration, not of behaviour:
the demo's phone extensions have hints (for ExtensionState and ``core show hints``, see
test_simulator_actions), which the capture's extensions_internal.conf had not.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from ami_console.protocol import Message
from ami_console.simulator import Simulator
from tests.captures import transcript
from tests.simulator.test_simulator_callflows import BRIDGE, expected_messages
from tests.simulator.test_simulator_support import Normaliser, RawConnection, no_thread_leaks, running  # noqa: F401 (fixtures)

SCALE = 0.1
LEFT_OUT = {"RTCPReceived", "RTCPSent", "VarSet", "ExtensionStatus"}
MEASURED = {"RoundtripUsec", "CallId", "CallID", "ExpirationTime", "RegExpire"}

Act = Callable[[Simulator], object]

# What the capture's phones did, and when (the capture's seconds): its notes and the
# first event each action gave. Before: what was so before the capture began.
PHONES: dict[str, tuple[list[str], list[tuple[float, Act]]]] = {
    "pjsip_register": (
        ["alice", "bob", "carol"],
        [
            (0.020, lambda p: p.register_phone("alice")),
            (1.054, lambda p: p.register_phone("bob")),
            (2.085, lambda p: p.register_phone("carol")),
            (8.179, lambda p: p.unregister_phone("carol")),
            (10.210, lambda p: p.register_phone("carol")),
        ],
    ),
    "pjsip_call_answered": (
        [],
        [(0.412, lambda p: p.place_call("alice", "1002", talk=3.209, callee_hangs_up=False))],
    ),
    "pjsip_call_hold": (
        [],
        [(0.406, lambda p: p.place_call("alice", "1002", talk=5.11, callee_hangs_up=False, hold=(1.203, 2.203)))],
    ),
    "pjsip_call_busy": ([], [(0.406, lambda p: p.place_call("alice", "1003"))]),
    "pjsip_call_noanswer": (
        ["bob"],
        [
            (4.047, lambda p: p.register_phone("bob")),
            (5.463, lambda p: p.place_call("alice", "1002", outcome="noanswer")),
            (28.394, lambda p: p.unregister_phone("bob")),
        ],
    ),
}


def replay(name: str, pbx: Simulator) -> list[Message]:
    """The capture's requests with its pacing, and its phones' actions in between."""
    unregistered, acts = PHONES[name]
    for phone in unregistered:
        pbx.unregister_phone(phone)  # before anyone listens
    sent = [(step.at, step.data) for step in transcript(name) if step.kind == "sent"]
    timeline = sorted([(at, data) for at, data in sent] + acts, key=lambda item: item[0])
    started = time.monotonic() - sent[0][0] * SCALE  # the capture's clock starts before its login
    with RawConnection((pbx.host, pbx.port)) as conn:
        requests = 0
        for at, what in timeline:
            pause = started + at * SCALE - time.monotonic()
            if pause > 0:
                conn.wait_for(lambda c: False, pause)
            if isinstance(what, bytes):
                conn.send(what)
                requests += 1
            else:
                # On a busy machine the replay falls behind and a phone would act before
                # the server has read the login: what the phone does would go to nobody.
                answered = lambda c, n=requests: sum(not m.is_event for m in c.messages) >= n  # noqa: E731
                assert conn.wait_for(answered), "the server did not answer the capture's requests"
                what(pbx)
        assert pbx.wait_until(lambda p: not p.channels(), timeout=10)
        conn.send(b"Action: Ping\r\nActionID: replay-end\r\n\r\n")
        assert conn.wait_for(lambda c: any(m.action_id == "replay-end" for m in c.messages))
        return [m for m in conn.messages if m.action_id != "replay-end"]


def streams(messages: list[Message]) -> dict[str, list[tuple[tuple[str, str], ...]]]:
    normalise = Normaliser()
    bridges: dict[str, str] = {}
    result: dict[str, list[tuple[tuple[str, str], ...]]] = {}
    for message in messages:
        if message.name in LEFT_OUT:
            continue
        fields = tuple(
            (
                key,
                "<measured>" if key in MEASURED else BRIDGE.sub(lambda m: bridges.setdefault(m[0], "<bridge>"), value),
            )
            for key, value in normalise.message(message)
        )
        if not message.is_event or message.action_id:
            key = "responses"
        elif message.name == "DeviceStateChange":
            key = "device " + message["Device"]
        elif message.name == "Cdr":
            key = "cdr"
        elif message.header("Uniqueid"):
            key = "channel " + normalise.value("Uniqueid", message["Uniqueid"])
        else:
            key = "other"
        result.setdefault(key, []).append(fields)
    return result


@pytest.mark.parametrize("name", sorted(PHONES))
def test_the_phones_do_what_real_sip_phones_did(name: str, no_thread_leaks: None) -> None:
    with running(time_scale=SCALE, auth_failure_delay=0.1, auth_timeout=5.0) as pbx:
        got = replay(name, pbx)
    want, have = streams(expected_messages(name)), streams(got)
    assert sorted(have) == sorted(want)
    for key in want:
        wanted = [dict(fields).get("Event", dict(fields).get("Response")) for fields in want[key]]
        had = [dict(fields).get("Event", dict(fields).get("Response")) for fields in have[key]]
        assert had == wanted, f"{name}: {key}: events differ"
        for ours, theirs in zip(have[key], want[key], strict=True):
            assert ours == theirs, f"{name}: {key}: {dict(theirs).get('Event')} differs"
