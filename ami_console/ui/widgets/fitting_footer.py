"""A footer that shows only the keys that fit whole."""

from __future__ import annotations

from textual.events import Resize
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Footer


class FittingFooter(Footer):
    """A footer that shows only the keys that fit whole: Textual's footer lets the last
    ones run under the command palette's hint, which leaves stray letters at 80 columns.
    The keys come in order (the focused panel's first), so the ones dropped are the last."""

    async def recompose(self) -> None:
        await super().recompose()
        self.fit()

    def on_resize(self, event: Resize) -> None:
        self.fit()

    def fit(self) -> None:
        size = Size(max(self.size.width, 1), 1)

        def width(widget: Widget) -> int:
            return widget.get_content_width(size, size) + widget.styles.gutter.width + widget.styles.margin.width

        keys = list(self.children)
        room = self.size.width - sum(width(key) for key in keys if key.has_class("-command-palette"))
        for key in keys:
            if not key.has_class("-command-palette"):
                room -= width(key)
                key.display = room >= 0
