"""What the server sends this connection: its event mask (``Events``) and the filters
added with ``Filter``, as the answers to those actions say."""

from __future__ import annotations

from dataclasses import dataclass, field

from ami_console.protocol import Message as AMIMessage

__all__ = ["ServerFilters"]


@dataclass
class ServerFilters:
    """The server-side filtering in force on the current connection."""

    mask: str = "on"
    filters: list[str] = field(default_factory=list)
    last: str = ""  # what the server said to the latest change

    def reset(self, mask: str) -> None:
        """A new connection starts with the mask sent at login and no filters."""
        self.mask, self.filters, self.last = mask, [], ""

    def note(self, action: str, request: list[tuple[str, str]], response: AMIMessage | None) -> bool:
        """Take in an Events or Filter action that finished (from the composer or the
        filters screen). True if it was one, and the state may have changed."""
        action = action.lower()
        if response is None or action not in ("events", "filter"):
            return False
        ok = response.header("Response") == "Success"
        sent = {k.lower(): v for k, v in request}
        if action == "events":
            answer = response.header("Events") or response.header("Message") or ""
            if ok:
                self.mask = sent.get("eventmask", "")
                if answer.lower() == "off" and self.mask.lower() != "off":
                    self.mask += " (the server turned events off: no class it knows)"
            self.last = f"Events: {answer}"
        else:
            if ok and sent.get("operation", "add").lower() == "add" and sent.get("filter"):
                self.filters.append(sent["filter"])
            self.last = f"Filter: {response.header('Response')} {response.header('Message') or ''}".strip()
        return True

    @property
    def summary(self) -> str:
        count = len(self.filters)
        return f"events {self.mask}" + (f" · {count} filter{'s' if count != 1 else ''}" if count else "")
