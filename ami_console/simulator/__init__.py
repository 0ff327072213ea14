"""The demo PBX: an AMI server that answers like Asterisk 22, for demos, classes and tests.

It speaks the Asterisk Manager Interface byte for byte as Asterisk 22 does (compared
with real wire captures in the test suite), runs a small PBX with phones, a queue and a
dialplan, and emits the events real calls emit, in real time. It may import the AMI
library (ami_console.protocol) and nothing else of ami_console; never Textual.

    from ami_console.client import AMIClient
    from ami_console.simulator import Simulator

    with Simulator() as pbx:                       # 127.0.0.1, a free port
        ami = AMIClient(username=pbx.username, secret=pbx.secret, host=pbx.address)
        ami.connect()
        ami.action(Action="Originate", Channel="Local/100@demo", Application="Wait", Data="3")

Simulator(host="127.0.0.1", port=0, *, username="admin", secret="adminpass", users=None,
          calls_per_minute=0.0, seed=None, time_scale=1.0, auth_failure_delay=1.0,
          auth_timeout=30.0, auth_limit=50, max_output_buffer=16 MiB, write_timeout=0.1,
          keep_sessions=100, record_limit=1 MiB)
    ``port=0`` picks a free port. ``users`` replaces the two default users (``username``/
    ``secret`` with every class, and ``monitor``/``monpass``, who reads everything but may
    not Originate or run Command). ``calls_per_minute``: background calls between the
    phones (use :data:`DEMO_CALLS_PER_MINUTE` for a lively demo), their choices drawn
    from a random source seeded with ``seed``. ``time_scale`` multiplies dialplan time
    (Wait, ringing, Answer's media wait, talk times): 1.0 is real time, tests use less.
    ``auth_failure_delay``: the pause before "Authentication failed". Asterisk's limits,
    with its defaults: ``auth_timeout`` (authtimeout), how long a connection may stay
    without logging in before it is closed without a word; ``auth_limit`` (authlimit),
    how many connections may wait to log in at once (one more is closed before the
    greeting); ``write_timeout`` (writetimeout), how long a client may read none of the
    output waiting for it before it is dropped. ``max_output_buffer``: bytes a client may
    leave unread before it is dropped at once. ``keep_sessions`` and ``record_limit``
    bound the logs of what clients sent (raw bytes, and the requests logged, each).

Lifecycle: ``start()`` (returns once it accepts connections; raises ``OSError`` if the
port is taken), ``stop()`` (closes every connection and call, joins the thread; safe to
call twice), or ``with Simulator(...) as pbx``. ``running``, ``host``, ``port``,
``address`` (``"127.0.0.1:5038"``, what AMIClient's ``host`` takes), ``username``,
``secret``, ``credentials``.

Calls: ``place_call(caller="alice", number="1002", *, outcome=None, ring=0.0, talk=10.0,
callee_hangs_up=True, hold=None) -> str`` makes a phone dial a number (another phone, 500
for the queue, 100-950 for the demo extensions) and returns its channel name; the phone
called does ``outcome`` (by default what it does by itself: alice and bob answer at once,
carol answers 486 Busy Here, as the captures' phones; see :mod:`.phones`);
``register_phone(name)`` and ``unregister_phone(name)`` make a phone register or quit
(:mod:`.sip`); ``calls_per_minute`` can be changed while running (with background traffic
at the start, the phones register one after another as the PBX starts); ``channels()``
lists the channels up.

Faults (see :mod:`.faults`): ``set_fault(kind, **params)`` with kind ``"drop"``
(``after=bytes``), ``"silence"``, ``"garbage"`` (``data=bytes``), ``"oversize"``
(``size=bytes``) or ``"delay"`` (``seconds=``); ``clear_fault()``; ``drop_connections()``.

Storm: ``start_storm(rate=None, total=None)`` publishes whole calls' events (about 17
headers each) at ``rate`` a second, or as fast as clients read when ``rate`` is None,
until ``total`` (or ``stop_storm()``, which returns how many went out); ``storm_sent``;
``wait_storm(timeout)``.

What clients sent: ``received`` (the raw bytes of each connection, oldest first),
``session_logs()`` (:class:`SessionLog`: id, remote, username, raw, requests as
:class:`~ami_console.protocol.Message`, connected_at, closed_at), ``session_count``.
``errors`` holds exceptions raised inside the simulator (tests assert it stays empty);
``wait_until(predicate, timeout)`` polls a condition with a deadline.

The PBX: phones PJSIP/alice (1001), PJSIP/bob (1002), PJSIP/carol (1003) in context
``internal`` (with hints), which also has 1100 and 1200 (bob holds the call, or never
answers), 500 (queue ``support``, member ``Local/300@demo``) and includes ``demo``;
context ``demo`` holds extensions 100-950 of the captures' extensions.conf, and
``default`` includes it; features.conf's attended transfer code is ``*2``
(:mod:`.transfer`). Actions: Login, Challenge, Logoff, Ping, Events, Filter,
ListCommands, UserEvent, CoreSettings, CoreStatus, Command, DBPut, DBGet, DBGetTree,
DBDel, DBDelTree, ShowDialPlan, ExtensionState, ExtensionStateList, DeviceStateList,
QueueStatus, QueueSummary, QueuePause, Originate, Hangup, Redirect, Getvar, Setvar,
CoreShowChannels, Status, BridgeList, BridgeInfo, BlindTransfer, Atxfer, CancelAtxfer,
PlayDTMF, PJSIPShowEndpoints, PJSIPShowEndpoint, PJSIPShowContacts, PJSIPShowAors. The
standalone server is ``ami-console simulate`` (:mod:`.standalone`).
"""

from .faults import KINDS as FAULT_KINDS
from .manager_session import SessionLog
from .perms import User, default_users
from .server import DEMO_CALLS_PER_MINUTE, DEMO_SECRET, DEMO_USERNAME, Simulator

__all__ = [
    "DEMO_CALLS_PER_MINUTE",
    "DEMO_SECRET",
    "DEMO_USERNAME",
    "FAULT_KINDS",
    "SessionLog",
    "Simulator",
    "User",
    "default_users",
]
