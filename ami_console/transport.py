"""The network under the client: a TCP (or TLS) socket with bounded waits.

The socket is non-blocking, and every wait is a ``poll`` up to a deadline the caller
gives, so a silent server (or half a TLS record) never holds a caller past it, and file
descriptors above 1,024 work (``select`` cannot take them). Writes are serialised with a
lock so one thread may send while another reads. :meth:`Transport.close` from another
thread wakes a waiter at once (``shutdown`` makes the socket readable and writable), and
stops a TLS handshake; :meth:`Transport.open` looks for cancellation every few
milliseconds while the TCP handshake is under way.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable

__all__ = ["Transport", "describe_error", "split_host"]

RECV_SIZE = 256 * 1024
CONNECT_SLICE = 0.05  # how often a connect in progress looks for cancellation
READ = select.POLLIN | select.POLLPRI if hasattr(select, "poll") else 1
WRITE = select.POLLOUT if hasattr(select, "poll") else 4


def check_port(port: int) -> int:
    """``port`` if it is a TCP port; ``ValueError`` otherwise (the OS would wrap 70000 to 4464)."""
    if not 1 <= port <= 65535:
        raise ValueError(f"Invalid port {port}: must be 1 to 65535")
    return port


def split_host(host: str, port: int) -> tuple[str, int]:
    """Accept ``host``, ``host:port``, ``[v6addr]:port``, ``[v6addr]`` and a bare IPv6 address.

    Raises ``ValueError`` for a malformed host or a port outside 1 to 65535.
    """
    host = host.strip()
    if host.startswith("["):
        address, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"Bad host {host!r}: expected [address]:port")
        if rest[1:] and not rest[1:].isdigit():
            raise ValueError(f"Bad port in {host!r}")
        return address, check_port(int(rest[1:]) if rest[1:] else port)
    if host.count(":") == 1:
        name, _, number = host.partition(":")
        if not number.isdigit():
            raise ValueError(f"Bad port in {host!r}")
        return name, check_port(int(number))
    return host, check_port(port)  # a name, an IPv4 address, or a bare IPv6 address


def describe_error(error: BaseException) -> str:
    """Plain words for a socket-layer failure (no errno prefixes, no tracebacks)."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({error.verify_message})"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({error.reason or error})"
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(error, socket.gaierror):
        return f"unknown host ({error.strerror})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


class ConnectCancelled(OSError):
    """A connect in progress was stopped from another thread."""


def wait_for(sock: socket.socket, events: int, deadline: float | None) -> bool:
    """Wait until ``sock`` is ready for ``events`` (READ or WRITE); False once ``deadline``
    (a ``time.monotonic()`` value, None for no limit) has passed. ``poll`` takes any
    descriptor; ``select`` is only for systems without it."""
    timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
    fd = sock.fileno()
    if fd < 0:
        return True  # closed: the next call on the socket says so
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, events)
        return bool(poller.poll(None if timeout is None else timeout * 1000))
    readable, writable, _ = select.select([fd] if events == READ else [], [fd] if events == WRITE else [], [], timeout)
    return bool(readable or writable)


