"""The network under the client: a TCP (or TLS) socket with bounded waits.

Writes are serialised with a lock so one thread may send while another reads. Reads
wait with ``poll``/``select`` up to a deadline, so a silent server never blocks a
reader longer than it asked for, and :meth:`Transport.close` from another thread wakes a
reader at once (``shutdown`` makes the socket readable).
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


def split_host(host: str, port: int) -> tuple[str, int]:
    """Accept ``host``, ``host:port``, ``[v6addr]:port``, ``[v6addr]`` and a bare IPv6 address."""
    host = host.strip()
    if host.startswith("["):
        address, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"Bad host {host!r}: expected [address]:port")
        return address, int(rest[1:]) if rest[1:] else port
    if host.count(":") == 1:
        name, _, number = host.partition(":")
        if not number.isdigit():
            raise ValueError(f"Bad port in {host!r}")
        return name, int(number)
    return host, port  # a name, an IPv4 address, or a bare IPv6 address


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


class Transport:
    """A connected stream socket. Raises ``OSError`` on failure; callers word it."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self._sock = sock
        self._timeout = timeout
        self._send_lock = threading.Lock()
        self.closed = False
        sock.settimeout(timeout)  # bounds sends, and a TLS record that arrives in parts

    @classmethod
    def open(
        cls, host: str, port: int, timeout: float, cancelled: Callable[[], bool] = lambda: False
    ) -> Transport:
        """Connect over TCP. Waits in short slices so ``cancelled()`` can stop it at once."""
        deadline = time.monotonic() + timeout
        error: OSError = OSError(f"no address for {host}")
        for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            sock = socket.socket(family, kind, proto)
            try:
                sock.setblocking(False)
                code = sock.connect_ex(address)
                while code in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
                    if cancelled():
                        raise ConnectCancelled("cancelled")
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError("timed out")
                    _, writable, _ = select.select([], [sock], [], min(CONNECT_SLICE, remaining))
                    if writable:
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

    def start_tls(self, tls: bool | ssl.SSLContext, host: str) -> None:
        """Wrap the socket in TLS (verifying the certificate unless given a context that
        does not). A :meth:`close` from another thread interrupts the handshake."""
        context = tls if isinstance(tls, ssl.SSLContext) else ssl.create_default_context()
        self._sock = context.wrap_socket(self._sock, server_hostname=host)

    def send(self, data: bytes) -> None:
        with self._send_lock:
            if self.closed:
                raise OSError("connection closed")
            self._sock.sendall(data)

    def recv(self, timeout: float | None) -> bytes | None:
        """Bytes from the peer; ``b""`` once it has closed; ``None`` if ``timeout`` passed."""
        sock = self._sock
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending()
        if not pending and not self._wait_readable(timeout):
            return None
        if self.closed:
            return b""
        try:
            return sock.recv(RECV_SIZE)
        except (socket.timeout, ssl.SSLWantReadError):
            return None

    def _wait_readable(self, timeout: float | None) -> bool:
        fd = self._sock.fileno()
        if self.closed or fd < 0:
            return True
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(fd, select.POLLIN | select.POLLPRI)
            return bool(poller.poll(None if timeout is None else max(0, timeout) * 1000))
        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)

    def close(self) -> None:
        """Drop the connection now; a thread waiting in :meth:`recv` wakes up."""
        if self.closed:
            return
        self.closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
