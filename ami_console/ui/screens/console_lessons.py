"""What the console does to teach: the lesson panel, its "show me", and "explain this".

The built-in lessons are written for the demo PBX (their "show me" places calls into its
``demo`` context). On any other server the panel says so, and "show me" never fills an
action that would change that PBX: a learner on a production server reads those steps
and does them by hand, or not at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ami_console.monitor.read_only import changes_pbx

if TYPE_CHECKING:
    from ami_console.ui.screens.console import ConsoleScreen
    from ami_console.ui.widgets.lesson_panel import LessonPanel

__all__ = ["Teaching"]


class Teaching:
    def __init__(self, screen: ConsoleScreen) -> None:
        self.screen = screen
        self.panel: LessonPanel | None = None  # mounted on first use (ctrl+l, learn)
        self.away_from_demo = ""  # the server's address when it is not the demo PBX

    def connected_to(self, address: str) -> None:
        demo = self.screen.lessons.demo_address
        self.away_from_demo = "" if demo is not None and address == demo else address
        if self.panel is not None:
            self.panel.away_from_demo = self.away_from_demo
            self.panel.draw()

    def _new_panel(self) -> LessonPanel:
        from ami_console.ui.widgets.lesson_panel import LessonPanel

        lessons = self.screen.lessons
        panel = LessonPanel(self.screen.models, lessons.folder, lessons.progress, id="lesson-panel")
        panel.away_from_demo = self.away_from_demo
        return panel

    def open(self) -> LessonPanel:
        """Mount the lesson panel (it loads the lessons and continues the first unfinished
        one), or show it again."""
        panel = self.panel
        if panel is None:
            panel = self.panel = self._new_panel()
            self.screen.mount(panel)
        panel.remove_class("-hidden")
        return panel

    async def toggle(self) -> None:
        """Bring the lesson panel back, or go to it; from the panel, hide it."""
        screen, panel = self.screen, self.panel
        if panel is not None and not panel.has_class("-hidden") and screen.focused is panel:
            panel.add_class("-hidden")
            screen.action_focus_composer()
            return
        if panel is None:
            panel = self.panel = self._new_panel()
            await screen.mount(panel)
        panel.remove_class("-hidden")
        # Now, not after a refresh: the next key typed goes to the panel ("h", "s").
        screen.set_focus(panel)

    async def show_me(self, rows: list[tuple[str, str]]) -> None:
        """Fill the composer with the step's action; never send it: the learner does."""
        screen = self.screen
        if self.away_from_demo and (why := changes_pbx(rows)):
            screen.notify(
                f"Not filled: this step is written for the demo PBX, and {self.away_from_demo} is not it "
                f"({why}). Read the step; try it with: ami-console learn",
                title="Show me",
                severity="warning",
                timeout=10,
            )
            return
        action = rows[0][1] if rows and rows[0][0].lower() == "action" else ""
        fields = [(key, value, True) for key, value in rows if key.lower() not in ("action", "actionid")]
        await screen.composer.load(action, fields)
        screen.action_focus_composer()
        screen.notify("The composer is filled: read it, then send it with ctrl+s.", title="Show me")

    def explain(self, name: str, value: str | None = None, kind: str = "event") -> None:
        """Open the "explain this" popup for an event name or a header (and its value)."""
        from ami_console.lessons.explain import explain as explained
        from ami_console.ui.screens.explain import ExplainScreen

        screen = self.screen
        text = explained(name, value, kind=kind)
        what = f"{'Event' if kind == 'event' else 'Header'} {name}"
        if text is not None:
            screen.app.push_screen(ExplainScreen(what, text))
            return
        unknown = f"ami-console has no explanation of {what} yet."
        if kind != "event" or not screen.connection.connected:
            screen.app.push_screen(ExplainScreen(what, unknown))
            return
        # Asterisk documents its events itself; a read-only CLI show command.
        popup = ExplainScreen(what, f"{unknown}\n\nAsking the server (manager show event {name})…", asking=name)
        screen.app.push_screen(popup)
        query = [("Action", "Command"), ("Command", f"manager show event {name}")]
        screen.ask(query, lambda exchange: popup.post_message(ExplainScreen.ServerAnswered(name, exchange.response)))
