"""The loop-side state every session shares: users, limits, the actions and CLI commands
(built here, once, from their modules' tables), the active fault, the logs of what
clients sent, and the storm. It lives on the simulator's event loop thread;
the logs are also read from other threads, under ``logs_lock``."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque

from .actions.catalog import build_actions
from .cli.catalog import build_commands
from .faults import Fault
from .manager_session import ManagerSession, SessionLog
from .pbx import PBX
from .perms import User
from .reader import Request
from .traffic import Storm

REQUEST_OVERHEAD = 256  # about what a logged Message costs beyond its raw bytes


class ServerCore:
    """Loop-side state shared by the sessions: users, limits, faults and logs."""

    def __init__(
        self,
        pbx: PBX,
        users: list[User],
        *,
        auth_failure_delay: float,
        auth_timeout: float,
        auth_limit: int,
        max_output_buffer: int,
        write_timeout: float,
        calls_per_minute: float,
        keep_sessions: int,
        record_limit: int,
    ) -> None:
        self.pbx = pbx
        self.users = users
        self.actions = build_actions()
        self.commands = build_commands()
        self.auth_failure_delay = auth_failure_delay
        self.auth_timeout = auth_timeout
        self.auth_limit = auth_limit
        self.max_output_buffer = max_output_buffer
        self.high_water = min(256 * 1024, max_output_buffer // 2)
        self.write_timeout = write_timeout
        self.calls_per_minute = calls_per_minute
        self.traffic_changed = asyncio.Event()
        self.fault: Fault | None = None
        self.record_limit = record_limit
        self.logs: deque[SessionLog] = deque(maxlen=keep_sessions)
        self.logs_lock = threading.Lock()
        self.storm: Storm | None = None
        self._sessions = 0

    @property
    def fault_kind(self) -> str | None:
        return self.fault.kind if self.fault is not None else None

    @property
    def write_delay(self) -> float:
        return self.fault.seconds if self.fault is not None and self.fault.kind == "delay" else 0.0

    def find_user(self, name: str) -> User | None:
        lowered = name.lower()
        return next((u for u in self.users if u.username.lower() == lowered), None)

    def waiting_to_log_in(self) -> int:
        """Connections not logged in yet (closing ones too: they still hold a socket)."""
        return sum(not session.authenticated for session in self.pbx.sessions)

    def new_session(self) -> ManagerSession:
        self._sessions += 1
        return ManagerSession(self, self._sessions)

    # -- logs -----------------------------------------------------------------------------
    def open_log(self, session: ManagerSession) -> SessionLog:
        log = SessionLog(session.number, (str(session.remote[0]), int(session.remote[1])), time.time())
        with self.logs_lock:
            self.logs.append(log)
        return log

    def record(self, session: ManagerSession, data: bytes) -> None:
        log = session.log
        if log is None:
            return
        with self.logs_lock:
            room = self.record_limit - len(log.raw)
            log.raw += data[: max(0, room)]
            log.truncated = log.truncated or len(data) > room

    def record_request(self, session: ManagerSession, request: Request) -> None:
        """Log a request while the log's budget lasts: each costs its bytes and the objects
        that hold it, so a flood of blank lines cannot fill the log with empty ones."""
        log = session.log
        if log is None or log.truncated:
            return
        cost = len(request.raw) + REQUEST_OVERHEAD
        with self.logs_lock:
            if log.request_bytes + cost > self.record_limit:
                log.truncated = True
                return
            log.request_bytes += cost
            log.requests.append(request.to_message())

    def logged_in(self, session: ManagerSession) -> None:
        if session.log is not None:
            with self.logs_lock:
                session.log.username = session.username

    def close_log(self, session: ManagerSession) -> None:
        if session.log is not None and session.log.closed_at is None:
            with self.logs_lock:
                session.log.closed_at = time.time()
