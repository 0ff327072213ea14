"""RTCP reports on a phone's call: the RTCPReceived and RTCPSent events of
pjsip_call_answered and pjsip_call_hold, rate-limited.

Media really flowed in the captures, and Asterisk reported each RTCP packet it received
or sent: a phone's first receiver reports (SSRC 0, nothing heard yet) as the call comes
up, then sender reports every few seconds, how many and when varying from run to run
with RTCP's randomised interval. Here a phone's channel reports one empty receiver
report as it enters a bridge, then every 5 s (rtp.conf's rtcpinterval) one sender report
received from the phone and one sent to it, with packet counts that grow as 20 ms G.711
packets would: bounded, and enough for a console to show what they look like.
"""

from __future__ import annotations

import asyncio
import time

from .channels import Channel
from .manager_events import channel_event
from .pbx import PBX
from .perms import REPORTING
from .wire import Event

INTERVAL = 5.0  # seconds of call between two sender reports
PACKETS_PER_SECOND = 50
OCTETS_PER_PACKET = 160
MES = "88.1"  # the media experience score both phones got in the captures


def start_reports(pbx: PBX, chan: Channel) -> None:
    """Report on a phone's channel while it is bridged (once per channel)."""
    if chan.tech == "PJSIP" and not chan.rtcp:
        chan.rtcp = True
        pbx.spawn(_report(pbx, chan))


async def _report(pbx: PBX, chan: Channel) -> None:
    rng = pbx.sip_rng
    ours = f"127.0.0.1:{rng.randrange(5001, 31000, 2)}"  # Asterisk's RTCP port (RTP + 1)
    theirs = f"127.0.0.1:{_phone_port(pbx, chan)}"
    ssrc_ours, ssrc_theirs = rng.getrandbits(32), rng.getrandbits(32)
    first_sequence = rng.randrange(1000, 30000)
    head = [("To", ours), ("From", theirs), ("RTT", "0.0000"), ("MES", MES)]
    pbx.publish(_event("RTCPReceived", chan, [*head, *_header(0, "201(RR)"), *_block(0, 0, 0)]))
    started = time.monotonic()
    while True:
        await asyncio.sleep(pbx.scaled(INTERVAL))
        if chan.dead or chan.bridge is None:
            return
        packets = int(pbx.dialplan_seconds(time.monotonic() - started) * PACKETS_PER_SECOND)
        sent = [*_sender(packets), *_block(ssrc_ours, first_sequence + packets, 2)]
        pbx.publish(_event("RTCPReceived", chan, [*head, *_header(ssrc_theirs, "200(SR)"), *sent]))
        ours_sent = [*_sender(packets), *_block(ssrc_theirs, first_sequence + packets, 3)]
        report = [("To", theirs), ("From", ours), ("MES", MES), *_header(ssrc_ours, "200(SR)"), *ours_sent]
        pbx.publish(_event("RTCPSent", chan, report))


def _phone_port(pbx: PBX, chan: Channel) -> int:
    """The phone's RTCP port: pjsua's RTP ports were 40000 (alice) and 40100 (bob)."""
    endpoint = pbx.endpoints.get(chan.device[6:])
    return 40001 + 100 * (endpoint.port - 5071 if endpoint is not None else 0)


def _event(name: str, chan: Channel, fields: list[tuple[str, object]]) -> Event:
    return channel_event(name, chan, fields, REPORTING)


def _header(ssrc: int, kind: str) -> list[tuple[str, object]]:
    return [("SSRC", f"0x{ssrc:08x}"), ("PT", kind), ("ReportCount", 1)]


def _sender(packets: int) -> list[tuple[str, object]]:
    now = time.time()
    return [
        ("SentNTP", f"{int(now)}.{int(now % 1 * 1_000_000):06d}"),
        ("SentRTP", packets * OCTETS_PER_PACKET),
        ("SentPackets", packets),
        ("SentOctets", packets * OCTETS_PER_PACKET),
    ]


def _block(source: int, highest: int, jitter: int) -> list[tuple[str, object]]:
    return [
        ("Report0SourceSSRC", f"0x{source:08x}"),
        ("Report0FractionLost", 0),
        ("Report0CumulativeLost", 0),
        ("Report0HighestSequence", highest),
        ("Report0SequenceNumberCycles", 0),
        ("Report0IAJitter", jitter),
        ("Report0LSR", 0),
        ("Report0DLSR", "0.0000"),
    ]
