"""What the benchmarks share: a storm of realistic call events, a server that sends it, and
a line describing the machine.

The storm is what a busy Asterisk 22 sends while calls come and go (Newchannel, Newstate,
DialBegin, BridgeEnter, VarSet, Hangup... about 15 headers and 400 bytes an event). Two
sources give the same kind of bytes:

- ``simulator_events(n)``: the demo PBX's storm mode (ami_console.simulator), recorded once.
  The simulator makes each event in Python, at some 50,000 a second, slower than the
  clients it should measure; so the benchmarks record its events first and replay them.
- ``call_events(n)``: a generator modelled on the captures in tests/fixtures/asterisk/,
  with caller names in other scripts than Latin; quick, and needs nothing running.

``storm_server(events)`` serves either: it logs each client in and writes the events as
fast as the socket takes them, from its own process.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import platform
import random
import re
import socket
from collections.abc import Iterator

GREETING = b"Asterisk Call Manager/11.0.0\r\n"
NAMES = ["Alice", "Bob", "Zoë Ångström", "Jürgen Groß", "李小龙", "Support Line", "<unknown>"]
CHANNEL_HEADERS = (
    "Channel: {chan}\r\nChannelState: {state}\r\nChannelStateDesc: {desc}\r\n"
    "CallerIDNum: {num}\r\nCallerIDName: {name}\r\nConnectedLineNum: {peer}\r\n"
    "ConnectedLineName: {peer_name}\r\nLanguage: en\r\nAccountCode: \r\nContext: demo\r\n"
    "Exten: {exten}\r\nPriority: {prio}\r\nUniqueid: {uid}\r\nLinkedid: {linked}\r\n"
)
TEMPLATES = [
    "Event: Newchannel\r\nPrivilege: call,all\r\n" + CHANNEL_HEADERS,
    "Event: Newstate\r\nPrivilege: call,all\r\n" + CHANNEL_HEADERS,
    "Event: Newexten\r\nPrivilege: dialplan,all\r\n"
    + CHANNEL_HEADERS
    + "Extension: {exten}\r\nApplication: Dial\r\nAppData: PJSIP/{exten},30,[tT]\r\n",
    "Event: VarSet\r\nPrivilege: dialplan,all\r\n" + CHANNEL_HEADERS + "Variable: DIALSTATUS\r\nValue: ANSWER\r\n",
    "Event: DialBegin\r\nPrivilege: call,all\r\n" + CHANNEL_HEADERS + "DialString: {exten}@demo\r\n",
    "Event: BridgeEnter\r\nPrivilege: call,all\r\nBridgeUniqueid: 4f1c-{linked}\r\n"
    "BridgeType: basic\r\nBridgeTechnology: simple_bridge\r\nBridgeNumChannels: 2\r\n" + CHANNEL_HEADERS,
    "Event: Hangup\r\nPrivilege: call,all\r\n" + CHANNEL_HEADERS + "Cause: 16\r\nCause-txt: Normal Clearing\r\n",
]
STATES = [("0", "Down"), ("4", "Ring"), ("5", "Ringing"), ("6", "Up")]


def call_events(count: int, seed: int = 5038) -> bytes:
    """``count`` realistic call events as Asterisk sends them (CRLF, blank line after each)."""
    rng = random.Random(seed)
    parts = []
    for i in range(count):
        state, desc = rng.choice(STATES)
        call = i // 12
        values = dict(
            chan=f"PJSIP/{100 + call % 50}-{call:08x}",
            state=state,
            desc=desc,
            num=str(100 + call % 50),
            name=rng.choice(NAMES),
            peer=str(200 + call % 30),
            peer_name=rng.choice(NAMES),
            exten=str(200 + call % 30),
            prio=str(1 + i % 4),
            uid=f"1795660004.{2 * call + i % 2}",
            linked=f"1795660004.{2 * call}",
        )
        parts.append(rng.choice(TEMPLATES).format(**values) + "\r\n")
    return "".join(parts).encode()


def simulator_events(count: int) -> bytes:
    """``count`` events of the simulator's storm, as its sessions send them."""
    from ami_console.client import AMIClient
    from ami_console.simulator import Simulator

    with Simulator() as pbx:
        ami = AMIClient(pbx.username, pbx.secret, host=pbx.address)
        if not ami.connect():
            raise RuntimeError(ami.error)
        while ami.read_response(timeout=0.2) is not None:
            pass  # what follows the login (FullyBooted...) is not part of the storm
        pbx.start_storm(total=count)
        raws = []
        for _ in range(count):
            message = ami.read_response(timeout=10)
            if message is None or not message.is_event:
                raise RuntimeError(f"the storm stopped after {len(raws)} events: {ami.error}")
            raws.append(message.raw)
        ami.close()
    return b"".join(raws)


def storm_events(count: int, source: str) -> bytes:
    return simulator_events(count) if source == "simulator" else call_events(count)


def storm_options(doc: str, events: int) -> argparse.Namespace:
    """The command line of a benchmark over a storm: how many events, rounds, and from where."""
    options = argparse.ArgumentParser(description=doc.splitlines()[0])
    options.add_argument("--events", type=int, default=events)
    options.add_argument("--rounds", type=int, default=5)
    options.add_argument(
        "--source",
        choices=["simulator", "synthetic"],
        default="simulator",
        help="events recorded from the demo PBX's storm mode, or made by benchmarks/storm.py",
    )
    return options.parse_args()


# -- the server ---------------------------------------------------------------------------
_LOGIN_ID = re.compile(rb"^ActionID: *(.*?)\r?$", re.IGNORECASE | re.MULTILINE)


def _serve(listener: socket.socket, events: bytes) -> None:
    """Per connection: greet, answer the Login, send every event as fast as the socket
    takes them, then end the stream and wait (a little) for the client to hang up."""
    while True:
        sock, _ = listener.accept()
        with sock:
            sock.sendall(GREETING)
            request = b""
            while b"\r\n\r\n" not in request and b"\n\n" not in request:
                data = sock.recv(4096)
                if not data:
                    break
                request += data
            match = _LOGIN_ID.search(request)
            action_id = b"ActionID: " + match.group(1) + b"\r\n" if match else b""
            sock.sendall(b"Response: Success\r\n" + action_id + b"Message: Authentication accepted\r\n\r\n")
            with contextlib.suppress(OSError):
                sock.sendall(events)
                sock.shutdown(socket.SHUT_WR)  # readers that wait for more see the end
                sock.settimeout(5)
                while sock.recv(65536):  # until the client closes (a Logoff goes unanswered)
                    pass


@contextlib.contextmanager
def storm_server(events: bytes) -> Iterator[tuple[str, int]]:
    """A loopback AMI server in its own process, so it never competes for our GIL.

    Yields ``(host, port)``; every connection is logged in (any username and secret) and
    then receives ``events``.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    process = multiprocessing.get_context("fork").Process(target=_serve, args=(listener, events), daemon=True)
    process.start()
    try:
        yield listener.getsockname()
    finally:
        process.terminate()
        process.join(5)
        listener.close()


def machine() -> str:
    """CPU model, cores and Python, for the heading of a benchmark's figures."""
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.partition(":")[2].strip()
                    break
    return (
        f"{model}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()} on {platform.system()} {platform.release()}"
    )
