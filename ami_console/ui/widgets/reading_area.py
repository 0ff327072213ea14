"""A read-only text area for what the server answered (a Command's output, the raw text).

TextArea's own f6 (select line) and f7 (select all) would shadow the console's F6 (the
filter) and F7 (the older response) while it has the focus: a key has one meaning
wherever the focus is, so they are left out. ``w`` wraps long lines or not; unwrapped,
a line wider than the pane says so in the pane's border and scrolls with left/right.

| Key | Does |
|---|---|
| w | wrap long lines, or not |
"""

from __future__ import annotations

from textual.binding import Binding, BindingType
from textual.widgets import TextArea

SHADOWED = {"f6", "f7"}


def _keys(binding: BindingType) -> set[str]:
    key = binding.key if isinstance(binding, Binding) else binding[0]
    return {part.strip() for part in key.split(",")}


# TextArea's bindings with those of the classes it extends (Textual merges them), base first.
_TEXT_AREA_BINDINGS = [b for cls in reversed(TextArea.__mro__) for b in cls.__dict__.get("BINDINGS", [])]


class ReadingArea(TextArea, inherit_bindings=False):  # else Textual merges f6 and f7 back in
    BINDINGS = [b for b in _TEXT_AREA_BINDINGS if not _keys(b) & SHADOWED] + [
        Binding("w", "wrap", "Wrap lines", show=False)
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, read_only=True, soft_wrap=False)

    def action_wrap(self) -> None:
        self.soft_wrap = not self.soft_wrap
        self.notify("Long lines wrap." if self.soft_wrap else "Long lines scroll (left/right).", timeout=2)

    @property
    def wider_than_shown(self) -> bool:
        """A line runs past the right edge (unwrapped)."""
        return not self.soft_wrap and self.virtual_size.width > self.scrollable_content_region.width
