"""AMIClient: a blocking Asterisk Manager Interface client.

A port of the Perl module Telephony::Asterisk::AMI (0.006): the same methods, return
values and error messages, plus what that module lacks: every wait is bounded by
``timeout``, ``action()`` only ever returns its own response, event lists, MD5 login,
TLS, and safe use from two threads (one reading, others sending).

    ami = AMIClient(username="admin", secret="...", host="pbx.example.org:5038")
    if not ami.connect():
        raise SystemExit(ami.error)
    response = ami.action(Action="Ping")
    ami.disconnect()
"""

from __future__ import annotations

import hashlib
import ssl
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from ami_console.printable import clean
from ami_console.protocol import (
    DEFAULT_MAX_HEADERS,
    DEFAULT_MAX_LIST_BYTES,
    DEFAULT_MAX_LIST_ITEMS,
    DEFAULT_MAX_MESSAGE_SIZE,
    EventList,
    Fields,
    Message,
    Parser,
    ProtocolError,
    action_fields,
    mask_secrets,
    serialize_action,
)
from ami_console.transport import Transport, check_port, describe_error, split_host

__all__ = ["AMIClient", "AMIError"]

NOT_CONNECTED = "Not connected to Asterisk!"
CANCELLED = "Connection failed: cancelled"
CLOSED_BEFORE_GREETING = "Connection failed: closed by the server before the greeting"


class TextSink(Protocol):
    """Where the debug transcript goes: a text file, ``sys.stderr``, or anything with these."""

    def write(self, text: str, /) -> object: ...
    def flush(self) -> object: ...


class AMIError(Exception):
    """Raised only by ``with AMIClient(...)`` when the connection cannot be made."""


class _Timeout(Exception):
    pass


class _Failure(Exception):
    """The connection failed; the message is what ``error`` will say."""


class _ReadFailed(_Failure):
    """Reading failed: the connection is gone. ``eof``: the server closed it."""

    def __init__(self, reason: str, eof: bool = False) -> None:
        super().__init__(f"Reading from socket failed: {reason}")
        self.reason = reason
        self.eof = eof


def _is_terminal(stream: TextSink) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # a file-like object without a descriptor, or closed
        return False


def _merge(fields: Fields | None, kwargs: dict[str, Any]) -> list[tuple[str, Any]]:
    items = list(fields.items() if hasattr(fields, "items") else fields or [])  # type: ignore[union-attr]
    return items + list(kwargs.items())