class Transport:
    """A connected stream socket. Raises ``OSError`` on failure; callers word it."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self._sock = sock
        self._timeout = timeout  # bounds each send
        self._send_lock = threading.Lock()
        self.closed = False
        sock.setblocking(False)  # every wait is a poll with its own deadline

    @classmethod
    def open(
        cls,
        host: str,
        port: int,
        timeout: float,
        cancelled: Callable[[], bool] = lambda: False,
        deadline: float | None = None,
    ) -> Transport:
        """Connect over TCP by ``deadline`` (default: ``timeout`` from now). Waits in short
        slices so ``cancelled()`` can stop it at once."""
        if deadline is None:
            deadline = time.monotonic() + timeout
        error: OSError = OSError(f"no address for {host}")
        for family, kind, proto, _, address in socket.getaddrinfo(host, check_port(port), type=socket.SOCK_STREAM):
            sock = socket.socket(family, kind, proto)
            try:
                sock.setblocking(False)
                code = sock.connect_ex(address)
                while code in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
                    if cancelled():
                        raise ConnectCancelled("cancelled")
                    if time.monotonic() >= deadline:
                        raise TimeoutError("timed out")
                    if wait_for(sock, WRITE, min(deadline, time.monotonic() + CONNECT_SLICE)):
                        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    raise OSError(code, os.strerror(code))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return cls(sock, timeout)
            except (TimeoutError, ConnectCancelled):
                sock.close()
                raise
            except OSError as exc:
                sock.close()
                error = exc  # try the host's next address
        raise error

    def start_tls(self, tls: bool | ssl.SSLContext, host: str, deadline: float | None = None) -> None:
        """Wrap the socket in TLS (verifying the certificate unless given a context that
        does not) and shake hands by ``deadline`` (default: the timeout from now).
        A :meth:`close` from another thread stops the handshake within a few milliseconds."""
        if deadline is None:
            deadline = time.monotonic() + self._timeout
        context = tls if isinstance(tls, ssl.SSLContext) else ssl.create_default_context()
        # The handshake is done here, step by step, on the wrapped socket, which is ours
        # from the start: wrap_socket detaches the plain one, so closing that would not stop it.
        sock = context.wrap_socket(self._sock, server_hostname=host, do_handshake_on_connect=False)
        self._sock = sock
        while True:
            if self.closed:  # close() came, maybe on the plain socket wrap_socket detached
                sock.close()
                raise ConnectCancelled("cancelled")
            try:
                sock.do_handshake()
                return
            except ssl.SSLWantReadError:
                events = READ
            except ssl.SSLWantWriteError:
                events = WRITE
            except Exception:
                if self.closed:  # the socket was closed under the handshake
                    raise ConnectCancelled("cancelled") from None
                raise
            if time.monotonic() >= deadline:
                raise TimeoutError("timed out")
            wait_for(sock, events, min(deadline, time.monotonic() + CONNECT_SLICE))

    def send(self, data: bytes, deadline: float | None = None) -> None:
        """Send all of ``data`` by ``deadline`` (default: the timeout from now)."""
        with self._send_lock:
            if deadline is None:
                deadline = time.monotonic() + self._timeout
            view = memoryview(data)
            while view:
                if self.closed:
                    raise OSError("connection closed")
                try:
                    view = view[self._sock.send(view) :]
                    continue
                except (BlockingIOError, ssl.SSLWantWriteError):
                    events = WRITE
                except ssl.SSLWantReadError:
                    events = READ
                except Exception:
                    if self.closed:  # closed from another thread under this call
                        raise OSError("connection closed") from None
                    raise
                if not wait_for(self._sock, events, deadline):
                    raise TimeoutError("timed out")

    def recv(self, deadline: float | None) -> bytes | None:
        """Bytes from the peer; ``b""`` once it has closed; ``None`` if ``deadline`` (a
        ``time.monotonic()`` value; None waits for ever) passed first. Part of a TLS record
        is kept by the TLS layer and does not hold the caller past its deadline."""
        sock = self._sock
        while not self.closed:
            try:
                return sock.recv(RECV_SIZE)
            except (BlockingIOError, ssl.SSLWantReadError):
                events = READ
            except ssl.SSLWantWriteError:
                events = WRITE
            except Exception:
                if self.closed:  # closed from another thread under this call: any error may come
                    return b""
                raise
            if not wait_for(sock, events, deadline):
                return None
        return b""

    def close(self) -> None:
        """Drop the connection now; a thread waiting in :meth:`recv` or :meth:`send` wakes up."""
        if self.closed:
            return
        self.closed = True
        sock = self._sock
        try:
            # The plain socket's shutdown, even under TLS: SSLSocket.shutdown would also drop
            # the TLS state a reader in another thread may be using.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
