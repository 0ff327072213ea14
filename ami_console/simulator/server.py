"""The simulator's server: an asyncio loop in one background thread, and the
thread-safe :class:`Simulator` API around it.

Everything that touches PBX state runs on the loop thread; public methods hand work to
it and wait for the answer. ``stop()`` closes every connection, cancels every call and
timer, and joins the thread, so nothing is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from . import sip
from .applications import build_apps
from .config import Endpoint
from .faults import make_fault
from .manager_session import SessionLog
from .pbx import PBX
from .perms import User, default_users
from .phones import OUTCOMES, PERSONALITIES, Outcome, script_outcome, start_call
from .server_core import ServerCore
from .traffic import Storm, demo_traffic

T = TypeVar("T")

DEMO_USERNAME = "admin"
DEMO_SECRET = "adminpass"
DEMO_CALLS_PER_MINUTE = 4.0  # background calls for demos and classes; tests use 0
# Asterisk's manager.conf defaults: authtimeout, authlimit, writetimeout (100 ms).
AUTH_TIMEOUT = 30.0
AUTH_LIMIT = 50
WRITE_TIMEOUT = 0.1


class Simulator:
    """An AMI server on loopback that answers like Asterisk 22. See the package docstring."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        username: str = DEMO_USERNAME,
        secret: str = DEMO_SECRET,
        users: list[User] | None = None,
        calls_per_minute: float = 0.0,
        seed: int | None = None,
        time_scale: float = 1.0,
        auth_failure_delay: float = 1.0,
        auth_timeout: float = AUTH_TIMEOUT,
        auth_limit: int = AUTH_LIMIT,
        max_output_buffer: int = 16 * 1024 * 1024,
        write_timeout: float = WRITE_TIMEOUT,
        keep_sessions: int = 100,
        record_limit: int = 1024 * 1024,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be greater than 0")
        if calls_per_minute < 0:
            raise ValueError("calls_per_minute must be 0 or more")
        if auth_limit < 1:
            raise ValueError("auth_limit must be 1 or more")
        if auth_timeout <= 0 or write_timeout <= 0:
            raise ValueError("auth_timeout and write_timeout must be greater than 0")
        self.host = host
        self._requested_port = port
        self.port = port
        self.username = username
        self.secret = secret
        self.users = users if users is not None else default_users(username, secret)
        self.seed = seed
        self.time_scale = time_scale
        self._options: dict[str, Any] = dict(
            auth_failure_delay=auth_failure_delay,
            auth_timeout=auth_timeout,
            auth_limit=auth_limit,
            max_output_buffer=max_output_buffer,
            write_timeout=write_timeout,
            keep_sessions=keep_sessions,
            record_limit=record_limit,
        )
        self._calls_per_minute = calls_per_minute
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._core: ServerCore | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._fault_generation = 0

    def __repr__(self) -> str:
        state = f"listening on {self.address}" if self.running else "stopped"
        return f"<Simulator {state}>"

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> Simulator:
        """Start listening (in a background thread); returns once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        self._ready.clear()
        self._startup_error = None
        self._thread = threading.Thread(target=self._run, name="ami-simulator", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            self._thread = None
            raise self._startup_error
        return self

    def stop(self) -> None:
        """Close every connection and call, and end the thread. Safe to call twice."""
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None:
            return
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may have ended already
                loop.call_soon_threadsafe(stop.set)
        thread.join()
        self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def address(self) -> str:
        """``host:port`` (``[v6]:port`` for IPv6), as AMIClient's ``host`` accepts it."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def credentials(self) -> dict[str, str]:
        return {"username": self.username, "secret": self.secret}

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            self._startup_error = self._startup_error or exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        pbx = PBX(time_scale=self.time_scale, seed=self.seed, apps=build_apps())
        core = ServerCore(pbx, self.users, calls_per_minute=self._calls_per_minute, **self._options)
        try:
            server = await loop.create_server(core.new_session, self.host, self._requested_port, reuse_address=True)
        except OSError as exc:
            self._startup_error = exc
            return
        self.port = server.sockets[0].getsockname()[1]
        self._loop, self._core, self._stop = loop, core, asyncio.Event()
        traffic = loop.create_task(demo_traffic(core))
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            server.close()
            traffic.cancel()
            if core.storm is not None:
                core.storm.done.set()
            for session in list(pbx.sessions):
                session.abort()
            await pbx.shutdown()
            await asyncio.gather(traffic, return_exceptions=True)
            await server.wait_closed()
            self._loop = None

    # -- calling into the loop ----------------------------------------------------------------
    def _submit(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        loop = self._loop
        if loop is None or not self.running:
            coroutine.close()
            raise RuntimeError("the simulator is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)

    def _do(self, function: Callable[[ServerCore], T]) -> T:
        async def call() -> T:
            assert self._core is not None
            return function(self._core)

        return self._submit(call())

    # -- demo calls -------------------------------------------------------------------------------
    @property
    def calls_per_minute(self) -> float:
        return self._calls_per_minute

    @calls_per_minute.setter
    def calls_per_minute(self, value: float) -> None:
        if value < 0:
            raise ValueError("calls_per_minute must be 0 or more")
        self._calls_per_minute = float(value)
        if self.running:

            def change(core: ServerCore) -> None:
                core.calls_per_minute = float(value)
                core.traffic_changed.set()

            self._do(change)

    def place_call(
        self,
        caller: str = "alice",
        number: str = "1002",
        *,
        outcome: str | None = None,
        ring: float = 0.0,
        talk: float | None = 10.0,
        callee_hangs_up: bool = True,
        hold: tuple[float, float] | None = None,
    ) -> str:
        """Make phone ``caller`` dial ``number``; returns the caller's channel name.

        When ``number`` is another phone's, that phone does ``outcome`` ("answer",
        "busy", "noanswer"; by default what it does by itself: alice and bob answer,
        carol is busy) after ringing ``ring`` seconds (0: at once, without ringing), and
        after ``talk`` seconds of conversation the callee (or, with
        ``callee_hangs_up=False``, the caller) hangs up; ``hold=(after, length)``: the
        callee holds the call (Hold, then Unhold). Seconds are dialplan seconds (scaled
        by ``time_scale``).
        """
        if outcome is not None and outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")

        def place(core: ServerCore) -> str:
            pbx = core.pbx
            if caller not in pbx.endpoints:
                raise ValueError(f"no phone {caller!r}; the phones are {', '.join(pbx.endpoints)}")
            callee = next((e for e in pbx.endpoints.values() if e.number == number), None)
            if callee is not None:
                kind = outcome or PERSONALITIES.get(callee.name, Outcome()).kind
                script_outcome(pbx, callee.name, Outcome(kind, ring, talk, callee_hangs_up, hold))
            return start_call(pbx, pbx.endpoints[caller], number).name

        return self._do(place)

    def register_phone(self, name: str) -> None:
        """Phone ``name`` registers (again): the events of pjsip_register."""
        self._do(lambda core: sip.register(core.pbx, self._endpoint(core, name)))

    def unregister_phone(self, name: str) -> None:
        """Phone ``name`` quits (a REGISTER with Expires 0): it cannot be called until it
        registers again."""
        self._do(lambda core: sip.unregister(core.pbx, self._endpoint(core, name)))

    @staticmethod
    def _endpoint(core: ServerCore, name: str) -> Endpoint:
        endpoint = core.pbx.endpoints.get(name)
        if endpoint is None:
            raise ValueError(f"no phone {name!r}; the phones are {', '.join(core.pbx.endpoints)}")
        return endpoint

    def channels(self) -> list[dict[str, str]]:
        """The channels up now: name, state, uniqueid, linkedid, context, exten, application."""

        def snapshot(core: ServerCore) -> list[dict[str, str]]:
            return [
                {
                    "name": c.name,
                    "state": c.state_name,
                    "uniqueid": c.uniqueid,
                    "linkedid": c.linkedid,
                    "context": c.context,
                    "exten": c.exten,
                    "application": c.appl,
                }
                for c in core.pbx.channels.values()
            ]

        return self._do(snapshot)

    # -- faults -------------------------------------------------------------------------------------
    def set_fault(self, kind: str, **params: Any) -> None:
        """Turn on a fault mode (see :mod:`.faults`): drop, silence, garbage, oversize, delay."""
        self._fault_generation += 1
        fault = make_fault(kind, self._fault_generation, **params)

        def apply(core: ServerCore) -> None:
            core.fault = fault

        self._do(apply)

    def clear_fault(self) -> None:
        def apply(core: ServerCore) -> None:
            core.fault = None

        self._do(apply)

    def drop_connections(self) -> int:
        """Close every connection at once (as a crashed server would); returns how many."""

        def drop(core: ServerCore) -> int:
            sessions = list(core.pbx.sessions)
            for session in sessions:
                session.abort()
            return len(sessions)

        return self._do(drop)

    # -- storm --------------------------------------------------------------------------------------
    def start_storm(self, rate: float | None = None, total: int | None = None) -> None:
        """Publish call events at ``rate`` per second (``None``: as fast as clients read),
        until ``total`` have gone out (``None``: until :meth:`stop_storm`)."""

        def begin(core: ServerCore) -> None:
            if core.storm is not None and not core.storm.done.is_set():
                raise RuntimeError("a storm is already running")
            core.storm = Storm(core, rate, total)
            core.storm.task = core.pbx.spawn(core.storm.run())

        self._do(begin)

    def stop_storm(self) -> int:
        """Stop the storm; returns how many events it published."""

        async def end() -> int:
            assert self._core is not None
            storm = self._core.storm
            if storm is None:
                return 0
            if storm.task is not None:
                storm.task.cancel()
            await storm.done.wait()
            return storm.sent

        return self._submit(end())

    @property
    def storm_sent(self) -> int:
        return self._do(lambda core: core.storm.sent if core.storm is not None else 0)

    def wait_storm(self, timeout: float) -> bool:
        """Wait until a storm with a ``total`` has published it all."""

        async def wait() -> bool:
            assert self._core is not None
            if self._core.storm is None:
                return True
            try:
                await asyncio.wait_for(self._core.storm.done.wait(), timeout)
            except TimeoutError:
                return False
            return True

        return self._submit(wait(), timeout + 5)

    # -- what clients sent ---------------------------------------------------------------------------
    def session_logs(self) -> list[SessionLog]:
        """A copy of each connection's log (the last ``keep_sessions``), oldest first."""
        core = self._core
        if core is None:
            return []
        with core.logs_lock:
            return [copy.deepcopy(log) for log in core.logs]

    @property
    def received(self) -> list[bytes]:
        """The raw bytes each connection sent, one entry per connection, oldest first."""
        return [bytes(log.raw) for log in self.session_logs()]

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised inside the simulator (bugs); tests assert there are none."""
        return list(self._core.pbx.errors) if self._core is not None else []

    @property
    def session_count(self) -> int:
        return self._do(lambda core: len(core.pbx.sessions))

    def wait_until(self, predicate: Callable[[Simulator], bool], timeout: float = 5.0) -> bool:
        """Poll ``predicate(self)`` until true or ``timeout`` passes (tests use this to wait
        for a condition instead of sleeping)."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate(self):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
