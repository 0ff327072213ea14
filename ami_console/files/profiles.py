"""Connection settings and saved profiles (a TOML file in the user's config directory).

A profile keeps everything needed to connect again except the secret, which is never
written anywhere: it comes from the form or the ``AMI_SECRET`` environment variable.
"""

from __future__ import annotations

import os
import ssl
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w
from platformdirs import user_config_dir, user_data_dir

from ami_console.files.atomic import write_atomic
from ami_console.transport import split_host

if TYPE_CHECKING:
    from ami_console.client import AMIClient

__all__ = [
    "ConnectionSettings",
    "Profiles",
    "config_dir",
    "data_dir",
]

APP_NAME = "ami-console"


def config_dir() -> Path:
    """Where profiles live; ``AMI_CONSOLE_CONFIG_DIR`` overrides it."""
    return Path(os.environ.get("AMI_CONSOLE_CONFIG_DIR") or user_config_dir(APP_NAME))


def data_dir() -> Path:
    """Where history lives; ``AMI_CONSOLE_DATA_DIR`` overrides it."""
    return Path(os.environ.get("AMI_CONSOLE_DATA_DIR") or user_data_dir(APP_NAME))


@dataclass(frozen=True)
class ConnectionSettings:
    host: str = "localhost"
    port: int = 5038
    username: str = ""
    secret: str = ""
    auth: str = "plain"  # or "md5"
    tls: bool = False
    tls_verify: bool = True  # False only when the user allows an untrusted certificate
    events: str = "on"  # the Events value sent with Login
    timeout: float = 10.0
    auto_reconnect: bool = False  # connect again by itself, with backoff, when the connection drops
    read_only: bool = False  # refuse, before sending, every action that changes the PBX (monitor.read_only.changes_pbx)
    tests_dir: str = ""  # the folder of dialplan test scenarios the Tests view lists ("" : none chosen)

    def __post_init__(self) -> None:
        # A port written in the host wins ("127.0.0.1:5039", "[::1]:5039"): from here on
        # host and port are apart, so the form, the header, the history and every error
        # show one address. A malformed one is left as typed: connecting says what is wrong.
        try:
            host, port = split_host(self.host, self.port)
        except ValueError:
            return
        object.__setattr__(self, "host", host)
        object.__setattr__(self, "port", port)

    def __repr__(self) -> str:  # the secret must never reach a log or a traceback
        shown = ", ".join(
            f"{f.name}={'********' if f.name == 'secret' and self.secret else getattr(self, f.name)!r}"
            for f in fields(self)
        )
        return f"ConnectionSettings({shown})"

    @property
    def address(self) -> str:
        """``host:port``; an IPv6 address in brackets, as only there they are needed."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def client(self, **options: Any) -> AMIClient:
        """An :class:`~ami_console.client.AMIClient` for these settings (``options`` go to
        it as well, or instead: a first ActionID, a transcript, another event mask).
        ``ValueError`` for a user name or secret that cannot be sent."""
        from ami_console.client import AMIClient

        tls: bool | ssl.SSLContext = self.tls
        if self.tls and not self.tls_verify:  # "allow an untrusted certificate"
            tls = ssl.create_default_context()
            tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
        given: dict[str, Any] = {
            "username": self.username,
            "secret": self.secret,
            "host": self.host,
            "port": self.port,
            "timeout": self.timeout,
            "auth": self.auth,
            "events": self.events or None,
            "tls": tls,
        }
        return AMIClient(**{**given, **options})

    def profile(self) -> dict[str, object]:
        """What a saved profile holds: everything but the secret and the timeout."""
        saved = asdict(self)
        del saved["secret"], saved["timeout"]
        return saved


class Profiles:
    """Named connection profiles in ``profiles.toml``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "profiles.toml"

    def load(self) -> dict[str, ConnectionSettings]:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            return {}
        known = {f.name for f in fields(ConnectionSettings)} - {"secret"}
        profiles = {}
        for name, table in data.get("profiles", {}).items():
            if isinstance(table, dict):
                values = {k: v for k, v in table.items() if k in known}
                try:
                    profiles[name] = replace(ConnectionSettings(), **values)
                except TypeError:
                    continue
        return profiles

    def save(self, name: str, settings: ConnectionSettings) -> None:
        profiles = self.load()
        profiles[name] = settings
        self._write(profiles)

    def delete(self, name: str) -> None:
        profiles = self.load()
        if profiles.pop(name, None) is not None:
            self._write(profiles)

    def _write(self, profiles: dict[str, ConnectionSettings]) -> None:
        tables = {name: settings.profile() for name, settings in sorted(profiles.items())}
        text = "# ami-console connection profiles. Secrets are never stored here.\n\n" + tomli_w.dumps(
            {"profiles": tables}
        )
        write_atomic(self.path, text.encode("utf-8", "replace"))
