"""The response to an action: its status, and four views of it.

Fields (every header in order), Output (a Command's output as plain text, searchable),
List (the items of an event list as a table), Raw (the wire text, both ways). Earlier
responses of the session stay reachable with F7 and F8.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane, TextArea
from textual.widgets.text_area import Document, Selection

from ami_console import clock
from ami_console.printable import plural
from ami_console.session import Exchange
from ami_console.ui.plaintext import PlainText, clean, plain
from ami_console.ui.widgets.event_log import EventLog, ExplainRequested
from ami_console.ui.widgets.reading_area import ReadingArea
from ami_console.ui.widgets.sized_table import SizedTable

STATUS_STYLES = {"Success": "bold green", "Error": "bold red", "Goodbye": "bold yellow", "Follows": "bold cyan"}
LIST_BOOKKEEPING = {"actionid", "eventlist"}
FIELD_COLUMNS = ("Header", "Value")
VIEW_CONTENT = {  # each view's tab, and the widget that takes the focus in it
    "tab-fields": "#fields-table",
    "tab-output": "#output-text",
    "tab-list": "#list-table",
    "tab-raw": "#raw-text",
}


HISTORY_MAX = 200  # responses kept for F7/F8
HISTORY_MAX_BYTES = 64 * 1024 * 1024


def _list_columns(items: list) -> list[str]:
    columns: list[str] = []
    seen = set()
    for item in items:
        for key, _ in item.fields:
            if key.lower() not in seen and key.lower() not in LIST_BOOKKEEPING:
                seen.add(key.lower())
                columns.append(key)
    return columns


class ResponsePane(Vertical):
    """| Key | Does |
    |---|---|
    | 1 2 3 4 | show the Fields, Output, List or Raw view |
    | / | search the Output view |
    | c | copy the response (in the Fields view: the value under the cursor) |
    | f, t | in the List view: follow the call of the row, or trace it |
    | ? | in the Fields view: explain the header under the cursor |
    """

    ALLOW_MAXIMIZE = True  # F11 zooms it
    BINDINGS = [
        Binding("1", "view('tab-fields')", "Fields", show=False),
        Binding("2", "view('tab-output')", "Output", show=False),
        Binding("3", "view('tab-list')", "List", show=False),
        Binding("4", "view('tab-raw')", "Raw", show=False),
        Binding("slash", "search", "Search output", show=False),
        Binding("c", "copy", "Copy", show=False),
        Binding("f", "follow_call", "Follow call", show=False),
        Binding("t", "trace", "Trace", show=False),
        Binding("question_mark", "explain", "Explain", show=False),
    ]

    DEFAULT_CSS = """
    ResponsePane { border: round $primary-darken-1; border-title-align: left; }
    ResponsePane:focus-within { border: round $primary; }
    ResponsePane #response-status { height: 1; padding: 0 1; }
    ResponsePane #response-advice { display: none; height: auto; max-height: 4; padding: 0 1; color: $warning; }
    ResponsePane #response-advice.-shown { display: block; }
    ResponsePane TabPane { padding: 0; }
    ResponsePane #output-search { display: none; height: 1; border: none; padding: 0 1; }
    ResponsePane #output-search.-shown { display: block; }
    ResponsePane TextArea { border: none; height: 1fr; }
    ResponsePane #list-summary { height: 1; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Response"
        self.history: list[Exchange] = []
        self.index = -1
        # What the console adds to an answer, kept with it (F7/F8 come back to it): why
        # "Permission denied", in words, with the write class and manager.conf's write=.
        self.advice: dict[str, str] = {}  # ActionID -> words

    def compose(self) -> ComposeResult:
        yield Static(
            PlainText("No action sent yet. Compose one on the left and press ctrl+s.", style="dim"),
            id="response-status",
        )
        yield Static(id="response-advice")
        with TabbedContent(id="response-tabs"):
            with TabPane("Fields", id="tab-fields"):
                yield SizedTable(id="fields-table", zebra_stripes=True, cursor_type="row", fit_width=True)
            with TabPane("Output", id="tab-output"):
                yield Input(placeholder="search the output (enter: next match)", id="output-search")
                yield ReadingArea(id="output-text")
            with TabPane("List", id="tab-list"):
                yield Static(id="list-summary")
                yield SizedTable(id="list-table", zebra_stripes=True, cursor_type="row")
            with TabPane("Raw", id="tab-raw"):
                yield ReadingArea(id="raw-text")

    def on_mount(self) -> None:
        self.query_one("#fields-table", SizedTable).fill(FIELD_COLUMNS, [])
        self.set_interval(0.25, self._tick)

    @property
    def current(self) -> Exchange | None:
        return self.history[self.index] if 0 <= self.index < len(self.history) else None

    # -- history ---------------------------------------------------------------------------
    def add(self, exchange: Exchange) -> None:
        self.history.append(exchange)
        self.index = len(self.history) - 1
        self._trim()
        self.show(exchange)

    def finished(self, exchange: Exchange) -> None:
        self._trim()  # a list's items arrive after it was added
        if exchange is self.current:
            self.show(exchange, choose_tab=True)
        else:
            self._show_status()

    def _trim(self) -> None:
        """Forget the oldest responses past HISTORY_MAX of them or HISTORY_MAX_BYTES in all
        (the newest is always kept), so a long session or a few huge lists stay bounded."""
        held = sum(e.size for e in self.history)
        while len(self.history) > 1 and (len(self.history) > HISTORY_MAX or held > HISTORY_MAX_BYTES):
            held -= self.history.pop(0).size
            self.index = max(0, self.index - 1)

    def older(self) -> None:
        if self.index > 0:
            self.index -= 1
            self.show(self.history[self.index], choose_tab=True)

    def newer(self) -> None:
        if self.index < len(self.history) - 1:
            self.index += 1
            self.show(self.history[self.index], choose_tab=True)

    # -- showing one exchange ---------------------------------------------------------------
    def show(self, exchange: Exchange, choose_tab: bool = False) -> None:
        self._show_status()
        response = exchange.response if not exchange.pending else None
        fields = response.fields if response else []
        self.query_one("#fields-table", SizedTable).fill(
            FIELD_COLUMNS, [(plain(k, "bold"), plain(v)) for k, v in fields]
        )
        output = response.headers("Output") if response else []
        self.query_one("#output-text", ReadingArea).load_text("\n".join(clean(line) for line in output))
        self._show_list(exchange if response else None)
        self.query_one("#raw-text", ReadingArea).load_text(self._raw(exchange))
        if choose_tab and response is not None:
            tabs = self.query_one(TabbedContent)
            tabs.active = "tab-output" if output else "tab-list" if exchange.items else "tab-fields"

    def _show_status(self) -> None:
        exchange = self.current
        status = PlainText()
        if exchange is None:
            return
        if exchange.pending:
            waited = clock.counter() - exchange.sent_at
            status.append("◌ Pending", style="bold yellow")
            status.append(f"  {exchange.action}  ActionID {exchange.action_id}  waiting {waited:.1f} s")
        else:
            response = exchange.response
            word = response.header("Response", "?") if response else "?"
            status.append(f"● {clean(word)}", style=STATUS_STYLES.get(word, "bold"))
            status.append(f"  {clean(exchange.action)}  ActionID {exchange.action_id}")
            if exchange.elapsed is not None:
                status.append(f"  {exchange.elapsed * 1000:.0f} ms")
            if exchange.items:
                status.append(f"  {plural(len(exchange.items) - 1, 'item')}")
            message = response.header("Message") if response else None
            if message:
                status.append(f"  {clean(message)}", style="italic")
        status.append(f"   ◀ {self.index + 1}/{len(self.history)} ▶ (F7/F8)", style="dim")
        self.query_one("#response-status", Static).update(status)
        advice = self.advice.get(exchange.action_id, "")
        shown = self.query_one("#response-advice", Static)
        shown.update(PlainText(clean(advice)))
        shown.set_class(bool(advice), "-shown")

    def explain(self, exchange: Exchange, advice: str) -> None:
        """Words the console adds to this answer, shown with it whenever it is shown."""
        self.advice[exchange.action_id] = advice
        if len(self.advice) > HISTORY_MAX:
            del self.advice[next(iter(self.advice))]
        if exchange is self.current:
            self._show_status()

    def _tick(self) -> None:
        if self.current is not None and self.current.pending:
            self._show_status()
        # A line wider than the pane is cut at its edge: say so where it shows.
        active = self.query_one(TabbedContent).active
        area = {"tab-output": "#output-text", "tab-raw": "#raw-text"}.get(active)
        wide = area is not None and self.query_one(area, ReadingArea).wider_than_shown
        subtitle = "lines wider than shown: ←/→ scroll, w wraps" if wide else ""
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle

    def _show_list(self, exchange: Exchange | None) -> None:
        table = self.query_one("#list-table", SizedTable)
        summary = self.query_one("#list-summary", Static)
        if exchange is None or not exchange.items:
            table.fill([], [])
            summary.update(PlainText("Not an event-list response.", style="dim"))
            return
        items = exchange.items
        last = items[-1]
        rows = items[:-1] if last.header("EventList") or last.name.endswith("Complete") else items
        columns = _list_columns(rows)
        cells = []
        for item in rows:
            values: dict[str, str] = {}
            for key, value in item.fields:
                values.setdefault(key.lower(), value)
            cells.append([plain(values.get(c.lower(), "")) for c in columns])
        table.fill(columns, cells)
        said = last.header("ListItems")
        text = PlainText(f"{len(rows)} items")
        if said is not None:
            text.append(f" · {clean(last.name)} says ListItems: {clean(said)}")
        summary.update(text)

    @staticmethod
    def _raw(exchange: Exchange) -> str:
        lines = [f">> {line}" for line in exchange.request_text.split("\r\n")[:-1]]
        response = None if exchange.pending else exchange.response
        if response is not None:
            if not response.raw:
                lines.append("(no answer from the server: the console made up this response)")
            lines += [f"<< {clean(line)}" for line in response.lines] + ["<< "]
        for item in exchange.items:
            lines += [f"<< {clean(line)}" for line in item.lines] + ["<< "]
        return "\n".join(lines)

    def focus_content(self) -> None:
        """Focus what the active view shows, so its keys (and /) work at once."""
        active = self.query_one(TabbedContent).active or "tab-fields"
        self.screen.set_focus(self.query_one(VIEW_CONTENT[active]))

    def action_view(self, tab: str) -> None:
        """Show one of the four views (1 to 4 while the pane has the focus) and focus it."""
        self.query_one(TabbedContent).active = tab
        self.focus_content()

    # -- copying, and the calls of list rows -------------------------------------------------------
    def action_copy(self) -> None:
        exchange = self.current
        if exchange is None or exchange.response is None:
            return
        focused = self.screen.focused
        fields = self.query_one("#fields-table", DataTable)
        if focused is fields and fields.row_count:
            self.app.copy_to_clipboard(fields.get_row_at(fields.cursor_row)[1].plain)
            self.notify("Copied the value.")
            return
        text = exchange.response.text() + "".join(item.text() for item in exchange.items)
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied the response to {exchange.action}.")

    def action_explain(self) -> None:
        exchange = self.current
        fields = self.query_one("#fields-table", DataTable)
        response = exchange.response if exchange is not None else None
        if response is None or self.screen.focused is not fields or not 0 <= fields.cursor_row < len(response.fields):
            return
        key, value = response.fields[fields.cursor_row]
        self.post_message(ExplainRequested(key, value, "header"))

    def _list_row(self):
        exchange = self.current
        table = self.query_one("#list-table", DataTable)
        if exchange is None or not exchange.items or self.screen.focused is not table or not table.row_count:
            return None
        return exchange.items[table.cursor_row]

    def action_follow_call(self) -> None:
        if (item := self._list_row()) is not None:
            self.post_message(EventLog.FollowRequested(item))

    def action_trace(self) -> None:
        if (item := self._list_row()) is not None:
            self.post_message(EventLog.TraceRequested(item))

    # -- searching the output ------------------------------------------------------------------
    def action_search(self) -> None:
        self.query_one(TabbedContent).active = "tab-output"
        search = self.query_one("#output-search", Input)
        search.add_class("-shown")
        self.screen.set_focus(search)

    @on(Input.Changed, "#output-search")
    def search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._find(event.value, from_start=True)

    @on(Input.Submitted, "#output-search")
    def search_next(self, event: Input.Submitted) -> None:
        event.stop()
        self._find(event.value, from_start=False)

    def _find(self, needle: str, from_start: bool) -> None:
        area = self.query_one("#output-text", TextArea)
        if not needle:
            return
        text = area.text.lower()
        document = area.document
        assert isinstance(document, Document)  # a read-only TextArea of plain text
        start = 0
        if not from_start:
            start = document.get_index_from_location(area.selection.end)
        found = text.find(needle.lower(), start)
        if found < 0:
            found = text.find(needle.lower())  # wrap around
        if found < 0:
            self.notify(f"Not found in the output: {needle}", severity="warning")
            return
        begin = document.get_location_from_index(found)
        end = document.get_location_from_index(found + len(needle))
        area.selection = Selection(begin, end)
        area.scroll_cursor_visible(center=True)
