"""The package's layers, read from the source: imports flow library <- model <- UI, only the
UI imports Textual, and no module imports another that (directly or not) imports it back.

An import under ``if TYPE_CHECKING:`` is for the type checker and does not count. An import
inside a function does: it still ties the two modules together. Importing ``a.b.c`` runs
``a/b/__init__`` first, so it counts as importing that package too (a package whose
``__init__`` imports the module that imports one of its submodules is a circle).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import ami_console

ROOT = Path(ami_console.__file__).parent
LIBRARY = {
    "ami_console",
    "ami_console.protocol",
    "ami_console.transport",
    "ami_console.client",
    "ami_console.session",
    "ami_console.clock",
    "ami_console.printable",
    "ami_console.actiondocs",
    "ami_console.patterns",
}
MODEL = (
    "ami_console.events",
    "ami_console.calls",
    "ami_console.files",
    "ami_console.lessons",
    "ami_console.monitor",
    "ami_console.scenarios",
)
UI = "ami_console.ui"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str) -> set[str]:
    """Every module of the package (and every outside top-level package) ``name`` imports."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                # ``from pkg import sub`` imports the submodule; ``from pkg import name``, the package
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return {m if m in MODULES or not m.startswith("ami_console") else m for m in found} - {name}


def packages_of(name: str) -> set[str]:
    """The packages whose ``__init__`` runs before ``name`` itself (``a`` and ``a.b`` for ``a.b.c``)."""
    parts = name.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))} & set(MODULES)


def depends_on(name: str) -> set[str]:
    """What importing ``name`` runs: the modules it imports, and the packages each sits in,
    less the packages ``name`` sits in itself (already running when it runs): importing
    ``a.b.c`` from outside ``a.b`` runs ``a/b/__init__`` first."""
    imported = {m for m in imports_of(name) if m in MODULES}
    enclosing = packages_of(name) | {name}
    return imported | ({p for m in imported for p in packages_of(m)} - enclosing)


GRAPH = {name: depends_on(name) for name in MODULES}


def cycles() -> list[list[str]]:
    """The import circles (each as the path of modules that closes it), Tarjan-free: a
    depth-first search that reports each back edge once."""
    found, state = [], {}

    def walk(node: str, stack: list[str]) -> None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(GRAPH[node]):
            if state.get(target) == "open":
                found.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                walk(target, stack)
        stack.pop()
        state[node] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            walk(name, [])
    return found


def test_no_module_imports_another_that_imports_it_back():
    assert cycles() == []


def test_importing_a_submodule_counts_as_importing_its_package():
    """``from ..actions.docs import x`` in a.cli.manager depends on a/actions/__init__; a
    module importing a sibling depends on no package it sits in itself."""
    assert "ami_console.simulator.actions" in depends_on("ami_console.simulator.cli.manager")
    assert "ami_console.simulator" not in depends_on("ami_console.simulator.dial")


def layer(name: str) -> str:
    if name in LIBRARY or name in ("ami_console.__main__", "ami_console.cli"):
        return "library" if name in LIBRARY else "command line"
    if name.startswith(MODEL):
        return "model"
    if name == UI or name.startswith(UI + "."):
        return "ui"
    if name.startswith("ami_console.simulator"):
        return "simulator"
    raise AssertionError(f"{name} is in no layer: put it in a package named for what it holds")


ALLOWED = {
    "library": {"library"},
    "model": {"library", "model"},
    "ui": {"library", "model", "ui"},
    "simulator": {"library", "simulator"},
    "command line": {"library", "model", "ui", "simulator", "command line"},
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_flow_from_the_library_to_the_model_to_the_ui(name):
    wrong = sorted(m for m in GRAPH[name] if layer(m) not in ALLOWED[layer(name)])
    assert wrong == [], f"{name} ({layer(name)}) imports {wrong}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_only_the_ui_imports_textual_and_rich(name):
    outside = {m.split(".")[0] for m in imports_of(name) if not m.startswith("ami_console")}
    if layer(name) not in ("ui", "command line"):
        assert not outside & {"textual", "rich"}, f"{name} imports {outside & {'textual', 'rich'}}"


def test_only_the_library_and_the_entry_points_stay_at_the_top():
    """The AMI library is the top-level modules; everything else lives in a package named
    for what it holds."""
    top = {module_name(path) for path in ROOT.glob("*.py")}
    assert top - LIBRARY <= {"ami_console.__main__", "ami_console.cli"}, top - LIBRARY


def test_every_package_says_what_it_holds_and_what_it_may_import():
    for path in ROOT.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc, f"{path} has no docstring"


def test_the_library_and_the_model_load_without_textual():
    """At run time too, whatever a module imports lazily: import every module outside the
    UI, the command line and the demo PBX, and Textual and Rich are still not loaded."""
    names = [n for n in MODULES if layer(n) in ("library", "model")]
    code = (
        "import sys\n"
        + "".join(f"import {n}\n" for n in names)
        + ("loaded = sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'rich'})\nassert not loaded, loaded")
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
