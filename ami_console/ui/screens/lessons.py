"""The list of lessons: each with a tick when finished, or how far it got; Enter starts or
continues one, ``r`` starts it again from its first step. Lesson files that could not be
read are listed after them, each with its file, line and problem.

| Key | Does |
|---|---|
| up/down | move in the list |
| enter | start or continue the lesson |
| r | restart the lesson from its first step |
| escape | close |
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from ami_console.lessons.model import Lesson, LessonError, Progress
from ami_console.ui.plaintext import PlainText


def lesson_line(lesson: Lesson, done: int) -> PlainText:
    """One lesson as the list shows it: a tick when finished, else how far it got."""
    total = len(lesson.steps)
    line = PlainText()
    if done >= total:
        line.append("✓ ", style="bold green")
    else:
        line.append("  ")
    line.append(lesson.title, style="bold")
    if 0 < done < total:
        line.append(f"  {done} of {total}", style="yellow")
    elif done == 0:
        line.append(f"  {total} steps", style="dim")
    line.append(f"\n  {lesson.summary}", style="dim")
    return line


class LessonsScreen(ModalScreen[tuple[str, bool] | None]):
    """Dismissed with (lesson id, restart) or None."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "choose(False)", "Start", priority=True),
        Binding("r", "choose(True)", "Restart"),
    ]

    DEFAULT_CSS = """
    LessonsScreen { align: center middle; }
    LessonsScreen OptionList { width: 90%; max-width: 100; height: 80%; border: round $primary; background: $surface; }
    """

    def __init__(self, lessons: list[Lesson], errors: list[LessonError], progress: Progress) -> None:
        super().__init__()
        self.lessons = lessons
        self.errors = errors
        self.progress = progress

    def compose(self) -> ComposeResult:
        options: list[Option] = [
            Option(lesson_line(lesson, self.progress.done(lesson.id)), id=lesson.id) for lesson in self.lessons
        ]
        for error in self.errors:  # listed, not startable: the other lessons still work
            options.append(Option(PlainText(f"✗ {error}", style="red"), disabled=True))
        if self.progress.error:
            options.append(Option(PlainText(self.progress.error, style="yellow"), disabled=True))
        listing = OptionList(*options, id="lessons-list")
        listing.border_title = "Lessons"
        yield listing
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_choose(self, restart: bool) -> None:
        listing = self.query_one(OptionList)
        if listing.highlighted is None:
            return
        option = listing.get_option_at_index(listing.highlighted)
        if option.id is not None and not option.disabled:
            self.dismiss((option.id, restart))

    def action_close(self) -> None:
        self.dismiss(None)
