"""The keys page, made from the console's own key bindings, so it cannot drift from them.

Run by MkDocs as a hook (``hooks:`` in mkdocs.yml): it walks every module of ``ami_console.ui``,
takes each screen's and widget's own ``BINDINGS`` (not those it inherits from Textual), and
adds ``keys.md`` to the site. It also adds the pictures of ``screenshots/`` under
``screenshots/``, so the pages show the same SVGs as the README without a copy in ``docs/``.

``python docs/gen_keys.py`` prints the page.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "screenshots"

INTRO = """# Keys

Every key of the console, read from the key bindings of its screens and widgets when this site
was built (`docs/gen_keys.py`), so this page is always the console's own. A key acts where the
focus is: a widget's keys while it (or something inside it) has the focus, a screen's keys
while the screen shows. The footer shows the keys marked "footer" that fit its width; F1 lists
them all in the console.
"""

# Textual's names for keys, as people write them in these pages.
SPELLED = {"enter": "enter", "escape": "esc"}


def key_text(keys: str) -> str:
    from textual.keys import format_key

    shown = [SPELLED.get(key, format_key(key)) for key in keys.split(",")]
    return ", ".join(f"`{key}`" if key != "`" else "backtick" for key in shown)


def _bindings(cls: type) -> list[Any]:
    from textual.binding import Binding

    found = []
    for item in cls.__dict__.get("BINDINGS", []):
        found.append(item if isinstance(item, Binding) else Binding(*item))
    return found


def _inherited(cls: type) -> set[tuple[str, str]]:
    """The (key, action) pairs a class takes over from Textual's own classes (a ReadingArea
    keeps TextArea's cursor keys): those are Textual's keys, not the console's."""
    pairs: set[tuple[str, str]] = set()
    for base in cls.__mro__[1:]:
        if not base.__module__.startswith("ami_console"):
            pairs |= {(b.key, b.action) for b in _bindings(base)}
    return pairs


def _title(cls: type) -> str:
    doc = inspect.cleandoc(cls.__doc__ or "") if "__doc__" in cls.__dict__ else ""
    first = doc.split("\n\n")[0].replace("\n", " ").strip()
    if first.startswith("|"):  # the docstring opens with its own key table: the bindings say it
        return ""
    return re.sub(r":\w+:`~?([^`]+)`", r"`\1`", first).replace("``", "`")


def classes_with_keys() -> list[tuple[str, type]]:
    """(module, class) for every class of ``ami_console.ui`` with key bindings of its own, in
    the order of the package: the app, its screens, then the widgets."""
    import ami_console.ui

    found: list[tuple[str, type]] = []
    modules = ["ami_console.ui"] + [m.name for m in pkgutil.walk_packages(ami_console.ui.__path__, "ami_console.ui.")]
    for name in modules:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and "BINDINGS" in cls.__dict__:
                found.append((name, cls))

    def order(item: tuple[str, type]) -> tuple[int, str, int]:
        name, cls = item
        kind = 0 if name.endswith(".app") else 1 if ".screens." in name else 2
        return kind, name, inspect.getsourcelines(cls)[1]

    return sorted(found, key=order)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def keys_page() -> str:
    from ami_console.ui.app import AMIConsoleApp

    lines = [INTRO, "## Everywhere", "", "| Key | Does |", "|---|---|"]
    lines += [
        f"| {key_text(b.key)} | {_cell(b.description or b.action)} |"
        for b in _bindings(AMIConsoleApp.__mro__[1])
        if not b.system
    ]
    lines.append(f"| {key_text(AMIConsoleApp.COMMAND_PALETTE_BINDING)} | The command palette |")
    section = ""
    for module, cls in classes_with_keys():
        kind = "Screens" if ".screens." in module else "Widgets" if ".widgets." in module else "The app"
        if kind != section:
            section = kind
            lines += ["", f"## {kind}"]
        own = [b for b in _bindings(cls) if (b.key, b.action) not in _inherited(cls)]
        if not own:
            continue
        lines += ["", f"### {cls.__name__}", ""]
        if title := _title(cls):
            lines += [_cell(title), ""]
        lines += ["| Key | Does | Footer |", "|---|---|---|"]
        for b in own:
            lines.append(f"| {key_text(b.key)} | {_cell(b.description or b.action)} | {'footer' if b.show else ''} |")
    return "\n".join(lines) + "\n"


# -- the MkDocs hook -----------------------------------------------------------------------
def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    files.append(File.generated(config, "keys.md", content=keys_page()))
    for picture in sorted(SCREENSHOTS.glob("*.svg")):
        files.append(File.generated(config, f"screenshots/{picture.name}", abs_src_path=str(picture)))
    return files


if __name__ == "__main__":
    print(keys_page(), end="")