class AMIClient:
    """A blocking AMI client. See the module docstring and the README for the API.

    ``max_message_size`` (bytes) and ``max_headers`` (lines) bound one message: a message
    over either is skipped, and the read that met it returns an Error response saying
    ``Protocol error: message larger than the N-byte limit; it was skipped`` or ``Protocol
    error: message over the N-header limit; it was skipped``; the connection stays usable.
    ``max_list_items`` and ``max_list_bytes`` bound what :meth:`action_list` gathers; set
    them on the class or on one client.
    """

    max_list_items: int = DEFAULT_MAX_LIST_ITEMS
    max_list_bytes: int = DEFAULT_MAX_LIST_BYTES

    def __init__(
        self,
        username: str | None = None,
        secret: str | None = None,
        host: str = "localhost",
        port: int = 5038,
        action_id: int = 1,
        debug: bool = False,
        debug_file: TextSink | None = None,
        event_callback: Callable[[Message], Any] | None = None,
        *,
        timeout: float = 10.0,
        auth: str = "plain",
        events: str | None = None,
        tls: bool | ssl.SSLContext = False,
        encoding: str = "utf-8",
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        max_headers: int = DEFAULT_MAX_HEADERS,
    ) -> None:
        if username is None:
            raise ValueError("Required parameter 'username' not defined")
        if secret is None:
            raise ValueError("Required parameter 'secret' not defined")
        for name, value in (("username", username), ("secret", secret), ("events", events)):
            if value is not None and ("\r" in value or "\n" in value):
                raise ValueError(f"Parameter '{name}' holds a line break")
        if auth not in ("plain", "md5"):
            raise ValueError(f"auth must be 'plain' or 'md5', not {auth!r}")
        self.username: str = username
        self._secret: str = secret  # never shown: not in repr, errors or transcripts
        self.host, self.port = split_host(host, port)
        self.timeout = timeout
        self.auth = auth
        self.events = events
        self.tls = tls
        self.encoding = encoding
        self.max_message_size = max_message_size
        self.max_headers = max_headers
        self.debug_file = debug_file if debug_file is not None else (sys.stderr if debug else None)
        self.event_callback = event_callback
        self.error: str | None = None
        self.greeting: str | None = None
        self.refused_greeting = ""  # what came instead of a greeting (error "Unknown Protocol")
        self._next_id = action_id
        self._id_lock = threading.Lock()
        self._transport: Transport | None = None
        self._cancelled = threading.Event()
        self._parser = self._new_parser(greeting=False)

    def __repr__(self) -> str:
        state = "connected" if self.connected else "not connected"
        return f"<AMIClient {self.username}@{self.host}:{self.port} {state}>"

    def __enter__(self) -> AMIClient:
        if not self.connect():
            raise AMIError(self.error)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.connected:
            self.disconnect()
        self.close()

    @property
    def connected(self) -> bool:
        return self._transport is not None and not self._transport.closed

    @property
    def next_action_id(self) -> str:
        """The ActionID the next action will carry."""
        return str(self._next_id)

    # -- main methods -----------------------------------------------------------------
    def connect(self) -> bool:
        """Open the connection, check the greeting and log in. False on failure (see ``error``).

        ``timeout`` is one deadline for all of it: TCP, TLS handshake, greeting and login.
        ``close()`` from another thread stops it at any step. The errors:

        - ``Invalid port N: must be 1 to 65535``;
        - ``The secret cannot be encoded as <encoding>`` (or ``The username ...``,
          ``The events value ...``): nothing is sent, and nothing of the value is quoted;
        - ``Connection failed: <reason>`` before the greeting: ``Connection refused``,
          ``unknown host (...)``, ``timed out`` (TCP or TLS), ``TLS certificate not
          trusted (...)``, ``TLS failed (...)``, ``Connection reset by peer``,
          ``closed by the server before the greeting``, or ``cancelled`` (``close()``
          was called, at whatever step);
        - ``Unknown Protocol``: the first line is not an AMI greeting;
        - ``Timed out after N s waiting for the greeting``;
        - ``Login failed: <Asterisk's Message>``, or ``Login failed: Timed out after N s
          waiting for a response``, or ``Login failed: Reading from socket failed: ...``.
        """
        self.close()
        self.error = None
        self._cancelled.clear()
        deadline = time.monotonic() + self.timeout
        ok = self._connect(deadline)
        if not ok:
            self._drop()
            if self._cancelled.is_set():  # whatever broke, it broke because close() came
                self.error = CANCELLED
        return ok

    def _connect(self, deadline: float) -> bool:
        try:
            check_port(self.port)
        except ValueError as exc:
            return self._fail(str(exc))
        problem = self._unencodable()
        if problem is not None:
            return self._fail(problem)
        try:
            transport = Transport.open(self.host, self.port, self.timeout, self._cancelled.is_set, deadline=deadline)
        except (OSError, ValueError) as exc:  # ValueError: a name IDNA cannot encode
            return self._fail(f"Connection failed: {describe_error(exc)}")
        self._parser = self._new_parser(greeting=True)
        self._transport = transport
        if self._cancelled.is_set():  # close() came while we were connecting
            transport.close()
        try:
            if self.tls:
                transport.start_tls(self.tls, self.host, deadline)
        except (OSError, ValueError) as exc:
            return self._fail(f"Connection failed: {describe_error(exc)}")
        try:
            self.greeting = self._read_greeting(deadline)
        except _Timeout:
            return self._fail(f"Timed out after {self.timeout:g} s waiting for the greeting")
        except _ReadFailed as failure:  # before the greeting it is not AMI failing yet
            return self._fail(CLOSED_BEFORE_GREETING if failure.eof else f"Connection failed: {failure.reason}")
        except _Failure as failure:
            return self._fail(str(failure))
        login: dict[str, Any] = {"Action": "Login", "Username": self.username}
        if self.auth == "md5":
            challenge = self._action([("Action", "Challenge"), ("AuthType", "MD5")], deadline)
            if challenge.header("Response") != "Success":
                return self._login_failed(challenge)
            digest = hashlib.md5(((challenge.header("Challenge") or "") + self._secret).encode())
            login.update(AuthType="MD5", Key=digest.hexdigest())
        else:
            login["Secret"] = self._secret
        if self.events is not None:
            login["Events"] = self.events
        response = self._action(list(login.items()), deadline)
        if response.header("Response") != "Success":
            return self._login_failed(response)
        return True

    def _new_parser(self, greeting: bool) -> Parser:
        return Parser(
            greeting=greeting,
            encoding=self.encoding,
            max_message_size=self.max_message_size,
            max_headers=self.max_headers,
        )

    def _unencodable(self) -> str | None:
        """Why the login cannot be sent, or None. Checked before connecting, so that an
        encoding error (whose text would hold the Login) never happens mid-way."""
        # With MD5 the secret goes into the digest as UTF-8, whatever the wire's encoding.
        secret_encoding = "utf-8" if self.auth == "md5" else self.encoding
        for what, value, encoding in (
            ("username", self.username, self.encoding),
            ("secret", self._secret, secret_encoding),
            ("events value", self.events or "", self.encoding),
        ):
            try:
                value.encode(encoding)
            except UnicodeEncodeError:
                return f"The {what} cannot be encoded as {encoding}"
        return None

    def disconnect(self) -> bool:
        """Log off and close. False if Asterisk did not say Goodbye (see ``error``)."""
        response = self.action(Action="Logoff")
        self.close()
        if response.header("Response") != "Goodbye":
            return self._fail(f"Logoff failed: {response.header('Message', '')}")
        return True

    def action(self, fields: Fields | None = None, /, **kwargs: Any) -> Message:
        """Send an action and return its response; events meanwhile go to ``event_callback``.

        Only a response carrying this action's ActionID (or none at all, as Asterisk
        sends for requests it cannot parse) is returned. Never waits longer than
        ``timeout``: past it, a manufactured Error response comes back.
        """
        return self._action(_merge(fields, kwargs), time.monotonic() + self.timeout)

    def _action(self, pairs: list[tuple[str, Any]], deadline: float) -> Message:
        action_id = self._send(pairs, deadline)
        if action_id is None:
            return self._made_up_error(self.error or NOT_CONNECTED)
        try:
            return self._response_to(action_id, deadline)
        except _Timeout:
            return self._timed_out(action_id)
        except _Failure as failure:
            return self._made_up_error(str(failure), action_id)

    def action_list(self, fields: Fields | None = None, /, **kwargs: Any) -> tuple[Message, list[Message]]:
        """Send an action that answers with an event list; return ``(response, events)``.

        ``events`` are the list items carrying this ActionID, up to and including the last,
        named ``...Complete`` (``EventList: Complete`` or ``Cancelled``); empty after an Error
        response, or a response that announces no list. Lists are recognised as every
        Asterisk announces them: ``EventList: start``, or before 13 a Success saying they
        ``will follow`` (see :meth:`EventList.starts`).

        The whole list must come within ``timeout`` of sending the action: one deadline
        for the response and every item, not one per item. It must also stay within
        ``max_list_items`` items and ``max_list_bytes`` bytes. Otherwise the response is a
        manufactured Error whose Message says why and how many items came, e.g. ``Event list
        incomplete: timed out after 2 s, 37 items received`` or ``Event list incomplete: over
        the 100000-item limit, 100000 items received``, and ``events`` holds the items kept.
        The connection stays usable; items still to come go to ``event_callback``.
        If the response itself does not come in time, the error is the one ``action()`` gives.
        """
        deadline = time.monotonic() + self.timeout
        action_id = self._send(_merge(fields, kwargs), deadline)
        if action_id is None:
            return self._made_up_error(self.error or NOT_CONNECTED), []
        try:
            response = self._response_to(action_id, deadline)
        except _Timeout:
            return self._timed_out(action_id), []
        except _Failure as failure:
            return self._made_up_error(str(failure), action_id), []
        if not EventList.starts(response):
            return response, []
        gathered = EventList(action_id, max_items=self.max_list_items, max_bytes=self.max_list_bytes, response=response)
        try:
            while not gathered.done:
                message = self._next_message(deadline)
                if not gathered.add(message):
                    self._dispatch(message)
        except _Timeout:
            gathered.error = gathered.incomplete(f"timed out after {self.timeout:g} s")
        except _Failure as failure:
            return self._made_up_error(str(failure), action_id), gathered.items
        if gathered.error is not None:
            return self._made_up_error(gathered.error, action_id), gathered.items
        return response, gathered.items

    # -- low-level methods ---------------------------------------------------------------
    def send_action(self, fields: Fields | None = None, /, **kwargs: Any) -> str | None:
        """Send an action and return the ActionID it was given, or None (see ``error``).

        Raises ``ValueError`` for a malformed action, or one that cannot be encoded (nothing
        is sent, no ActionID is used, and no value is quoted). Safe to call from one thread
        while another is blocked in :meth:`read_response`.
        """
        return self._send(_merge(fields, kwargs), None)

    def _send(self, items: list[tuple[str, Any]], deadline: float | None, action_id: str | None = None) -> str | None:
        """Send ``items``; ``action_id``, given by a :class:`~ami_console.session.Session`
        that numbers its actions itself, replaces the client's own count."""
        pairs = action_fields(items)
        if any(key.lower() == "actionid" for key, _ in pairs):
            raise ValueError("Do not pass an ActionID: the client assigns one to every action")
        transport = self._transport
        if transport is None or transport.closed:
            self.error = NOT_CONNECTED
            return None
        with self._id_lock:
            if action_id is None:
                action_id = str(self._next_id)
                data = serialize_action(pairs, action_id, encoding=self.encoding)  # may raise: no ID used
                self._next_id += 1
            else:
                data = serialize_action(pairs, action_id, encoding=self.encoding)
            try:
                transport.send(data, deadline)
            except OSError as exc:
                self._drop()
                self.error = f"Writing to socket failed: {describe_error(exc)}"
                return None
            if self.debug_file is not None:
                shown = mask_secrets(pairs)
                shown.insert(1, ("ActionID", action_id))
                self._trace(">> ", [f"{key}: {value}" for key, value in shown] + [""])
        return action_id

    def read_response(self, timeout: float | None = None) -> Message | None:
        """Read one message (event or response). Events read here skip ``event_callback``.

        With ``timeout=None`` it blocks until a message arrives, as the manual says. With
        a number it returns None when no whole message came in time; the connection
        stays usable. On failure it returns a manufactured Error response.
        """
        ready = self._parser.ready
        if ready and self.debug_file is None:  # framed already: nothing to wait for or trace
            return ready.popleft()
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            return self._next_message(deadline)
        except _Timeout:
            return None
        except _Failure as failure:
            return self._made_up_error(str(failure))

    def close(self) -> None:
        """Drop the connection at once, without Logoff. Wakes a thread blocked in
        read_response(), and stops a connect() in progress in another thread at any step
        (it then returns False with ``error`` = ``Connection failed: cancelled``)."""
        self._cancelled.set()
        self._drop()

    def _drop(self) -> None:
        """Close the connection; unlike close(), not a cancellation of connect()."""
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    # -- internals -----------------------------------------------------------------------
    def _response_to(self, action_id: str, deadline: float) -> Message:
        while True:
            message = self._next_message(deadline)
            if message.is_response and message.action_id in (action_id, None):
                return message
            self._dispatch(message)

    def _read_greeting(self, deadline: float) -> str:
        while True:
            try:
                greeting = self._parser.read_greeting()
            except ProtocolError as exc:
                self.refused_greeting = exc.received
                raise _Failure(str(exc)) from None
            if greeting is not None:
                self._trace("<< ", [greeting.line])
                return greeting.line
            self._receive(deadline)

    def _next_message(self, deadline: float | None) -> Message:
        while True:
            try:
                message = self._parser.next_message()
            except ProtocolError as exc:
                self._trace("<< ", [f"(skipped: {exc})"])
                raise _Failure(f"Protocol error: {exc}") from None
            if message is not None:
                if self.debug_file is not None:  # lines decode the message: only when asked
                    self._trace("<< ", message.lines + [""])
                return message
            self._receive(deadline)

    def _receive(self, deadline: float | None) -> None:
        transport = self._transport
        if transport is None:
            raise _Failure(NOT_CONNECTED)
        if deadline is not None and deadline <= time.monotonic():
            raise _Timeout
        try:
            data = transport.recv(deadline)
        except (OSError, ValueError) as exc:
            closed_here = transport.closed
            self._drop()
            raise _ReadFailed("connection closed" if closed_here else describe_error(exc)) from None
        if data is None:
            raise _Timeout
        if not data:
            closed_here = transport.closed
            self._drop()
            if closed_here:
                raise _ReadFailed("connection closed")
            where = " in the middle of a message" if self._parser.in_message else ""
            raise _ReadFailed(f"connection closed by Asterisk{where}", eof=True)
        self._parser.receive_data(data)

    def _dispatch(self, message: Message) -> None:
        if self.event_callback is not None:
            self.event_callback(message)

    def _trace(self, prefix: str, lines: list[str]) -> None:
        out = self.debug_file
        if out is not None:
            if _is_terminal(out):  # the server's escape sequences must not drive the terminal
                lines = [clean(line) for line in lines]
            out.write("".join(f"{prefix}{line}\n" for line in lines))
            out.flush()

    def _fail(self, error: str) -> bool:
        self.error = error
        return False

    def _login_failed(self, response: Message) -> bool:
        return self._fail(f"Login failed: {response.header('Message', '')}")

    def _made_up_error(self, text: str, action_id: str | None = None) -> Message:
        self.error = text
        fields = [("Response", "Error")]
        if action_id is not None:
            fields.append(("ActionID", action_id))
        fields.append(("Message", text))
        return Message(fields)

    def _timed_out(self, action_id: str) -> Message:
        return self._made_up_error(f"Timed out after {self.timeout:g} s waiting for a response", action_id)
